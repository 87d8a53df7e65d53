#include "lastword/cli/nightly.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <regex>
#include <sstream>

#include "lastword/cli/layers.hpp"
#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/nightly/run.hpp"
#include "lastword/scenario/scenario.hpp"

#ifndef LASTWORD_SOURCE_DIR
#define LASTWORD_SOURCE_DIR "."
#endif

namespace lastword::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* nightly_usage =
    "usage: lastword nightly [--budget DURATION] [--targets LIST] [--jobs N] [--store DIR] [--out DIR]\n"
    "                        [--seed N] [--impl NAME] [--no-build] [--no-coverage | --coverage-only]\n"
    "                        [--source DIR]\n"
    "                        [--fuzz-build DIR] [--coverage-build DIR] [--minimize-seconds N]\n"
    "                        [--model-scope MESSAGES,FRAGMENTS,SENDS | --no-model]\n"
    "  --budget    fuzzing time shared by the targets: 90, 90s, 10m, 1h (default 10m); merging,\n"
    "              minimizing, classifying and coverage come on top\n"
    "  --targets   comma-separated, of connection, refinement, protocol_receive, assembler,\n"
    "              differential (default all)\n"
    "  --jobs      targets at a time (default 1)\n"
    "  --store     the corpus store, any folder (default ${XDG_CACHE_HOME:-~/.cache}/lastword/store)\n"
    "  --out       the run's reports, findings and logs (default lastword-nightly/RUN-TIME)\n"
    "  --seed      the first libFuzzer seed (default: from the clock; printed)\n"
    "  --impl      the implementation the fuzz targets run (default $LASTWORD_IMPL or reference)\n"
    "  --no-build  say how to build missing binaries instead of building them (presets fuzz, coverage)\n"
    "  --no-coverage  skip the coverage of the reference\n"
    "  --coverage-only  no fuzzing: the coverage of the stored corpora, and the reports\n"
    "  --model-scope  after the fuzzing, the model checker on the implementation, exhaustively, in\n"
    "              this scope, with the lookahead at merges (default 3,3,1, which holds both of\n"
    "              `lastword check`'s 2,2,1 and 3,3,0, minutes on 2 cores; a refutation is a finding with its\n"
    "              shortest counterexample)\n"
    "  --no-model  leave the model checker out\n"
    "SIGINT or SIGTERM while fuzzing stops the fuzzers without merging (what they found waits for\n"
    "the next run); during the model checker it stops the search and the reports say how far it got\n"
    "exit: 0 nothing new, 1 new finding(s) (listed), 2 setup error, 130/143 stopped by a signal\n";

constexpr const char* adopt_usage =
    "usage: lastword adopt FINDING --name NAME [--repo DIR] [--force]\n"
    "  FINDING  a finding of `lastword nightly`: its folder (OUT/findings/ID) or its finding.json\n"
    "  --name   the regression's name (lower case letters, digits and '-')\n"
    "  --repo   the lastword source tree to write into (default: the one this binary was built from)\n"
    "Writes corpus/regressions/NAME.scenario (whose test is the registry test, which runs every file\n"
    "there), or, for targets without scenarios (protocol_receive, assembler), corpus/TARGET/regression-NAME\n"
    "(replayed by the fuzz_TARGET_corpus_replay test).\n"
    "exit: 0 adopted, 1 the regression does not show the finding, 2 bad arguments or files\n";

bool parse_count(const std::string& s, long long& v) {
  if (s.empty() || s.size() > 12 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  v = std::stoll(s);
  return true;
}

fs::path default_store() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "lastword" / "store";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "lastword" / "store";
  return fs::path(".cache") / "lastword" / "store";
}

fs::path self_path() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

bool parse_duration(const std::string& text, double& seconds) {
  static const std::regex plain("[0-9]{1,7}");
  static const std::regex units("(?:([0-9]{1,4})h)?(?:([0-9]{1,5})m)?(?:([0-9]{1,7})s)?");
  std::smatch m;
  if (std::regex_match(text, plain)) {
    seconds = std::stod(text);
    return true;
  }
  if (text.empty() || !std::regex_match(text, m, units)) return false;
  seconds = 0;
  if (m[1].matched) seconds += 3600 * std::stod(m[1]);
  if (m[2].matched) seconds += 60 * std::stod(m[2]);
  if (m[3].matched) seconds += std::stod(m[3]);
  return true;
}

int run_nightly(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  nightly::options o;
  o.source = LASTWORD_SOURCE_DIR;
  o.store = default_store();
  o.self = self_path();
  if (const char* impl = std::getenv("LASTWORD_IMPL"); impl && *impl) o.impl = impl;
  o.seed = static_cast<std::uint64_t>(std::time(nullptr)) % 1000000 + 1;
  fs::path fuzz_build, coverage_build, out_dir;
  const auto bad = [&](const std::string& what) {
    err << "lastword nightly: " << what << '\n' << nightly_usage;
    return 2;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << nightly_usage;
      return 0;
    }
    if (a == "--no-build") {
      o.build = false;
      continue;
    }
    if (a == "--no-coverage") {
      o.coverage = false;
      continue;
    }
    if (a == "--coverage-only") {
      o.coverage_only = true;
      continue;
    }
    if (a == "--no-model") {
      o.model = false;
      continue;
    }
    if (i + 1 >= args.size()) return bad(a + " needs a value (or is unknown)");
    const std::string& v = args[++i];
    long long n = 0;
    if (a == "--model-scope") {
      if (const std::string why = parse_model_scope(v, o.model_scope); !why.empty()) return bad(why);
    } else if (a == "--budget") {
      if (!parse_duration(v, o.budget) || o.budget < 1 || o.budget > 7 * 86400)
        return bad("--budget needs a duration between 1 s and 7 days (90, 90s, 10m, 1h), not '" + v + "'");
    } else if (a == "--targets") {
      o.targets.clear();
      std::istringstream in(v);
      for (std::string t; std::getline(in, t, ',');)
        if (!t.empty()) o.targets.push_back(t);
      if (o.targets.empty()) return bad("--targets needs at least one target");
      for (const auto& t : o.targets)
        if (std::find(nightly::all_targets().begin(), nightly::all_targets().end(), t) == nightly::all_targets().end())
          return bad("unknown target '" + t + "'");
    } else if (a == "--jobs") {
      if (!parse_count(v, n) || n < 1 || n > 64) return bad("--jobs needs a number from 1 to 64, not '" + v + "'");
      o.jobs = static_cast<int>(n);
    } else if (a == "--seed") {
      if (!parse_count(v, n)) return bad("--seed needs a number, not '" + v + "'");
      o.seed = static_cast<std::uint64_t>(n);
    } else if (a == "--minimize-seconds") {
      if (!parse_count(v, n) || n > 3600) return bad("--minimize-seconds needs a number up to 3600, not '" + v + "'");
      o.minimize_seconds = static_cast<double>(n);
    } else if (a == "--store") {
      o.store = v;
    } else if (a == "--out") {
      out_dir = v;
    } else if (a == "--impl") {
      o.impl = v;
    } else if (a == "--source") {
      o.source = v;
    } else if (a == "--fuzz-build") {
      fuzz_build = v;
    } else if (a == "--coverage-build") {
      coverage_build = v;
    } else {
      return bad("unknown option '" + a + "'");
    }
  }
  if (!fs::exists(o.source / "fuzz") || !fs::exists(o.source / "corpus"))
    return bad("'" + o.source.string() + "' is not the lastword source tree (no fuzz/ and corpus/); use --source");
  if (o.coverage_only && !o.coverage) return bad("--coverage-only and --no-coverage contradict each other");
  o.fuzz_build = fuzz_build.empty() ? o.source / "build" / "fuzz" : fuzz_build;
  o.coverage_build = coverage_build.empty() ? o.source / "build" / "coverage" : coverage_build;
  if (out_dir.empty()) {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    out_dir = fs::path("lastword-nightly") / buf;
  }
  o.out = fs::absolute(out_dir);
  o.store = fs::absolute(o.store);
  return nightly::run(o, out, err);
}

int run_adopt(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string finding, name;
  fs::path repo = LASTWORD_SOURCE_DIR;
  bool force = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << adopt_usage;
      return 0;
    }
    if (a == "--force") {
      force = true;
    } else if (a == "--name" && i + 1 < args.size()) {
      name = args[++i];
    } else if (a == "--repo" && i + 1 < args.size()) {
      repo = args[++i];
    } else if (!a.empty() && a[0] != '-' && finding.empty()) {
      finding = a;
    } else {
      err << "lastword adopt: unexpected '" << a << "'\n" << adopt_usage;
      return 2;
    }
  }
  if (finding.empty() || name.empty()) {
    err << adopt_usage;
    return 2;
  }
  if (!std::regex_match(name, std::regex("[a-z0-9][a-z0-9-]{0,79}"))) {
    err << "lastword adopt: --name needs lower case letters, digits and '-', not '" << name << "'\n";
    return 2;
  }
  fs::path record = finding;
  if (fs::is_directory(record)) record /= "finding.json";
  json::error_code ec;
  const auto v = json::parse(read_text(record), ec);
  if (ec || !v.is_object()) {
    err << "lastword adopt: '" << record.string() << "' is not a finding of lastword nightly (finding.json)\n";
    return 2;
  }
  const auto& o = v.as_object();
  const auto field = [&](const char* k) {
    const auto* x = o.if_contains(k);
    return x && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  const std::string id = field("id"), target = field("target"), impl = field("implementation"),
                    invariant = field("invariant"), classification = field("classification"), what = field("what");
  // The files sit beside finding.json (its paths may be of another machine).
  const fs::path dir = record.parent_path();
  const fs::path scenario_file = dir / "scenario", input_file = dir / "input";
  if (id.empty() || target.empty() || impl.empty() || !fs::exists(input_file)) {
    err << "lastword adopt: " << record.string() << " lacks its id, target, implementation or input file\n";
    return 2;
  }
  std::string header = "# " + name + ": adopted from lastword nightly finding " + id + " (" + classification +
                       "), found by " + (target == "model" ? std::string("the model checker") : "the " + target + " fuzz target") +
                       " on " + impl + ".\n";
  if (!what.empty()) header += "# " + invariant + ": " + what.substr(0, 300) + "\n";
  const bool variant = classification == "variant-only" && impl != "reference";
  if (fs::exists(scenario_file)) {
    const std::string text = read_text(scenario_file);
    auto parsed = scenario::parse(text);
    if (auto* e = std::get_if<scenario::parse_error>(&parsed)) {
      err << "lastword adopt: " << scenario_file.string() << ": " << e->to_string() << '\n';
      return 2;
    }
    const auto& s = std::get<scenario::scenario>(parsed);
    // What the regression test will hold it to: the reference passes it,
    // and a variant-only finding's implementation violates its invariant.
    const auto on_reference = history::judge(s, impls::run_in_simulation(s, "reference"));
    if (variant) {
      const auto h = impls::run_in_simulation(s, impl);
      const auto on_impl = h.not_applicable.empty() ? history::judge(s, h) : std::vector<history::violation>{};
      bool shows = false;
      for (const auto& x : on_impl) shows = shows || invariant.find(x.invariant) != std::string::npos;
      if (!shows || !on_reference.empty()) {
        err << "lastword adopt: the scenario of " << id << " does not show " << impl << " violating " << invariant
            << " while the reference holds; not adopted\n";
        return 1;
      }
      header += "# expect: " + impl + " violates " + std::string(1, invariant.front()) + "\n";
    } else if (!on_reference.empty()) {
      out << "note: the reference violates this scenario today (" << history::describe(s, on_reference.front())
          << "): its regression test fails until the bug is fixed\n";
    }
    const fs::path to = repo / "corpus" / "regressions" / (name + ".scenario");
    if (fs::exists(to) && !force) {
      err << "lastword adopt: " << to.string() << " exists (--force replaces it)\n";
      return 2;
    }
    std::ofstream(to) << header << text;
    out << "wrote " << to.string() << "\n"
        << "its test: the registry test runs every file in corpus/regressions/ (the reference passes it"
        << (variant ? "; " + impl + " violates " + std::string(1, invariant.front()) : std::string()) << "):\n"
        << "  cmake --build --preset default --target registry_test && ctest --preset default -R Registry\n"
        << "replay: lastword replay " << to.string() << (variant ? " --impl " + impl : std::string()) << '\n';
    return 0;
  }
  // protocol_receive and assembler inputs have no scenario form: they join
  // the target's seed corpus, which its corpus replay test runs on the
  // reference.
  const fs::path to = repo / "corpus" / target / ("regression-" + name);
  if (!fs::is_directory(to.parent_path())) {
    err << "lastword adopt: no corpus folder " << to.parent_path().string() << '\n';
    return 2;
  }
  if (fs::exists(to) && !force) {
    err << "lastword adopt: " << to.string() << " exists (--force replaces it)\n";
    return 2;
  }
  std::error_code fec;
  fs::copy_file(input_file, to, fs::copy_options::overwrite_existing, fec);
  if (fec) {
    err << "lastword adopt: cannot write " << to.string() << ": " << fec.message() << '\n';
    return 2;
  }
  out << "wrote " << to.string() << "\n"
      << "its test: fuzz_" << target << "_corpus_replay replays every file of corpus/" << target
      << " on the reference:\n  ctest --preset default -R fuzz_" << target << "_corpus_replay\n"
      << "replay: lastword replay --kind " << target << " " << to.string() << " --impl " << impl << '\n';
  return 0;
}

}  // namespace lastword::cli
