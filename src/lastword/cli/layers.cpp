#include "lastword/cli/layers.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include "lastword/assembler/assembler_check.hpp"
#include "lastword/cli/explore.hpp"
#include "lastword/history/judge.hpp"
#include "lastword/impls/differential.hpp"
#include "lastword/impls/protocol_variants.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/scenario/generate.hpp"

namespace lastword::cli {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// Runs a shell command; its exit status, and its output in `output`.
int run_command(const std::string& command, std::string& output) {
  output.clear();
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) output.append(buf.data(), n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

char first_invariant(const std::string& output) {
  std::smatch m;
  if (std::regex_search(output, m, std::regex("([DPCXTKFLWS]) violated"))) return m[1].str()[0];
  return '?';
}

// The violations of the scenario `bytes` decode into (empty when it holds
// or is not applicable: `applicable` tells which).
std::vector<history::violation> judge_bytes(const std::vector<std::uint8_t>& bytes, const std::string& impl,
                                            bool* applicable = nullptr) {
  auto v = impls::run_and_judge(impls::scenario_from_bytes(bytes, impl), impl);
  if (applicable) *applicable = v.has_value();
  return v ? std::move(*v) : std::vector<history::violation>{};
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
    for (std::size_t chunk = std::max<std::size_t>(1, bytes.size() / 2);; chunk /= 2) {
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
      if (chunk <= 1) break;
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

attempt run_fuzzer(const std::string& binary, const std::string& work, const std::string& name,
                   const std::string& impl, std::uint64_t seed, double budget) {
  const fs::path dir = fs::path(work) / (name + "-" + impl + "-" + std::to_string(seed));
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir / "corpus", ec);
  const std::string cmd = "LASTWORD_IMPL=" + quote(impl) + " " + quote(binary) + " " + quote((dir / "corpus").string()) +
                          " -seed=" + std::to_string(seed) + " -max_total_time=" +
                          std::to_string(std::max(1, static_cast<int>(budget))) + " -artifact_prefix=" +
                          quote((dir / "").string());
  std::string output;
  const auto start = clock_type::now();
  const int status = run_command(cmd, output);
  attempt a;
  a.seconds = seconds_since(start);
  a.found = status != 0 && output.find("violation by") != std::string::npos;
  const std::regex status_line("#([0-9]+)\\s");
  for (std::sregex_iterator it(output.begin(), output.end(), status_line), end; it != end; ++it)
    a.executions = std::max<std::uint64_t>(a.executions, std::stoull((*it)[1]));
  if (status != 0 && !a.found) {
    // A crash or a sanitizer report is a finding too.
    a.found = true;
    a.what = "the fuzz target failed (exit " + std::to_string(status) + "); see " + (dir / "log").string();
    std::ofstream(dir / "log") << output;
  }
  if (a.found) {
    std::smatch m;
    if (a.what.empty() && std::regex_search(output, m, std::regex("violation by [^:]*: *\\n? *([^\\n]*)")))
      a.what = m[1];
    a.invariant = first_invariant(output);
    std::string artifact;
    if (std::regex_search(output, m, std::regex("Test unit written to ([^\\n]+)"))) artifact = m[1];
    a.reproduce = name == "connection"     ? "lastword replay --bytes " + artifact + " --impl " + impl
                  : name == "differential" ? "lastword replay --differential " + artifact + " --impl " + impl
                                           : "LASTWORD_IMPL=" + impl + " " + binary + " " + artifact;
  }
  return a;
}

}  // namespace

std::string binaries::missing() const {
  std::string out;
  if (!fs::exists(props))
    out += "'" + props + "' (cmake --preset default && cmake --build --preset default)\n";
  for (const auto& f : {fuzz_connection, fuzz_protocol, fuzz_refinement, fuzz_assembler, fuzz_differential})
    if (!fs::exists(f)) out += "'" + f + "' (cmake --preset fuzz && cmake --build --preset fuzz)\n";
  return out;
}

bool binaries::set(const std::string& option, const std::string& value) {
  std::string* target = option == "--props"               ? &props
                        : option == "--fuzzer"            ? &fuzz_connection
                        : option == "--protocol-fuzzer"   ? &fuzz_protocol
                        : option == "--refinement-fuzzer" ? &fuzz_refinement
                        : option == "--assembler-fuzzer"  ? &fuzz_assembler
                        : option == "--differential-fuzzer" ? &fuzz_differential
                        : option == "--work"              ? &work
                                                          : nullptr;
  if (target) *target = value;
  return target != nullptr;
}

attempt layer_model_checker(const std::string& impl, const std::string& out_dir) {
  const model::machine m(default_scope());
  const auto r = explore::explore_impl(m, impl);
  attempt a{true, r.found.has_value(), r.found ? r.found->invariant : '-', r.seconds, r.runs, {}, {}};
  if (r.found && !out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    const std::string file = (fs::path(out_dir) / (impl + "-explore.scenario")).string();
    std::ofstream(file) << "# shortest counterexample in the default scope\n# " << r.found->what << '\n'
                        << scenario::print(r.found->counterexample);
    a.reproduce = "lastword replay " + file + " --impl " + impl;
    a.what = r.found->what;
  }
  return a;
}

attempt layer_random(const std::string& impl, std::uint64_t seed, double budget, const std::string& out_dir) {
  std::mt19937_64 rng(seed);
  attempt a;
  const auto start = clock_type::now();
  while (seconds_since(start) < budget) {
    std::vector<std::uint8_t> bytes(rng() % 65);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    ++a.executions;
    bool applicable = true;
    const auto v = judge_bytes(bytes, impl, &applicable);
    if (!applicable) ++a.not_applicable;
    if (v.empty()) continue;
    a.found = true;
    a.invariant = v.front().invariant;
    a.seconds = seconds_since(start);
    if (!out_dir.empty()) {
      const auto s = impls::scenario_from_bytes(shrink(bytes, a.invariant, impl), impl);
      const auto again = impls::run_and_judge(s, impl).value_or(std::vector<history::violation>{});
      std::error_code ec;
      fs::create_directories(out_dir, ec);
      const std::string file = (fs::path(out_dir) / (impl + "-seed" + std::to_string(seed) + ".scenario")).string();
      std::ofstream(file) << "# found by random scenarios, seed " << seed << "\n" << scenario::print(s);
      a.reproduce = "lastword replay " + file + " --impl " + impl;
      if (!again.empty()) a.what = history::describe(s, again.front());
    }
    return a;
  }
  a.seconds = seconds_since(start);
  return a;
}

attempt layer_properties(const binaries& b, const std::string& impl, std::uint64_t seed, double budget) {
  // The reference: the contract property for the budget's worth of cases;
  // a variant: its planted-bug test, which reports after how many cases.
  std::string filter = "ConnectionProps.ReferenceHoldsEveryInvariant";
  if (impl != "reference") {
    std::string n = impl;
    std::replace(n.begin(), n.end(), '-', '_');
    filter = std::string(impls::find_implementation(impl)->catalog ? "Catalog" : "Libraries") +
             "/ConnectionPropsCatch.PropertyCatchesTheVariant/" + n;
  }
  const auto cases = static_cast<std::uint64_t>(std::max(100.0, budget * 20000));
  const std::string params = "seed=" + std::to_string(seed) + " max_success=" + std::to_string(cases);
  const std::string cmd = "RC_PARAMS=" + quote(params) + " timeout " + std::to_string(static_cast<int>(budget) + 60) +
                          " " + quote(b.props) + " --gtest_filter=" + quote(filter);
  std::string output;
  const auto start = clock_type::now();
  const int status = run_command(cmd, output);
  attempt a;
  a.seconds = seconds_since(start);
  std::smatch m;
  if (impl == "reference") {
    a.found = status != 0;
    a.executions = status == 0 ? cases : 0;
  } else if (std::regex_search(output, m, std::regex("caught after ([0-9]+) passing cases"))) {
    a.found = true;
    a.executions = std::stoull(m[1]) + 1;
  }
  if (a.found) {
    a.invariant = first_invariant(output);
    a.reproduce = "RC_PARAMS=\"" + params + "\" " + b.props + " --gtest_filter=" + filter;
  }
  return a;
}

attempt layer_fuzz_connection(const binaries& b, const std::string& impl, std::uint64_t seed, double budget) {
  return run_fuzzer(b.fuzz_connection, b.work, "connection", impl, seed, budget);
}

attempt layer_fuzz_refinement(const binaries& b, const std::string& impl, std::uint64_t seed, double budget) {
  attempt a = run_fuzzer(b.fuzz_refinement, b.work, "refinement", impl, seed, budget);
  if (a.found && a.invariant == '?') a.invariant = 'D';
  if (a.found)
    a.reproduce = "LASTWORD_IMPL=" + impl + " " + b.fuzz_refinement + " " + a.reproduce.substr(a.reproduce.rfind(' ') + 1);
  return a;
}

namespace {

attempt not_applicable() {
  attempt na;
  na.applicable = false;
  return na;
}

// A fuzz target that runs the reference and its own planted variants only.
bool runs(const std::vector<std::string_view>& variants, const std::string& impl) {
  return impl == "reference" || std::find(variants.begin(), variants.end(), impl) != variants.end();
}

}  // namespace

attempt layer_fuzz_protocol(const binaries& b, const std::string& impl, std::uint64_t seed, double budget) {
  std::vector<std::string_view> variants;
  for (const auto& v : impls::protocol_variants()) variants.push_back(v.name);
  if (!runs(variants, impl)) return not_applicable();
  attempt a = run_fuzzer(b.fuzz_protocol, b.work, "protocol_receive", impl, seed, budget);
  // Its oracle speaks of events, sent bytes and status: D, W and C.
  if (a.found && a.invariant == '?')
    a.invariant = a.what.find("sent") != std::string::npos ? 'W' : a.what.find("close status") != std::string::npos ? 'C' : 'D';
  return a;
}

attempt layer_fuzz_assembler(const binaries& b, const std::string& impl, std::uint64_t seed, double budget) {
  if (!runs(assembler::planted_variants(), impl)) return not_applicable();
  attempt a = run_fuzzer(b.fuzz_assembler, b.work, "assembler", impl, seed, budget);
  // Its model compares answers (D, P, X, K) and the pause flag (F).
  if (a.found && a.invariant == '?') a.invariant = a.what.find("paused") != std::string::npos ? 'F' : 'D';
  return a;
}

attempt layer_fuzz_differential(const binaries& b, const std::string& impl, std::uint64_t seed, double budget) {
  if (!runs(impls::differential_variants(), impl)) return not_applicable();
  attempt a = run_fuzzer(b.fuzz_differential, b.work, "differential", impl, seed, budget);
  // Different messages: D; the same messages and a different end: C.
  if (a.found && a.invariant == '?') a.invariant = a.what.find("messages differ") != std::string::npos ? 'D' : 'C';
  return a;
}

}  // namespace lastword::cli
