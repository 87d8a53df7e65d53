#include "lastword/impls/registry.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>
#include <sstream>

#include "lastword/history/judge.hpp"

namespace lastword::impls {
namespace {

scenario::scenario load(const std::filesystem::path& p) {
  std::ifstream in(p);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto r = scenario::parse(text);
  if (auto* e = std::get_if<scenario::parse_error>(&r)) ADD_FAILURE() << p << ": " << e->to_string();
  return std::get<scenario::scenario>(r);
}

std::string verdict(const scenario::scenario& s, std::string_view impl) {
  std::string out;
  for (const auto& v : history::judge(s, run_in_simulation(s, impl))) out += history::describe(s, v) + "\n";
  return out;
}

const std::filesystem::path regressions = LASTWORD_CORPUS_DIR "/regressions";

TEST(Registry, EveryVariantHasItsRegressionScenario) {
  for (const auto& i : all_implementations()) {
    if (i.name == "reference" || !i.catalog) continue;
    EXPECT_TRUE(std::filesystem::exists(regressions / (std::string(i.name) + ".scenario"))) << i.name;
    EXPECT_NE(i.expected, 0) << i.name;
  }
}

TEST(Registry, ReferencePassesEveryRegressionScenario) {
  for (const auto& e : std::filesystem::directory_iterator(regressions)) {
    const auto s = load(e.path());
    EXPECT_EQ(verdict(s, "reference"), "") << e.path();
  }
}

TEST(Registry, EachVariantFailsItsScenarioWithTheExpectedInvariant) {
  for (const auto& i : all_implementations()) {
    if (i.name == "reference" || !i.catalog) continue;
    const auto s = load(regressions / (std::string(i.name) + ".scenario"));
    const auto violations = history::judge(s, run_in_simulation(s, i.name));
    ASSERT_FALSE(violations.empty()) << i.name << " passed its regression scenario";
    EXPECT_EQ(violations.front().invariant, i.expected) << i.name << ": " << history::describe(s, violations.front());
  }
}

// A scenario adopted from a nightly finding on a variant (`lastword adopt`)
// says what it shows: "# expect: NAME violates X". The expectations of the
// files in `dir` that do not hold, in words (empty: all hold).
std::string unmet_expectations(const std::filesystem::path& dir) {
  std::string out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) {
      constexpr std::string_view tag = "# expect: ";
      if (line.rfind(tag, 0) != 0) continue;
      std::istringstream words(line.substr(tag.size()));
      std::string impl, verb, invariant;
      words >> impl >> verb >> invariant;
      if (!find_implementation(impl) || verb != "violates" || invariant.size() != 1) {
        out += e.path().string() + ": cannot read '" + line + "'\n";
        continue;
      }
      const auto s = load(e.path());
      bool shown = false;
      for (const auto& v : history::judge(s, run_in_simulation(s, impl))) shown = shown || v.invariant == invariant[0];
      if (!shown) out += e.path().string() + ": " + impl + " does not violate " + invariant + "\n";
    }
  }
  return out;
}

TEST(Registry, AdoptedScenariosFailOnTheirVariant) { EXPECT_EQ(unmet_expectations(regressions), ""); }

TEST(Registry, AnAdoptedScenarioThatNoLongerFailsIsReported) {
  const auto dir = std::filesystem::temp_directory_path() / ("lastword-registry-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(regressions / "ws14-closed-before-drain.scenario", dir / "a.scenario",
                             std::filesystem::copy_options::overwrite_existing);
  std::ofstream(dir / "a.scenario", std::ios::app) << "# expect: ws14-closed-before-drain violates D\n";
  EXPECT_EQ(unmet_expectations(dir), "");
  std::ofstream(dir / "a.scenario", std::ios::app) << "# expect: ws14-timeout-zero violates D\n";
  EXPECT_NE(unmet_expectations(dir).find("ws14-timeout-zero does not violate D"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Registry, RunsAreDeterministic) {
  for (const auto& e : std::filesystem::directory_iterator(regressions)) {
    const auto s = load(e.path());
    for (const auto& i : all_implementations()) {
      const auto a = run_in_simulation(s, i.name);
      const auto b = run_in_simulation(s, i.name);
      EXPECT_EQ(history::timeline(s, a), history::timeline(s, b)) << e.path() << " on " << i.name;
    }
  }
}

}  // namespace
}  // namespace lastword::impls
