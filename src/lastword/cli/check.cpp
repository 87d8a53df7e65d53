#include "lastword/cli/check.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <sstream>

#include "lastword/cli/explore.hpp"
#include "lastword/cli/layers.hpp"
#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"

namespace lastword::cli {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

constexpr const char* check_usage =
    "usage: lastword check [--impl NAME] [--budget SECONDS | --runs N] [--seed N] [--corpus DIR] [--out DIR]\n"
    "                      [--props PATH] [--fuzzer PATH] [--protocol-fuzzer PATH]\n"
    "                      [--refinement-fuzzer PATH] [--assembler-fuzzer PATH]\n"
    "                      [--differential-fuzzer PATH] [--waive LIST] [--work DIR]\n"
    "                      [--model-scope M,F,S[+M,F,S...]] [--model-lookahead 0|1]\n"
    "  --impl             the implementation to check (default reference; `lastword list`)\n"
    "  --budget           seconds for each randomized layer (default 10)\n"
    "  --runs             instead of seconds, exactly N executions in each randomized layer\n"
    "                     (scenarios, property cases, fuzzer runs): with --seed, the run repeats\n"
    "  --seed             the random seed (default: a fresh one, printed)\n"
    "  --corpus           the regression scenarios (default corpus/regressions)\n"
    "  --out              where counterexamples are written (default lastword-failures)\n"
    "  --waive            invariants to set aside in the in-process layers and, through\n"
    "                     LASTWORD_WAIVE in their command lines, the property and fuzz binaries, e.g. F for a\n"
    "                     library that reads on demand\n"
    "  --model-scope      the model checker's scope: messages, fragments, sends, or several\n"
    "                     joined by '+', searched in turn (default 2,2,1+3,3,0: the send side\n"
    "                     at 2x2, the receive side at 3x3, both complete); the verdict says\n"
    "                     whether each search was complete\n"
    "  --model-lookahead  1: also run one step past every path that merges into a set of\n"
    "                     model states already explored (default 0; `lastword explore` and\n"
    "                     the nightly run do by default)\n"
    "  --props, --fuzzer, --protocol-fuzzer, --refinement-fuzzer, --assembler-fuzzer,\n"
    "  --differential-fuzzer, --work: as for `lastword detect`\n"
    "The invariants (D P C X T K F L W S) are defined in docs/contract.md.\n";

const std::string& invariants = history::letters();

template <class T>
bool parse_number(const std::string& s, T& v) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && end == s.data() + s.size();
}

std::string format_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

int run_check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string impl = "reference", corpus = "corpus/regressions", out_dir = "lastword-failures";
  double budget = 10;
  std::uint64_t seed = 0, runs = 0;
  bool seed_given = false;
  binaries b;
  std::vector<model::scope> model_scopes = check_scopes();
  bool model_lookahead = false;
  std::string model_scope_arg;
  history::judge_options judging;  // --waive
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << check_usage;
      return 0;
    }
    if (i + 1 >= args.size() || a.rfind("--", 0) != 0) {
      err << "lastword check: " << (a.rfind("--", 0) == 0 ? "'" + a + "' needs a value" : "unexpected '" + a + "'")
          << '\n'
          << check_usage;
      return 2;
    }
    const std::string& v = args[++i];
    if (a == "--impl") {
      impl = v;
    } else if (a == "--waive") {
      if (v.empty() || !history::valid_waiver(v)) {
        err << "lastword check: --waive needs invariant letters of " << history::letters() << " (" << history::contract_doc
            << "), not '" << v << "'\n";
        return 2;
      }
      judging.waived = v;
    } else if (a == "--budget") {
      if (!parse_number(v, budget) || budget < 0 || budget > 86400) {
        err << "lastword check: --budget needs seconds between 0 and 86400, not '" << v << "'\n";
        return 2;
      }
    } else if (a == "--runs") {
      if (!parse_number(v, runs) || runs < 1 || runs > 1000000000) {
        err << "lastword check: --runs needs a number from 1 to 1000000000, not '" << v << "'\n";
        return 2;
      }
    } else if (a == "--seed") {
      if (!parse_number(v, seed)) {
        err << "lastword check: --seed needs a non-negative integer, not '" << v << "'\n";
        return 2;
      }
      seed_given = true;
    } else if (a == "--model-scope") {
      if (const std::string bad = parse_model_scopes(v, model_scopes); !bad.empty()) {
        err << "lastword check: " << bad << '\n';
        return 2;
      }
      model_scope_arg += " --model-scope " + v;
    } else if (a == "--model-lookahead") {
      if (const std::string bad = parse_model_lookahead(v, model_lookahead); !bad.empty()) {
        err << "lastword check: " << bad << '\n';
        return 2;
      }
      model_scope_arg += " --model-lookahead " + v;
    } else if (a == "--corpus") {
      corpus = v;
    } else if (a == "--out") {
      out_dir = v;
    } else if (b.set(a, v)) {
    } else {
      err << "lastword check: unknown option '" << a << "'\n" << check_usage;
      return 2;
    }
  }
  if (!impls::find_implementation(impl)) {
    err << "lastword check: unknown implementation '" << impl << "' (see `lastword list`)\n";
    return 2;
  }
  std::error_code ec;
  if (!fs::is_directory(corpus, ec)) {
    err << "lastword check: no corpus directory '" << corpus << "' (run from the project root, or give --corpus)\n";
    return 2;
  }
  if (const std::string missing = b.missing(); !missing.empty()) {
    err << "lastword check: missing binaries; build them from the project root (bash scripts/run.sh does):\n"
        << missing;
    return 2;
  }
  if (!seed_given) seed = std::random_device{}() % 1000000000u;
  // The options that repeat this run (a run count repeats it exactly).
  const std::string limit = runs ? " --runs " + std::to_string(runs) : " --budget " + format_number(budget);
  out << "lastword check --impl " << impl << " --seed " << seed << limit << model_scope_arg << "\n\n";

  // The layers, in order: exhaustive first, then the corpus, then the
  // randomized ones.
  struct layer_result {
    std::string name;
    attempt a;
  };
  std::vector<layer_result> results;
  results.push_back({"model checker", layer_model_checker(impl, out_dir, model_scopes, judging, model_lookahead)});

  attempt corpus_result;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(corpus))
    if (e.path().extension() == ".scenario") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const auto corpus_start = clock_type::now();
  std::map<char, std::string> corpus_found;
  for (const auto& f : files) {
    std::ifstream in(f);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = scenario::parse(text);
    if (auto* e = std::get_if<scenario::parse_error>(&parsed)) {
      err << "lastword check: " << f.string() << ": " << e->to_string() << '\n';
      return 2;
    }
    const auto& s = std::get<scenario::scenario>(parsed);
    ++corpus_result.executions;
    const auto judged = impls::run_and_judge(s, impl, judging);
    if (!judged) ++corpus_result.not_applicable;
    for (const auto& v : judged.value_or(std::vector<history::violation>{}))
      corpus_found.try_emplace(v.invariant, "lastword replay " + f.string() + " --impl " + impl +
                                                (judging.waived.empty() ? "" : " --waive " + judging.waived) + "   # " +
                                                history::describe(s, v));
  }
  corpus_result.seconds = std::chrono::duration<double>(clock_type::now() - corpus_start).count();
  results.push_back({"corpus", corpus_result});

  results.push_back({"random scenarios", layer_random(impl, seed, budget, out_dir, runs, judging)});
  results.push_back({"properties", layer_properties(b, impl, seed, budget, runs, judging)});
  results.push_back({"fuzz connection", layer_fuzz_connection(b, impl, seed, budget, runs, judging)});
  results.push_back({"fuzz refinement", layer_fuzz_refinement(b, impl, seed, budget, runs, judging)});
  results.push_back({"fuzz protocol_receive", layer_fuzz_protocol(b, impl, seed, budget, runs, judging)});
  results.push_back({"fuzz assembler", layer_fuzz_assembler(b, impl, seed, budget, runs, judging)});
  results.push_back({"fuzz differential", layer_fuzz_differential(b, impl, seed, budget, runs, judging)});

  // One verdict table: invariant x layer.
  out << "| invariant |";
  for (const auto& r : results) out << ' ' << r.name << " |";
  out << "\n|---|";
  for (std::size_t i = 0; i < results.size(); ++i) out << "---|";
  out << '\n';
  bool violated = false;
  for (const char inv : std::string_view(invariants)) {
    out << "| " << inv << " |";
    for (const auto& r : results) {
      std::string cell = "held";
      if (!r.a.applicable) cell = "n/a";
      else if (r.name == "corpus" ? corpus_found.count(inv) > 0 : (r.a.found && r.a.invariant == inv)) cell = "VIOLATED";
      if (cell == "VIOLATED") violated = true;
      out << ' ' << cell << " |";
    }
    out << '\n';
  }
  // A finding with no SPEC letter (a crash, a sanitizer report) still fails.
  for (const auto& r : results)
    if (r.a.found && std::string_view(invariants).find(r.a.invariant) == std::string_view::npos) violated = true;

  out << "\nfigures:\n";
  for (const auto& r : results) {
    if (!r.a.applicable) {
      out << "  " << r.name << ": not applicable to " << impl << (r.a.what.empty() ? "" : ": " + r.a.what) << '\n';
      continue;
    }
    char buf[200];
    std::snprintf(buf, sizeof buf, "  %s: %llu runs in %.3f s%s\n", r.name.c_str(),
                  static_cast<unsigned long long>(r.a.executions), r.a.seconds,
                  r.a.found ? " (stopped at the first violation)" : "");
    out << buf;
    if (r.name == "model checker" && !r.a.found) out << "    search: " << r.a.what << '\n';  // complete or bounded
  }
  out << "\ncounterexamples:\n";
  bool any = false;
  for (const auto& r : results) {
    if (r.name == "corpus") {
      for (const auto& [inv, where] : corpus_found) {
        out << "  corpus (" << inv << "): " << where << '\n';
        any = true;
      }
    } else if (r.a.found) {
      out << "  " << r.name << " (" << r.a.invariant << "): " << r.a.reproduce
          << (r.a.what.empty() ? "" : "   # " + r.a.what) << '\n';
      any = true;
    }
  }
  if (!any) out << "  none\n";
  if (!violated) {
    // What was proved and what was searched, each said as such.
    std::uint64_t searched = 0;
    int searching = 0;
    std::string model_part, not_applicable;
    for (const auto& r : results) {
      if (!r.a.applicable) {
        not_applicable += (not_applicable.empty() ? "" : ", ") + r.name;
      } else if (r.name == "model checker") {
        model_part = std::string(r.a.complete ? "proved along a shortest path to every reachable set of model states"
                                              : "checked up to the depth bound") +
                     " in the model checker's scope" + (model_scopes.size() > 1 ? "s " : " ") +
                     scopes_text(model_scopes) + " (" + r.a.what +
                     (r.a.complete ? ")" : "; nothing beyond it is proved)");
      } else {
        searched += r.a.executions;
        ++searching;
      }
    }
    out << "verdict: " << impl << " held every invariant"
        << (judging.waived.empty() ? "" : " but " + judging.waived + " (waived: not judged)")
        << " in every layer that ran: " << (model_part.empty() ? "" : model_part + "; ") << "no violation in "
        << searched << " runs of the " << searching << (model_part.empty() ? "" : " other") << " layers"
        << " (a search, not a proof)" << (not_applicable.empty() ? "" : "; not applicable: " + not_applicable)
        << '\n';
    return 0;
  }
  out << "verdict: " << impl << " violated the contract\n";
  out << "reproduce: lastword check --impl " << impl << " --seed " << seed << limit
      << (judging.waived.empty() ? "" : " --waive " + judging.waived) << '\n';
  return 1;
}

}  // namespace lastword::cli
