#include "lastword/cli/check.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <random>

#include "lastword/cli/explore.hpp"
#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/scenario/generate.hpp"

namespace lastword::cli {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

constexpr const char* check_usage =
    "usage: lastword check [--impl NAME] [--budget SECONDS] [--seed N] [--corpus DIR] [--out DIR]\n"
    "  --impl    the implementation to check (default reference; `lastword list`)\n"
    "  --budget  seconds of random scenarios after the corpus (default 10)\n"
    "  --seed    the random seed (default: a fresh one, printed)\n"
    "  --corpus  the regression scenarios (default corpus/regressions)\n"
    "  --out     where a counterexample is written (default lastword-failures)\n";

constexpr const char invariants[] = "DPCXTKFLW";

struct options {
  std::string impl = "reference";
  double budget = 10;
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::string corpus = "corpus/regressions";
  std::string out = "lastword-failures";
};

template <class T>
bool parse_number(const std::string& s, T& v) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && end == s.data() + s.size();
}

std::vector<history::violation> judge_bytes(const std::vector<std::uint8_t>& bytes, const std::string& impl) {
  const auto s = scenario::from_bytes(bytes);
  return history::judge(s, impls::run_in_simulation(s, impl));
}

// Greedy shrinking: drop chunks of bytes, then lower single bytes, while the
// same invariant still fails.
std::vector<std::uint8_t> shrink(std::vector<std::uint8_t> bytes, char invariant, const std::string& impl) {
  auto fails = [&](const std::vector<std::uint8_t>& b) {
    for (const auto& v : judge_bytes(b, impl))
      if (v.invariant == invariant) return true;
    return false;
  };
  for (bool progress = true; progress;) {
    progress = false;
    for (std::size_t chunk = std::max<std::size_t>(1, bytes.size() / 2); chunk >= 1; chunk /= 2) {
      for (std::size_t at = 0; at + chunk <= bytes.size();) {
        auto candidate = bytes;
        candidate.erase(candidate.begin() + static_cast<std::ptrdiff_t>(at),
                        candidate.begin() + static_cast<std::ptrdiff_t>(at + chunk));
        if (fails(candidate)) {
          bytes = std::move(candidate);
          progress = true;
        } else {
          at += chunk;
        }
      }
      if (chunk == 1) break;
    }
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      for (std::uint8_t v : {std::uint8_t{0}, std::uint8_t(bytes[i] / 2), std::uint8_t(bytes[i] - 1)}) {
        if (v >= bytes[i]) continue;
        auto candidate = bytes;
        candidate[i] = v;
        if (fails(candidate)) {
          bytes = std::move(candidate);
          progress = true;
          break;
        }
      }
    }
  }
  return bytes;
}

}  // namespace

int run_check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    const std::string* v = nullptr;
    if (a == "--help" || a == "-h") {
      out << check_usage;
      return 0;
    } else if (a == "--impl" && (v = value())) {
      o.impl = *v;
    } else if (a == "--budget" && (v = value())) {
      if (!parse_number(*v, o.budget) || o.budget < 0 || o.budget > 86400) {
        err << "lastword check: --budget needs seconds between 0 and 86400, not '" << *v << "'\n";
        return 2;
      }
    } else if (a == "--seed" && (v = value())) {
      if (!parse_number(*v, o.seed)) {
        err << "lastword check: --seed needs a non-negative integer, not '" << *v << "'\n";
        return 2;
      }
      o.seed_given = true;
    } else if (a == "--corpus" && (v = value())) {
      o.corpus = *v;
    } else if (a == "--out" && (v = value())) {
      o.out = *v;
    } else {
      err << "lastword check: " << (a.rfind("--", 0) == 0 ? "bad or incomplete option '" : "unexpected argument '")
          << a << "'\n"
          << check_usage;
      return 2;
    }
  }
  if (!impls::find_implementation(o.impl)) {
    err << "lastword check: unknown implementation '" << o.impl << "' (see `lastword list`)\n";
    return 2;
  }
  if (!o.seed_given) o.seed = std::random_device{}() % 1000000000u;
  std::error_code ec;
  if (!fs::is_directory(o.corpus, ec)) {
    err << "lastword check: no corpus directory '" << o.corpus << "' (run from the project root, or give --corpus)\n";
    return 2;
  }

  std::map<char, std::string> first_violation;  // invariant -> where it was found
  out << "lastword check --impl " << o.impl << " --seed " << o.seed << " --budget " << o.budget << "\n\n";

  // 1. Exhaustive: every interleaving of the default scope, against the model.
  const model::machine machine(default_scope());
  const auto explored = explore::explore_impl(machine, o.impl);
  std::string explored_file;
  if (explored.found) {
    fs::create_directories(o.out, ec);
    explored_file = (fs::path(o.out) / (o.impl + "-explore.scenario")).string();
    std::ofstream(explored_file) << "# shortest counterexample found by: lastword check --impl " << o.impl << "\n# "
                                 << explored.found->what << '\n'
                                 << scenario::print(explored.found->counterexample);
    first_violation.try_emplace(explored.found->invariant, "lastword replay " + explored_file + " --impl " + o.impl +
                                                               "   # " + explored.found->what);
  }

  // 2. The regression corpus.
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(o.corpus))
    if (e.path().extension() == ".scenario") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const auto corpus_start = clock_type::now();
  for (const auto& f : files) {
    std::ifstream in(f);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = scenario::parse(text);
    if (auto* e = std::get_if<scenario::parse_error>(&parsed)) {
      err << "lastword check: " << f.string() << ": " << e->to_string() << '\n';
      return 2;
    }
    const auto& s = std::get<scenario::scenario>(parsed);
    for (const auto& v : history::judge(s, impls::run_in_simulation(s, o.impl)))
      first_violation.try_emplace(v.invariant, "lastword replay " + f.string() + " --impl " + o.impl + "   # " +
                                                   history::describe(s, v));
  }
  const double corpus_seconds = std::chrono::duration<double>(clock_type::now() - corpus_start).count();

  // 3. Random scenarios for the budget, until the first violation.
  std::mt19937_64 rng(o.seed);
  std::uint64_t runs = 0;
  const auto start = clock_type::now();
  const auto deadline = start + std::chrono::duration<double>(o.budget);
  std::string counterexample;
  while (clock_type::now() < deadline && counterexample.empty()) {
    std::vector<std::uint8_t> bytes(rng() % 65);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    ++runs;
    const auto violations = judge_bytes(bytes, o.impl);
    if (violations.empty()) continue;
    const char inv = violations.front().invariant;
    const auto small = shrink(bytes, inv, o.impl);
    const auto s = scenario::from_bytes(small);
    const auto again = history::judge(s, impls::run_in_simulation(s, o.impl));
    fs::create_directories(o.out, ec);
    const fs::path file = fs::path(o.out) / (o.impl + "-seed" + std::to_string(o.seed) + ".scenario");
    std::ofstream(file) << "# found by: lastword check --impl " << o.impl << " --seed " << o.seed << "\n"
                        << scenario::print(s);
    counterexample = file.string();
    for (const auto& v : again)
      first_violation.try_emplace(v.invariant, "lastword replay " + counterexample + " --impl " + o.impl + "   # " +
                                                   history::describe(s, v));
  }
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();

  out << "invariant  verdict\n";
  for (const char inv : std::string_view(invariants)) {
    const auto it = first_violation.find(inv);
    out << "    " << inv << "      " << (it == first_violation.end() ? "held" : "VIOLATED: " + it->second) << '\n';
  }
  out << "\nfigures: exhaustive: " << figures(explored) << (explored.found ? " (stopped at the first violation)" : "")
      << "\n         " << files.size() << " regression scenarios in " << corpus_seconds << " s; " << runs
      << " random scenarios in " << seconds << " s (" << (seconds > 0 ? static_cast<double>(runs) / seconds : 0)
      << " per second), seed " << o.seed << '\n';
  if (!counterexample.empty()) out << "counterexample: " << counterexample << '\n';
  if (first_violation.empty()) {
    out << "verdict: " << o.impl << " held every invariant\n";
    return 0;
  }
  out << "verdict: " << o.impl << " violated " << first_violation.size() << " invariant(s)\n";
  out << "reproduce: lastword check --impl " << o.impl << " --seed " << o.seed << " --budget " << o.budget << '\n';
  return 1;
}

}  // namespace lastword::cli
