// main() for every RapidCheck property binary.
//
// Every run has a seed: RC_PARAMS's seed= when given (ctest gives a fixed
// seed and max_success, LASTWORD_RC_PARAMS in cmake/lastword_helpers.cmake),
// otherwise a fresh one that is put into RC_PARAMS before RapidCheck reads
// it. RC_PARAMS is printed at start, and each failed test prints the one
// command that reproduces it. (RapidCheck also prints a reproduce= string
// for the shrunk case.)
#include <gtest/gtest.h>

#include "lastword/history/finding.hpp"

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace {

std::string g_params;
std::string g_program;

class reproduce_printer : public ::testing::EmptyTestEventListener {
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (info.result()->Failed())
      std::printf("reproduce: RC_PARAMS=\"%s\" %s --gtest_filter=%s.%s\n", g_params.c_str(),
                  g_program.c_str(), info.test_suite_name(), info.name());
  }
};

// Each failed test as a finding record (LASTWORD_FINDINGS), with the
// violation its property saw last.
class finding_reporter : public ::testing::EmptyTestEventListener {
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (!info.result()->Failed()) return;
    auto r = lastword::finding::pending();
    r.kind = r.invariant.empty() ? "failure" : "violation";
    r.layer = "properties";
    r.target = std::string(info.test_suite_name()) + "." + info.name();
    r.reproduce = "RC_PARAMS=\"" + g_params + "\" " + g_program + " --gtest_filter=" + r.target;
    lastword::finding::report(r);
  }
};

}  // namespace

int main(int argc, char** argv) {
  g_program = argv[0];
  const char* given = std::getenv("RC_PARAMS");
  g_params = given ? given : "";
  const bool fresh = g_params.find("seed=") == std::string::npos && g_params.find("reproduce=") == std::string::npos;
  if (fresh) {
    const unsigned long long seed = std::random_device{}() % 1000000000ull;
    g_params += (g_params.empty() ? "" : " ") + std::string("seed=") + std::to_string(seed);
    setenv("RC_PARAMS", g_params.c_str(), 1);
  }
  std::printf("props: RC_PARAMS=\"%s\" (%s)\n", g_params.c_str(), fresh ? "a fresh seed" : "from the environment");
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::UnitTest::GetInstance()->listeners().Append(new reproduce_printer);
  ::testing::UnitTest::GetInstance()->listeners().Append(new finding_reporter);
  return RUN_ALL_TESTS();
}
