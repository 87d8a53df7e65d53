#include "lastword/impls/registry.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
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

// What is wrong with entry `i`, in words (empty: nothing): every form
// either has a factory that builds a working implementation or a reason
// why not, never both; a variant has its regression file, which the
// reference passes and which the entry, in its first form, violates with
// the invariant it names.
std::string inconsistencies(const implementation& i) {
  std::string out;
  const std::string name(i.name);
  const auto say = [&](const std::string& what) { out += name + ": " + what + "\n"; };
  const auto form_has = [&](bool made, std::string_view why, const char* form) {
    if (made && !why.empty()) say(std::string("has a ") + form + " and says why it has none");
    if (!made && why.empty()) say(std::string("has no ") + form + " and does not say why");
  };
  form_has(i.connection != nullptr, i.no_connection, "connection");
  form_has(i.receiver != nullptr, i.no_receiver, "Sans-I/O receiver");
  form_has(i.queue != nullptr, i.no_queue, "queue");
  if (!i.connection && (!i.beyond_model.empty() || !i.beyond_differential.empty()))
    say("says why forms of a connection cannot show it, but has no connection");
  if (i.name.empty() || i.library.empty() || i.difference.empty()) say("lacks its name, library or difference");
  if (i.catalog && i.name != "reference" && i.expected == 0) say("is a variant without an expected invariant");
  // The factories resolve: each builds an implementation that runs.
  if (i.receiver) {
    auto r = i.receiver(protocol::options{}, [] { return wire::mask_key{}; });
    if (!r) say("its receiver factory builds nothing");
  }
  if (i.queue) {
    auto q = i.queue(assembler::options{});
    if (!q || assembler::to_string(q->apply(assembler::op{})) != "would_block") say("its queue factory does not build a working queue");
  }
  if (i.connection && i.expected == 0) {
    scenario::scenario s;
    s.schedule.push_back({});  // one recv()
    if (run_in_simulation(s, i).events.empty()) say("its connection factory does not run a scenario");
  }
  if (i.expected == 0) return out;
  const auto file = regressions / regression_file(i);
  if (!std::filesystem::exists(file)) {
    say("has no regression file " + file.string());
    return out;
  }
  if (i.connection) {
    const auto s = load(file);
    if (const std::string v = verdict(s, "reference"); !v.empty()) say("the reference fails its scenario: " + v);
    const auto violations = history::judge(s, run_in_simulation(s, i));
    if (violations.empty() || violations.front().invariant != i.expected)
      say(std::string("its scenario does not show ") + i.expected + " on it, but " +
          (violations.empty() ? std::string("nothing") : history::describe(s, violations.front())));
  } else {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto c = assembler::assembler_case_from_bytes(
        {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
    if (const std::string d = assembler::check_assembler(c, assembler::make_reference_queue); !d.empty())
      say("the reference queue fails its assembler input: " + d);
    const std::string d = assembler::check_assembler(c, i.queue);
    if (d.empty() || assembler::invariant_of(d) != i.expected)
      say(std::string("its assembler input does not show ") + i.expected + " on its queue, but " +
          (d.empty() ? std::string("nothing") : d));
  }
  return out;
}

TEST(Registry, EveryEntryIsConsistentAndFailsItsRegression) {
  std::set<std::string_view> names;
  for (const auto& i : all_implementations()) {
    EXPECT_TRUE(names.insert(i.name).second) << i.name << " is registered twice";
    EXPECT_EQ(inconsistencies(i), "");
  }
}

// The check can fail: each planted inconsistency is reported.
TEST(Registry, APlantedInconsistentEntryIsReported) {
  const implementation& base = *find_implementation("ws14-closed-before-drain");
  const auto reported = [](implementation i, std::string_view what) {
    const std::string found = inconsistencies(i);
    EXPECT_NE(found.find(what), std::string::npos) << "expected '" << what << "' in:\n" << found;
  };
  implementation i = base;
  i.no_queue = "said, though it has one";
  reported(i, "has a queue and says why it has none");
  i = base;
  i.no_receiver = {};
  reported(i, "has no Sans-I/O receiver and does not say why");
  i = base;
  i.expected = 'T';  // the wrong invariant
  reported(i, "its scenario does not show T");
  i = base;
  i.connection = find_implementation("reference")->connection;  // a "variant" that is not a bug
  reported(i, "its scenario does not show D on it, but nothing");
  i = base;
  i.name = "closed-before-drain-unlisted";  // no regression scenario
  reported(i, "has no regression file");
  i = *find_implementation("queue-pause-outlives-end");
  i.queue = assembler::make_reference_queue;
  reported(i, "its assembler input does not show F on its queue, but nothing");
  i = base;
  i.receiver = nullptr;
  i.beyond_model = "said";
  i.connection = nullptr;
  i.no_connection = "none";
  reported(i, "says why forms of a connection cannot show it, but has no connection");
}

// Each layer's view is derived from the entries: the forms an entry has
// are the forms that run it, and the reason of a missing one is its own.
TEST(Registry, LayersRunTheFormsEachEntryHas) {
  const auto& drain = *find_implementation("ws14-closed-before-drain");
  EXPECT_TRUE(expresses(drain, form::queue));
  EXPECT_TRUE(expresses(drain, form::differential));
  EXPECT_EQ(not_expressed(drain, form::receiver),
            "no Sans-I/O receiver: the difference is in the queue's get(), above the protocol");
  const auto& queue_only = *find_implementation("queue-pause-outlives-end");
  EXPECT_NE(not_expressed(queue_only, form::model).find("no connection: "), std::string::npos);
  EXPECT_NE(not_expressed(queue_only, form::differential).find("no connection: "), std::string::npos);
  EXPECT_FALSE(not_applicable(scenario::scenario{}, queue_only.name).empty());
  for (const auto f : all_forms)
    for (const auto* i : expressed_by(f)) EXPECT_EQ(not_expressed(*i, f), "") << i->name;
  EXPECT_EQ(fuzz_target_form("assembler"), form::queue);
  EXPECT_EQ(fuzz_target_form("nothing"), std::nullopt);
}

TEST(Registry, ReferencePassesEveryRegressionScenario) {
  for (const auto& e : std::filesystem::directory_iterator(regressions)) {
    if (e.path().extension() != ".scenario") continue;
    const auto s = load(e.path());
    EXPECT_EQ(verdict(s, "reference"), "") << e.path();
  }
}

// A scenario adopted from a nightly finding on a variant (`lastword adopt`)
// says what it shows: "# expect: NAME violates X". The expectations of the
// files in `dir` that do not hold, in words (empty: all hold).
std::string unmet_expectations(const std::filesystem::path& dir) {
  std::string out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".scenario") continue;
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
    if (e.path().extension() != ".scenario") continue;
    const auto s = load(e.path());
    for (const auto& i : all_implementations()) {
      if (!i.connection) continue;
      const auto a = run_in_simulation(s, i.name);
      const auto b = run_in_simulation(s, i.name);
      EXPECT_EQ(history::timeline(s, a), history::timeline(s, b)) << e.path() << " on " << i.name;
    }
  }
}

}  // namespace
}  // namespace lastword::impls
