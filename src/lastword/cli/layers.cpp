#include "lastword/cli/layers.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "lastword/cli/explore.hpp"
#include "lastword/history/judge.hpp"
#include "lastword/impls/differential.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/nightly/records.hpp"
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

// The waiver as an environment assignment in front of a child's command
// (fuzz targets and property binaries read LASTWORD_WAIVE), empty if none.
std::string waive_prefix(const history::judge_options& judging) {
  return judging.waived.empty() ? "" : "LASTWORD_WAIVE=" + quote(judging.waived) + " ";
}

// The violations of the scenario `bytes` decode into (empty when it holds
// or is not applicable: `applicable` tells which).
std::vector<history::violation> judge_bytes(const std::vector<std::uint8_t>& bytes, const std::string& impl,
                                            const history::judge_options& judging, bool* applicable = nullptr) {
  auto v = impls::run_and_judge(impls::scenario_from_bytes(bytes, impl), impl, judging);
  if (applicable) *applicable = v.has_value();
  return v ? std::move(*v) : std::vector<history::violation>{};
}

// Greedy shrinking: drop chunks of bytes, then lower single bytes, while the
// same invariant still fails.
std::vector<std::uint8_t> shrink(std::vector<std::uint8_t> bytes, char invariant, const std::string& impl,
                                 const history::judge_options& judging) {
  auto fails = [&](const std::vector<std::uint8_t>& b) {
    for (const auto& v : judge_bytes(b, impl, judging))
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

// Whether address space randomization can be turned off here (setarch -R;
// a container's seccomp profile may forbid it).
bool can_fix_addresses() {
  static const bool ok = std::system("setarch \"$(uname -m)\" -R true >/dev/null 2>&1") == 0;
  return ok;
}

// The target's finding record (LASTWORD_FINDINGS) says what it found; its
// exit status says whether it found anything, a crash or a sanitizer
// report being a finding without a record.
attempt run_fuzzer(const std::string& binary, const std::string& work, const std::string& name,
                   const std::string& impl, std::uint64_t seed, double budget, std::uint64_t runs,
                   const history::judge_options& judging) {
  const std::string waive = waive_prefix(judging);
  const fs::path dir = fs::path(work) / (name + "-" + impl + "-" + std::to_string(seed));
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir / "corpus", ec);
  const fs::path records = dir / "findings.jsonl";
  std::string cmd;
  if (runs) {
    // -runs=N with a seed repeats exactly only when the addresses the
    // target compares repeat too (libFuzzer feeds compared values into its
    // mutations): no address randomization, a fixed environment and
    // command line, nothing timed that moves the heap (no timed release of
    // freed memory, no RSS thread, no purge of the allocator's caches: as
    // scripts/fuzz_exec.sh does for ctest), one thread, no corpus reload.
    fs::create_symlink(fs::absolute(binary), dir / "fuzzer", ec);
    cmd = "cd " + quote(dir.string()) + " && " + (can_fix_addresses() ? "setarch \"$(uname -m)\" -R " : "") +
          "env -i PATH=/usr/bin:/bin ASAN_OPTIONS=allocator_release_to_os_interval_ms=-1 " + waive + "LASTWORD_IMPL=" +
          quote(impl) + " LASTWORD_FINDINGS=findings.jsonl ./fuzzer corpus -seed=" + std::to_string(seed) +
          " -runs=" + std::to_string(runs) +
          " -reload=0 -rss_limit_mb=0 -malloc_limit_mb=2048 -purge_allocator_interval=-1 -artifact_prefix=./";
  } else {
    cmd = waive + "LASTWORD_IMPL=" + quote(impl) + " LASTWORD_FINDINGS=" + quote(records.string()) + " " + quote(binary) +
          " " + quote((dir / "corpus").string()) + " -seed=" + std::to_string(seed) + " -max_total_time=" +
          std::to_string(std::max(1, static_cast<int>(budget))) + " -artifact_prefix=" + quote((dir / "").string());
  }
  std::string output;
  const auto start = clock_type::now();
  const int status = run_command(cmd, output);
  attempt a;
  a.seconds = seconds_since(start);
  // libFuzzer's status lines ("#N ...") count the executions.
  const std::regex status_line("#([0-9]+)\\s");
  for (std::sregex_iterator it(output.begin(), output.end(), status_line), end; it != end; ++it)
    a.executions = std::max<std::uint64_t>(a.executions, std::stoull((*it)[1]));
  const auto found = nightly::read_findings(records.string());
  if (!found.empty()) {
    const auto& r = found.front();
    a.found = true;
    a.invariant = r.invariant.empty() ? '?' : r.invariant.front();
    a.what = r.what;
    a.reproduce = r.reproduce;
  } else if (status != 0) {
    a.found = true;
    a.invariant = '?';
    a.what = "the fuzz target failed (exit " + std::to_string(status) + ") without a finding record; see " +
             (dir / "log").string();
    a.reproduce = waive + "LASTWORD_IMPL=" + impl + " " + binary + " " + (dir / "").string() + "crash-*";
    std::ofstream(dir / "log") << output;
  }
  if (a.found && runs) {
    // The runs mode ran in `dir` with relative artifact paths.
    for (std::string* s : {&a.reproduce, &a.what})
      for (std::size_t at; (at = s->find(" ./crash-")) != std::string::npos;)
        s->replace(at + 1, 2, (dir / "").string());
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

namespace {

attempt not_applicable(std::string why = {}) {
  attempt na;
  na.applicable = false;
  na.what = std::move(why);
  return na;
}

// Why a layer that runs the form `f` cannot run `impl`, from its registry
// entry (impls::not_expressed); empty when it can.
std::string why_not(const std::string& impl, impls::form f) {
  const auto* entry = impls::find_implementation(impl);
  return entry ? impls::not_expressed(*entry, f) : "not a registered implementation";
}

}  // namespace

std::vector<model::scope> check_scopes() {
  model::scope send_side = default_scope(), receive_side = default_scope();
  send_side.max_messages = 2;
  send_side.max_fragments = 2;
  send_side.max_sends = 1;
  receive_side.max_messages = 3;
  receive_side.max_fragments = 3;
  receive_side.max_sends = 0;
  return {send_side, receive_side};
}

std::string scopes_text(const std::vector<model::scope>& scopes) {
  std::string t;
  for (const auto& sc : scopes) t += (t.empty() ? "" : "+") + model::scope_text(sc);
  return t;
}

std::string parse_model_lookahead(const std::string& value, bool& lookahead) {
  if (value != "0" && value != "1") return "--model-lookahead needs 0 or 1, not '" + value + "'";
  lookahead = value == "1";
  return {};
}

std::string parse_model_scope(const std::string& value, model::scope& sc) {
  unsigned m = 0, f = 0, n = 0;
  char c1 = 0, c2 = 0;
  std::istringstream in(value);
  if (!(in >> m >> c1 >> f >> c2 >> n) || c1 != ',' || c2 != ',' || !in.eof() || m < 1 || m > 7 || f < 1 || f > 7 ||
      n > 3)
    return "--model-scope needs MESSAGES,FRAGMENTS,SENDS (messages and fragments 1 to 7, sends 0 to 3), not '" +
           value + "'";
  model::scope candidate = sc;
  candidate.max_messages = static_cast<int>(m);
  candidate.max_fragments = static_cast<int>(f);
  candidate.max_sends = static_cast<int>(n);
  if (const auto bad = model::misfits(candidate); !bad.empty())
    return "--model-scope " + value + " does not fit the model's state: " + bad.front().describe();
  sc = candidate;
  return {};
}

std::string parse_model_scopes(const std::string& value, std::vector<model::scope>& scopes) {
  std::vector<model::scope> parsed;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t plus = value.find('+', begin);
    model::scope sc = default_scope();
    const std::string one = value.substr(begin, plus == std::string::npos ? std::string::npos : plus - begin);
    if (auto bad = parse_model_scope(one, sc); !bad.empty())
      return value == one ? bad : bad + " (in '" + value + "': scopes joined by '+')";
    parsed.push_back(sc);
    if (plus == std::string::npos) break;
    begin = plus + 1;
  }
  if (parsed.size() > 8) return "--model-scope takes at most 8 scopes joined by '+', not " + std::to_string(parsed.size());
  scopes = std::move(parsed);
  return {};
}

attempt layer_model_checker(const std::string& impl, const std::string& out_dir,
                            const std::vector<model::scope>& scopes, const history::judge_options& judging,
                            bool lookahead) {
  if (auto why = why_not(impl, impls::form::model); !why.empty()) return not_applicable(why);
  attempt a{.found = false, .invariant = '-', .seconds = 0, .executions = 0, .complete = true};
  for (const auto& sc : scopes) {
    const model::machine m(sc);
    const auto r = explore::explore_impl(m, impl, {}, model::explore_options{0}, judging, lookahead);
    a.seconds += r.seconds;
    a.executions += r.runs;
    a.complete = a.complete && r.complete;
    const std::string name = scopes.size() > 1 ? model::scope_text(sc) + ": " : "";
    if (!r.found) {
      // Complete, or bounded (then nothing is proved beyond it), and what
      // was done at merges.
      a.what += (a.what.empty() ? "" : "; ") + name + explore::closure(r) + ", " + std::to_string(r.merges) +
                " paths merging into explored sets " +
                (lookahead ? "followed one step further (lookahead)" : "not followed further (no lookahead)");
      continue;
    }
    a.found = true;
    a.complete = r.complete;
    a.invariant = r.found->invariant;
    a.what = name + r.found->what;
    if (!out_dir.empty()) {
      std::error_code ec;
      fs::create_directories(out_dir, ec);
      const std::string file = (fs::path(out_dir) / (impl + "-explore.scenario")).string();
      std::ofstream(file) << "# shortest counterexample in the model checker's scope " << model::scope_text(sc)
                          << "\n# " << r.found->what << '\n'
                          << scenario::print(r.found->counterexample);
      a.reproduce = "lastword replay " + file + " --impl " + impl;
    }
    break;
  }
  return a;
}

attempt layer_random(const std::string& impl, std::uint64_t seed, double budget, const std::string& out_dir,
                     std::uint64_t runs, const history::judge_options& judging) {
  if (auto why = why_not(impl, impls::form::connection); !why.empty()) return not_applicable(why);
  std::mt19937_64 rng(seed);
  attempt a;
  const auto start = clock_type::now();
  while (runs ? a.executions < runs : seconds_since(start) < budget) {
    std::vector<std::uint8_t> bytes(rng() % 65);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    ++a.executions;
    bool applicable = true;
    const auto v = judge_bytes(bytes, impl, judging, &applicable);
    if (!applicable) ++a.not_applicable;
    if (v.empty()) continue;
    a.found = true;
    a.invariant = v.front().invariant;
    a.seconds = seconds_since(start);
    if (!out_dir.empty()) {
      const auto s = impls::scenario_from_bytes(shrink(bytes, a.invariant, impl, judging), impl);
      const auto again = impls::run_and_judge(s, impl, judging).value_or(std::vector<history::violation>{});
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

attempt layer_properties(const binaries& b, const std::string& impl, std::uint64_t seed, double budget,
                         std::uint64_t runs, const history::judge_options& judging) {
  const std::string waive = waive_prefix(judging);
  if (auto why = why_not(impl, impls::form::connection); !why.empty()) return not_applicable(why);
  // The reference: the contract property for the budget's worth of cases;
  // a variant: its planted-bug test, which reports after how many cases.
  std::string filter = "ConnectionProps.ReferenceHoldsEveryInvariant";
  if (impl != "reference") {
    std::string n = impl;
    std::replace(n.begin(), n.end(), '-', '_');
    filter = std::string(impls::find_implementation(impl)->catalog ? "Catalog" : "Libraries") +
             "/ConnectionPropsCatch.PropertyCatchesTheVariant/" + n;
  }
  // A time budget becomes a case count at about 20000 cases a second, with
  // a time limit; a run count is the case count, with none.
  const auto cases = runs ? runs : static_cast<std::uint64_t>(std::max(100.0, budget * 20000));
  const std::string params = "seed=" + std::to_string(seed) + " max_success=" + std::to_string(cases);
  std::error_code ec;
  fs::create_directories(b.work, ec);
  const fs::path records = fs::path(b.work) / ("props-" + impl + "-" + std::to_string(seed) + ".findings");
  fs::remove(records, ec);
  const std::string limit = runs ? "" : " timeout " + std::to_string(static_cast<int>(budget) + 60);
  const std::string cmd = waive + "RC_PARAMS=" + quote(params) + " LASTWORD_FINDINGS=" + quote(records.string()) + limit +
                          " " + quote(b.props) + " --gtest_filter=" + quote(filter);
  std::string output;
  const auto start = clock_type::now();
  const int status = run_command(cmd, output);
  attempt a;
  a.seconds = seconds_since(start);
  // The binary's finding records: a violation of the reference's property,
  // or the catch of a variant by its planted-bug test.
  const auto found = nightly::read_findings(records.string());
  const auto want = impl == "reference" ? "violation" : "caught";
  for (const auto& r : found) {
    if (r.kind != want) continue;
    a.found = true;
    a.invariant = r.invariant.empty() ? '?' : r.invariant.front();
    a.what = r.what;
    a.executions = r.executions;
    break;
  }
  if (impl == "reference" && !a.found) {
    a.found = status != 0;  // a failure without a record (a crash) is a finding too
    a.executions = status == 0 ? cases : 0;
  }
  if (a.found) a.reproduce = waive + "RC_PARAMS=\"" + params + "\" " + b.props + " --gtest_filter=" + filter;
  return a;
}

attempt layer_fuzz_connection(const binaries& b, const std::string& impl, std::uint64_t seed, double budget,
                              std::uint64_t runs, const history::judge_options& judging) {
  if (auto why = why_not(impl, impls::form::connection); !why.empty()) return not_applicable(why);
  return run_fuzzer(b.fuzz_connection, b.work, "connection", impl, seed, budget, runs, judging);
}

attempt layer_fuzz_refinement(const binaries& b, const std::string& impl, std::uint64_t seed, double budget,
                              std::uint64_t runs, const history::judge_options& judging) {
  if (auto why = why_not(impl, impls::form::model); !why.empty()) return not_applicable(why);
  return run_fuzzer(b.fuzz_refinement, b.work, "refinement", impl, seed, budget, runs, judging);
}

attempt layer_fuzz_protocol(const binaries& b, const std::string& impl, std::uint64_t seed, double budget,
                            std::uint64_t runs, const history::judge_options& judging) {
  if (auto why = why_not(impl, impls::form::receiver); !why.empty()) return not_applicable(why);
  return run_fuzzer(b.fuzz_protocol, b.work, "protocol_receive", impl, seed, budget, runs, judging);
}

attempt layer_fuzz_assembler(const binaries& b, const std::string& impl, std::uint64_t seed, double budget,
                             std::uint64_t runs, const history::judge_options& judging) {
  if (auto why = why_not(impl, impls::form::queue); !why.empty()) return not_applicable(why);
  return run_fuzzer(b.fuzz_assembler, b.work, "assembler", impl, seed, budget, runs, judging);
}

attempt layer_fuzz_differential(const binaries& b, const std::string& impl, std::uint64_t seed, double budget,
                                std::uint64_t runs, const history::judge_options& judging) {
  if (auto why = why_not(impl, impls::form::differential); !why.empty()) return not_applicable(why);
  return run_fuzzer(b.fuzz_differential, b.work, "differential", impl, seed, budget, runs, judging);
}

}  // namespace lastword::cli
