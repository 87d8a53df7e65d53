#include "lastword/impls/registry.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

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
