#include "lastword/nightly/run.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "lastword/assembler/assembler_check.hpp"
#include "lastword/explore/refinement_input.hpp"
#include "lastword/history/judge.hpp"
#include "lastword/impls/differential.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/nightly/classify.hpp"
#include "lastword/explore/interrupt.hpp"
#include "lastword/nightly/coverage.hpp"
#include "lastword/nightly/libfuzzer.hpp"
#include "lastword/nightly/process.hpp"
#include "lastword/nightly/records.hpp"
#include "lastword/nightly/report.hpp"
#include "lastword/nightly/store.hpp"
#include "lastword/scenario/generate.hpp"

namespace lastword::nightly {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

std::atomic<int> g_stop{0};

extern "C" void on_stop_signal(int sig) { g_stop = sig; }

std::string utc_now(const char* format = "%Y-%m-%dT%H:%M:%SZ") {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

double since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string sha1_of(const std::string& s) {
  return finding::sha1_hex(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// A finding's id: its source (a fuzz target, or "model"), the
// implementation and the signature, so that the same bug has the same id
// on every night.
std::string finding_id(const std::string& source, const std::string& impl, const std::string& signature) {
  return source + "-" + sha1_of(source + "|" + impl + "|" + signature).substr(0, 10);
}

// Whether an earlier run on this store recorded the finding.
bool known_in_store(const fs::path& store, const std::string& id) {
  return fs::exists(store / "findings" / (id + ".json"));
}

// fuzz/TARGET.options, OSS-Fuzz's format: a [libfuzzer] section of
// `name = value` lines, each passed as -name=value.
std::vector<std::string> libfuzzer_options(const fs::path& file, std::string* error) {
  std::vector<std::string> out;
  std::ifstream in(file);
  if (!in) return out;
  bool section = false;
  for (std::string line; std::getline(in, line);) {
    line = std::regex_replace(line, std::regex("^\\s+|\\s+$|\\s*#.*$"), "");
    if (line.empty()) continue;
    if (line.front() == '[') {
      section = line == "[libfuzzer]";
      continue;
    }
    std::smatch m;
    if (!section) continue;
    if (!std::regex_match(line, m, std::regex("([a-z_]+)\\s*=\\s*([-A-Za-z0-9_./]+)"))) {
      if (error) *error = file.string() + ": cannot read '" + line + "'";
      return {};
    }
    // The dictionary is named beside the binary in OSS-Fuzz's layout; the
    // nightly run passes fuzz/TARGET.dict itself.
    if (m[1] == "dict") continue;
    out.push_back("-" + m[1].str() + "=" + m[2].str());
  }
  return out;
}

// Whether the target can run `impl`, and why not.
std::string not_applicable_reason(const std::string& target, const std::string& impl) {
  const auto* i = impls::find_implementation(impl);
  if (!i) return "not a registered implementation";
  const auto f = impls::fuzz_target_form(target);
  if (!f) return "no fuzz target named " + target;
  const std::string why = impls::not_expressed(*i, *f);
  return why.empty() ? why : "the " + target + " target cannot express " + impl + ": " + why;
}

// One fuzz target's runs in the fuzz phase.
struct fuzz_job {
  std::string target;
  fs::path binary;
  std::unique_ptr<corpus_store> store;
  std::vector<std::string> extra_options;
  target_result result;
  std::unique_ptr<child> proc;
  clock_type::time_point started, segment_started;
  double used = 0;  // seconds of finished segments
  int segment = 0;
  std::string pending;  // output not yet a whole line
  std::string segment_log;
  std::uint64_t segment_execs = 0, execs_before = 0;
  status_line last;
  bool done = false;
  struct failure {
    int status = 0;
    int segment = 0;
    std::string log;
    fs::path records;
  };
  std::vector<failure> failures;
};

fs::path segment_records(const options& o, const fuzz_job& j, int segment) {
  return o.out / "work" / j.target / ("run" + std::to_string(segment) + ".findings");
}

void start_segment(const options& o, fuzz_job& j) {
  const double remaining = j.result.share - j.used;
  const fs::path art = o.out / "artifacts" / j.target;
  std::error_code ec;
  fs::create_directories(art, ec);
  fs::create_directories(o.out / "work" / j.target, ec);
  const auto seeds = o.source / "corpus" / j.target;
  std::vector<std::string> argv{j.binary.string(), j.store->incoming().string(), j.store->current().string()};
  if (fs::is_directory(seeds)) argv.push_back(seeds.string());
  const auto dict = o.source / "fuzz" / (j.target + ".dict");
  if (fs::exists(dict)) argv.push_back("-dict=" + dict.string());
  for (const auto& x : j.extra_options) argv.push_back(x);
  argv.push_back("-seed=" + std::to_string(j.result.seed + static_cast<std::uint64_t>(j.segment)));
  argv.push_back("-max_total_time=" + std::to_string(std::max(1, static_cast<int>(std::lround(remaining)))));
  argv.push_back("-print_final_stats=1");
  argv.push_back("-artifact_prefix=" + (art / ("run" + std::to_string(j.segment) + "-")).string());
  const fs::path records = segment_records(o, j, j.segment);
  fs::remove(records, ec);
  std::vector<std::string> env{"LASTWORD_FINDINGS=" + records.string(), "LASTWORD_IMPL=" + o.impl};
  std::ofstream(o.out / "logs" / (j.target + ".log"), std::ios::app)
      << "$ " << command_line(argv, env) << "\n";
  j.proc = std::make_unique<child>(argv, env);
  j.segment_started = clock_type::now();
  j.segment_log.clear();
  j.segment_execs = 0;
}

void take_output(const options& o, fuzz_job& j) {
  std::string chunk;
  j.proc->read_some(chunk);
  if (chunk.empty()) return;
  std::ofstream(o.out / "logs" / (j.target + ".log"), std::ios::app) << chunk;
  j.segment_log += chunk;
  j.pending += chunk;
  std::size_t at;
  while ((at = j.pending.find('\n')) != std::string::npos) {
    const std::string line = j.pending.substr(0, at);
    j.pending.erase(0, at + 1);
    if (auto s = parse_status_line(line)) {
      j.last = *s;
      j.segment_execs = std::max(j.segment_execs, s->executions);
      j.result.executions = j.execs_before + j.segment_execs;
      j.result.coverage = std::max(j.result.coverage, s->coverage);
      j.result.features = std::max(j.result.features, s->features);
      sample smp;
      smp.seconds = j.used + since(j.segment_started);
      smp.executions = j.result.executions;
      smp.coverage = s->coverage;
      smp.features = s->features;
      smp.corpus = s->corpus;
      smp.exec_per_second = s->exec_per_second;
      // Enough points for a plot: at most one a second, and every change of coverage.
      if (j.result.samples.empty() || smp.seconds - j.result.samples.back().seconds >= 1 ||
          smp.coverage != j.result.samples.back().coverage)
        j.result.samples.push_back(smp);
    }
  }
}

std::string progress_line(const fuzz_job& j) {
  std::ostringstream s;
  const double elapsed = j.used + (j.proc ? since(j.segment_started) : 0);
  s << std::left << std::setw(17) << j.target << std::right << " execs " << std::setw(9) << j.result.executions
    << "  " << std::setw(6) << j.last.exec_per_second << " exec/s  cov " << std::setw(5) << j.last.coverage
    << "  ft " << std::setw(6) << j.last.features << "  corpus " << std::setw(5) << j.last.corpus << "  crashes "
    << j.result.failures << "  left " << std::max(0, static_cast<int>(j.result.share - elapsed)) << " s";
  return s.str();
}

// The signature of a contract violation: target, implementation, invariant
// and the violation's words without the numbers and quoted data that vary
// between inputs showing the same bug.
std::string violation_signature(const finding::record& r) {
  // The first line: what was wrong (the rest, e.g. the operations leading
  // to it, differs from input to input).
  std::string what = r.what.substr(0, r.what.find('\n'));
  what = std::regex_replace(what, std::regex("\"([^\"\\\\]|\\\\.)*\""), "\"_\"");
  what = std::regex_replace(what, std::regex("[0-9]+"), "N");
  if (what.size() > 160) what.resize(160);
  return "violation " + r.invariant + " | " + what;
}

// The finding's input as something `lastword replay` reads: a scenario
// file where the target has one (connection, differential, refinement),
// else the raw input with `--kind TARGET`.
std::string write_scenario(const std::string& target, const std::string& bytes, const std::string& impl,
                           bool clean_violation, const fs::path& file, const std::string& header) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::string text;
  if (target == "connection") {
    text = scenario::print(impls::scenario_from_bytes({data, bytes.size()}, impl));
  } else if (target == "differential") {
    text = scenario::print(impls::differential_scenario(impls::differential_case_from_bytes(data, bytes.size())));
  } else if (target == "refinement" && clean_violation) {
    // Runs the path in-process: only for inputs whose failure is a
    // violation the target reported, never a sanitizer crash.
    const auto in = explore::refinement_input_from_bytes({data, bytes.size()}, explore::refinement_actions(impl));
    if (!in) return {};
    const auto f = explore::check_path(explore::refinement_machine(), in->script, in->path, impl);
    if (!f) return {};
    text = scenario::print(f->counterexample);
  } else {
    return {};
  }
  std::ofstream(file) << header << text;
  return file.string();
}

struct replay_outcome {
  int status = 0;
  std::vector<finding::record> records;
  std::string log;
};

// Runs one input through the fuzz target (with the target's own limits, so
// that a timeout or an out-of-memory input fails the same way again).
replay_outcome run_input(const fs::path& binary, const fs::path& input, const std::string& impl, const fs::path& work,
                         const std::vector<std::string>& options) {
  const fs::path records = work / ("replay-" + impl + ".findings");
  std::error_code ec;
  fs::remove(records, ec);
  std::vector<std::string> argv{binary.string(), input.string(), "-runs=1"};
  for (const auto& x : options)
    if (x.rfind("-timeout=", 0) == 0 || x.rfind("-rss_limit_mb=", 0) == 0) argv.push_back(x);
  auto [status, log] = run_to_end(argv,
                                  {"LASTWORD_FINDINGS=" + records.string(), "LASTWORD_IMPL=" + impl}, 120);
  return {status, read_findings(records.string()), log};
}

int setup_error(std::ostream& err, const std::string& what) {
  err << "lastword nightly: " << what << '\n';
  return 2;
}

bool tool_exists(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream in(path ? path : "/usr/bin:/bin");
  for (std::string d; std::getline(in, d, ':');)
    if (::access((fs::path(d) / name).c_str(), X_OK) == 0) return true;
  return false;
}

// Builds `targets` with a preset in the source tree, printing the commands.
bool build_preset(const options& o, const std::string& preset, const std::vector<std::string>& targets,
                  std::ostream& out, std::string* error) {
  std::vector<std::string> configure{"/usr/bin/env", "cmake", "--preset", preset};
  std::vector<std::string> build{"/usr/bin/env", "cmake", "--build", "--preset", preset, "-j2", "--target"};
  for (const auto& t : targets) build.push_back(t);
  for (const auto& cmd : {configure, build}) {
    out << "nightly: (cd " << o.source.string() << " && " << command_line({cmd.begin() + 1, cmd.end()}) << ")\n"
        << std::flush;
    auto [status, log] = run_to_end(cmd, {}, 3600, o.source.string());
    std::ofstream(o.out / "logs" / ("build-" + preset + ".log"), std::ios::app) << log;
    if (status != 0) {
      if (error)
        *error = "the build failed (exit " + std::to_string(status) + "); see " +
                 (o.out / "logs" / ("build-" + preset + ".log")).string();
      return false;
    }
  }
  return true;
}

std::vector<history_entry> read_history(const fs::path& file) {
  std::vector<history_entry> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    json::error_code ec;
    const auto v = json::parse(line, ec);
    if (ec || !v.is_object()) continue;  // a line cut short by a killed run
    const auto& o = v.as_object();
    history_entry h;
    if (const auto* r = o.if_contains("run"); r && r->is_string()) h.run = std::string(r->as_string());
    if (const auto* n = o.if_contains("new_findings"); n && n->is_number()) h.new_findings = n->to_number<std::uint64_t>();
    if (const auto* c = o.if_contains("corpus"); c && c->is_object())
      for (const auto& [k, val] : c->as_object())
        if (val.is_number()) h.corpus.emplace_back(std::string(k), val.to_number<std::uint64_t>());
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace

int run_result::new_findings() const {
  int n = 0;
  for (const auto& f : findings) n += f.is_new ? 1 : 0;
  return n;
}

int run(const options& o_in, std::ostream& out, std::ostream& err) {
  options o = o_in;
  std::error_code ec;
  run_result r;
  r.id = utc_now("%Y%m%dT%H%M%SZ") + "-" + std::to_string(::getpid());
  r.started = utc_now();
  // --- setup: every problem here is exit 2, before anything runs ------------
  for (const auto& t : o.targets)
    if (std::find(all_targets().begin(), all_targets().end(), t) == all_targets().end())
      return setup_error(err, "unknown target '" + t + "' (known: connection, refinement, protocol_receive, "
                              "assembler, differential)");
  if (o.impl != "reference" && !impls::find_implementation(o.impl)) {
    bool anywhere = false;
    for (const auto& t : o.targets) anywhere = anywhere || not_applicable_reason(t, o.impl).empty();
    if (!anywhere) return setup_error(err, "unknown implementation '" + o.impl + "' (see `lastword list`)");
  }
  fs::create_directories(o.out / "logs", ec);
  fs::create_directories(o.store, ec);
  if (ec) return setup_error(err, "cannot create " + o.store.string() + " or " + o.out.string() + ": " + ec.message());
  for (const char* tool : {"gnuplot"})
    if (!tool_exists(tool)) return setup_error(err, std::string(tool) + " not found: install gnuplot-nox (bash scripts/setup.sh)");
  if (o.coverage)
    for (const char* tool : {"llvm-profdata-14", "llvm-cov-14"})
      if (!tool_exists(tool))
        return setup_error(err, std::string(tool) + " not found: install llvm-14 (bash scripts/setup.sh), or pass --no-coverage");
  std::vector<std::string> missing, missing_cov;
  for (const auto& t : o.targets) {
    if (!o.coverage_only && !fs::exists(o.fuzz_build / ("fuzz_" + t))) missing.push_back("fuzz_" + t);
    if (o.coverage && !fs::exists(o.coverage_build / ("fuzz_" + t + "_replay"))) missing_cov.push_back("fuzz_" + t + "_replay");
  }
  for (const auto& [preset, list, dir] : {std::tuple{std::string("fuzz"), missing, o.fuzz_build},
                                          std::tuple{std::string("coverage"), missing_cov, o.coverage_build}}) {
    if (list.empty()) continue;
    std::string names;
    for (const auto& m : list) names += " " + m;
    const bool default_dir = fs::weakly_canonical(dir) == fs::weakly_canonical(o.source / "build" / preset);
    if (!o.build || !default_dir)
      return setup_error(err, "missing in " + dir.string() + ":" + names + "; build them with: cd " + o.source.string() +
                                  " && cmake --preset " + preset + " && cmake --build --preset " + preset +
                                  " -j2 --target" + names);
    std::string why;
    if (!build_preset(o, preset, list, out, &why)) return setup_error(err, why);
  }
  // --- the stores -----------------------------------------------------------
  std::vector<fuzz_job> jobs;
  int applicable = 0;
  for (std::size_t i = 0; i < o.targets.size(); ++i) {
    fuzz_job j;
    j.target = o.targets[i];
    j.result.name = j.target;
    j.result.seed = o.seed + 1000 * i;
    j.binary = o.fuzz_build / ("fuzz_" + j.target);
    j.result.not_applicable = not_applicable_reason(j.target, o.impl);
    j.result.applicable = j.result.not_applicable.empty();
    std::string why;
    j.extra_options = libfuzzer_options(o.source / "fuzz" / (j.target + ".options"), &why);
    if (!why.empty()) return setup_error(err, why);
    j.store = corpus_store::open(o.store, j.target, &why);
    if (!j.store) return setup_error(err, why);
    j.result.corpus_before = j.store->committed().files.size();
    j.result.generation = j.store->committed().generation;
    if (j.store->incoming_count() > 0)
      out << "nightly: " << j.target << ": resuming with " << j.store->incoming_count()
          << " input(s) a previous run found but did not merge\n";
    applicable += j.result.applicable ? 1 : 0;
    if (o.coverage_only) j.done = true;
    jobs.push_back(std::move(j));
  }
  if (applicable == 0) return setup_error(err, "no target can run " + o.impl);
  const int parallel = std::max(1, std::min(o.jobs, applicable));
  const double share = o.budget * parallel / applicable;
  out << "nightly: run " << r.id << ", budget " << o.budget << " s over " << applicable << " target(s), " << parallel
      << " at a time (" << std::fixed << std::setprecision(1) << share << " s each), seed " << o.seed
      << ", implementation " << o.impl << "\n"
      << "nightly: store " << o.store.string() << ", reports in " << o.out.string() << "\n";
  out.unsetf(std::ios::fixed);
  for (auto& j : jobs) {
    j.result.share = o.coverage_only ? 0 : share;
    if (!j.result.applicable) {
      j.done = true;
      out << "nightly: " << j.target << ": n/a, " << j.result.not_applicable << '\n';
    }
  }
  // --- fuzz ------------------------------------------------------------------
  struct sigaction sa{}, old_int{}, old_term{};
  sa.sa_handler = on_stop_signal;
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);
  const bool tty = ::isatty(1);
  auto last_print = clock_type::now() - std::chrono::seconds(60);
  int printed_lines = 0;
  for (;;) {
    int running = 0;
    for (auto& j : jobs) running += j.proc ? 1 : 0;
    for (auto& j : jobs) {
      if (running >= parallel) break;
      if (j.done || j.proc) continue;
      j.started = clock_type::now();
      start_segment(o, j);
      ++running;
    }
    if (running == 0) break;
    std::vector<pollfd> fds;
    for (auto& j : jobs)
      if (j.proc && j.proc->output_fd() >= 0) fds.push_back({j.proc->output_fd(), POLLIN, 0});
    ::poll(fds.data(), fds.size(), 250);
    for (auto& j : jobs) {
      if (!j.proc) continue;
      take_output(o, j);
      // libFuzzer keeps its own time; the runner stops it a little after.
      if (since(j.segment_started) > j.result.share - j.used + 30) j.proc->signal(SIGKILL);
      if (g_stop) j.proc->signal(SIGTERM);
      if (!j.proc->poll_exit()) continue;
      take_output(o, j);
      const int status = j.proc->status();
      j.used += since(j.segment_started);
      j.execs_before += j.segment_execs;
      j.result.seconds = j.used;
      if (status != 0 && !g_stop) {
        ++j.result.failures;
        j.failures.push_back({status, j.segment, j.segment_log, segment_records(o, j, j.segment)});
      }
      j.proc.reset();
      ++j.segment;
      const bool time_left = j.result.share - j.used > 2;
      if (status == 0 || !time_left || j.result.failures >= o.max_failures_per_target || g_stop) {
        j.done = true;
      } else {
        start_segment(o, j);  // the rest of its share, from the corpus so far
      }
    }
    if (g_stop) {
      bool any = false;
      for (auto& j : jobs) any = any || j.proc != nullptr;
      if (!any) break;
      continue;
    }
    if (since(last_print) >= (tty ? 1.0 : 10.0)) {
      last_print = clock_type::now();
      std::vector<std::string> lines;
      for (auto& j : jobs)
        if (j.proc) lines.push_back(progress_line(j));
      if (tty && printed_lines > 0) out << "\x1b[" << printed_lines << "A";
      for (const auto& l : lines) out << (tty ? "\x1b[2K" : "") << l << '\n';
      if (tty)
        for (int extra = static_cast<int>(lines.size()); extra < printed_lines; ++extra) out << "\x1b[2K\n";
      printed_lines = tty ? std::max(printed_lines, static_cast<int>(lines.size())) : 0;
      out << std::flush;
    }
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (g_stop) {
    err << "lastword nightly: stopped by signal " << g_stop
        << "; the store is as the last run left it, and what this run found waits in each target's incoming/ "
           "folder for the next run\n";
    return 128 + g_stop;
  }
  for (auto& j : jobs)
    if (j.result.applicable && !o.coverage_only) out << "done   " << progress_line(j) << '\n';
  // --- merge into the store ----------------------------------------------------
  for (auto& j : jobs) {
    j.result.new_inputs = j.store->incoming_count();
    if (o.coverage_only || (!j.result.applicable && j.result.new_inputs == 0)) {
      j.result.corpus_after = j.result.corpus_before;
      continue;
    }
    const fs::path control = o.out / "work" / j.target / "merge.control";
    corpus_store::merger merger = [&](const fs::path& to, const std::vector<fs::path>& from, std::string* why) {
      std::vector<std::string> argv{j.binary.string(), "-merge=1", to.string()};
      for (const auto& f : from) argv.push_back(f.string());
      for (const auto& x : j.extra_options)
        if (x.rfind("-max_len=", 0) == 0 || x.rfind("-timeout=", 0) == 0 || x.rfind("-rss_limit_mb=", 0) == 0)
          argv.push_back(x);
      argv.push_back("-merge_control_file=" + control.string());
      out << "nightly: merging " << j.target << " into generation " << j.store->committed().generation + 1 << '\n'
          << std::flush;
      auto [status, log] = run_to_end(argv, {"LASTWORD_FINDINGS=/dev/null", "LASTWORD_IMPL=" + o.impl}, 1800);
      std::ofstream(o.out / "logs" / (j.target + ".merge.log")) << "$ " << command_line(argv) << '\n' << log;
      if (status != 0 && why) *why = "merge failed (exit " + std::to_string(status) + "); see " +
                                     (o.out / "logs" / (j.target + ".merge.log")).string();
      return status == 0;
    };
    std::string why;
    const std::vector<fs::path> extra{o.source / "corpus" / j.target};
    if (!j.store->merge(merger, extra, &why)) {
      j.result.merge_error = why;
      err << "lastword nightly: " << j.target << ": " << why << " (the store keeps generation "
          << j.store->committed().generation << ")\n";
    }
    j.result.corpus_after = j.store->committed().files.size();
    j.result.generation = j.store->committed().generation;
    out << "nightly: " << j.target << ": corpus " << j.result.corpus_before << " -> " << j.result.corpus_after
        << " inputs (generation " << j.result.generation << ")\n";
  }
  // --- findings --------------------------------------------------------------------
  std::map<std::string, std::size_t> by_id;
  for (auto& j : jobs) {
    for (const auto& fail : j.failures) {
      const auto records = read_findings(fail.records.string());
      const crash_report crash = parse_crash_report(fail.log);
      finding_result f;
      f.target = j.target;
      f.implementation = o.impl;
      std::string artifact;
      if (!records.empty() && records.back().kind == "violation") {
        const auto& rec = records.back();
        f.kind = "violation";
        f.invariant = rec.invariant;
        f.what = rec.what;
        f.signature = violation_signature(rec);
        artifact = rec.artifact;
      } else {
        f.kind = crash.kind.empty() ? "exit " + std::to_string(fail.status) : crash.kind;
        f.invariant = "-";
        f.what = crash.summary.empty() ? "the target exited with status " + std::to_string(fail.status) : crash.summary;
        f.signature = crash.signature();
        artifact = crash.artifact;
      }
      if (artifact.empty() || !fs::exists(artifact)) {
        // Whatever libFuzzer wrote for this run.
        for (const auto& e : fs::directory_iterator(o.out / "artifacts" / j.target, ec))
          if (e.path().filename().string().rfind("run" + std::to_string(fail.segment) + "-", 0) == 0)
            artifact = e.path().string();
      }
      f.id = finding_id(j.target, o.impl, f.signature);
      if (auto it = by_id.find(f.id); it != by_id.end()) {
        ++r.findings[it->second].count;
        continue;
      }
      const fs::path dir = o.out / "findings" / f.id;
      fs::create_directories(dir, ec);
      std::ofstream(dir / "log") << fail.log;
      if (artifact.empty() || !fs::exists(artifact)) {
        f.classification = "not-reproducible";
        f.reason = "libFuzzer wrote no input for it (see " + (dir / "log").string() + ")";
      } else {
        fs::copy_file(artifact, dir / "original", fs::copy_options::overwrite_existing, ec);
        // Minimize: the smallest input that still fails (timeouts and
        // out-of-memory inputs are kept as they are).
        fs::path input = dir / "input";
        if (f.kind == "violation" || f.kind == "crash" || f.kind == "leak") {
          out << "nightly: minimizing " << f.id << '\n' << std::flush;
          const std::vector<std::string> argv{j.binary.string(), "-minimize_crash=1", "-runs=100000",
                                              "-max_total_time=" + std::to_string(static_cast<int>(o.minimize_seconds)),
                                              "-exact_artifact_path=" + input.string(), artifact};
          auto [status, log] = run_to_end(argv, {"LASTWORD_FINDINGS=/dev/null", "LASTWORD_IMPL=" + o.impl},
                                          o.minimize_seconds + 60);
          std::ofstream(dir / "minimize.log") << "$ " << command_line(argv) << '\n' << log;
        }
        if (!fs::exists(input)) fs::copy_file(artifact, input, fs::copy_options::overwrite_existing, ec);
        const auto on_impl = run_input(j.binary, input, o.impl, dir, j.extra_options);
        if (f.kind == "violation" && !on_impl.records.empty()) {
          // The minimized input's own words.
          f.what = on_impl.records.back().what;
          f.invariant = on_impl.records.back().invariant;
        }
        const auto on_reference = o.impl == "reference" ? on_impl : run_input(j.binary, input, "reference", dir, j.extra_options);
        const std::string bytes = read_file(input);
        std::string header = "# lastword nightly finding " + f.id + ": " + f.kind + " by the " + j.target +
                             " fuzz target on " + o.impl + "\n";
        if (f.kind == "violation") header += "# " + f.invariant + " violated: " + f.what.substr(0, 300) + "\n";
        const bool clean = f.kind == "violation" && !on_impl.records.empty();
        f.input = input.string();
        f.scenario = write_scenario(j.target, bytes, o.impl, clean, dir / "scenario", header);
        int replay_status = -1;
        if (f.kind == "violation" && o.impl == "reference" && !o.self.empty()) {
          std::vector<std::string> argv{o.self.string(), "replay", "--kind", j.target, input.string(), "--quiet"};
          replay_status = run_to_end(argv, {}, 120).first;
        }
        classify(f, crash, on_impl.status != 0, on_reference.status != 0, replay_status);
        if (f.kind == "violation")
          f.reproduce = f.scenario.empty() || j.target == "refinement"
                            ? "lastword replay --kind " + j.target + " " + f.input + " --impl " + o.impl
                            : "lastword replay " + f.scenario + " --impl " + o.impl;
        else
          f.reproduce = "LASTWORD_IMPL=" + o.impl + " " + j.binary.string() + " " + f.input;
      }
      f.is_new = !known_in_store(o.store, f.id);
      by_id[f.id] = r.findings.size();
      r.findings.push_back(f);
    }
  }
  // --- the model checker ------------------------------------------------------------
  // Every interleaving within the scope, on the implementation the fuzzers
  // ran: deterministic, so a night adds what the fuzzers cannot, a proof
  // (or the shortest counterexample) in a scope larger than `check`'s.
  if (o.model && !o.coverage_only && g_stop == 0) {
    model_result& mr = r.model;
    const auto& sc = o.model_scope;
    mr.scope = model::scope_text(sc);
    const impls::implementation* entry = impls::find_implementation(o.impl);
    mr.not_applicable = !entry ? "not a registered implementation" : impls::not_expressed(*entry, impls::form::model);
    if (!mr.not_applicable.empty()) {
      out << "nightly: model checker: n/a, " << mr.not_applicable << '\n';
    } else {
      out << "nightly: model checker: " << o.impl << " in scope " << mr.scope << " (messages, fragments, sends)\n"
          << std::flush;
      const model::machine m(sc);
      auto last = clock_type::now();
      const auto progress = [&](const explore::result& p) {
        if (since(last) < 30) return;
        last = clock_type::now();
        out << "nightly: model checker: depth " << p.depth << ", " << p.states << " states, " << p.runs << " runs, "
            << static_cast<int>(p.seconds) << " s\n" << std::flush;
      };
      // SIGINT or SIGTERM stops the search between chunks of runs: the
      // reports are still written, and say how far it got.
      {
        const explore::interrupt_on_signals interrupt;
        mr.figures = explore::explore_impl(m, o.impl, progress, model::explore_options{0}, history::judge_options{},
                                           true, interrupt.stop());
        g_stop = interrupt.signal();
      }
      mr.ran = true;
      const auto& e = mr.figures;
      out << "nightly: model checker: " << e.states << " states, " << e.runs << " runs, " << std::fixed
          << std::setprecision(1) << e.seconds << " s; " << (e.found ? "refuted" : explore::closure(e)) << '\n';
      out.unsetf(std::ios::fixed);
      if (e.found) {
        finding_result f;
        f.target = "model";
        f.kind = "violation";
        f.implementation = o.impl;
        f.invariant = std::string(1, e.found->invariant);
        f.what = e.found->what;
        // The search is deterministic: the same scope gives the same
        // shortest counterexample, so the scope and it are the signature.
        f.signature = mr.scope + "|" + f.invariant + "|" + scenario::print(e.found->counterexample);
        f.id = finding_id(f.target, o.impl, f.signature);
        const fs::path dir = o.out / "findings" / f.id;
        fs::create_directories(dir, ec);
        f.scenario = (dir / "scenario").string();
        f.input = (dir / "input").string();  // the same scenario, as `lastword adopt` reads it
        for (const auto& file : {f.scenario, f.input})
          std::ofstream(file) << "# lastword nightly finding " << f.id << ": the model checker's shortest "
                              << "counterexample in scope " << mr.scope << " on " << o.impl << "\n# " << f.invariant
                              << " violated: " << f.what.substr(0, 300) << "\n"
                              << scenario::print(e.found->counterexample);
        f.reproduce = "lastword replay " + f.scenario + " --impl " + o.impl;
        if (o.impl == "reference") {
          f.classification = "reference-bug";
          f.reason = "the model checker refutes the reference in scope " + mr.scope;
        } else {
          const auto on_reference = impls::run_and_judge(e.found->counterexample, "reference");
          const bool ref_fails = on_reference && !on_reference->empty();
          f.classification = ref_fails ? "reference-bug" : "variant-only";
          f.reason = ref_fails ? "the reference fails the counterexample too"
                               : "the model checker refutes " + o.impl + "; the reference passes its counterexample";
        }
        f.is_new = !known_in_store(o.store, f.id);
        mr.finding = f.id;
        r.findings.push_back(f);
      }
    }
  }
  // Each finding's record in the run's folder and, once, in the store.
  for (const auto& f : r.findings) {
    json::object fo{{"id", f.id},           {"target", f.target},         {"kind", f.kind},
                    {"implementation", f.implementation}, {"invariant", f.invariant}, {"what", f.what},
                    {"signature", f.signature}, {"classification", f.classification}, {"reason", f.reason},
                    {"input", f.input},     {"scenario", f.scenario},     {"reproduce", f.reproduce},
                    {"first_run", r.id},    {"count", f.count}};
    const fs::path dir = o.out / "findings" / f.id;
    fs::create_directories(dir, ec);
    std::ofstream(dir / "finding.json") << json::serialize(fo) << '\n';
    if (f.is_new) {
      fs::create_directories(o.store / "findings", ec);
      const fs::path tmp = o.store / "findings" / (f.id + ".json.tmp");
      std::ofstream(tmp) << json::serialize(fo) << '\n';
      fs::rename(tmp, o.store / "findings" / (f.id + ".json"), ec);
    }
  }
  for (auto& j : jobs) r.targets.push_back(j.result);
  // --- coverage of the reference -------------------------------------------------
  if (o.coverage && g_stop == 0) {  // not after a signal: the run is ending
    std::vector<std::pair<std::string, std::vector<fs::path>>> corpora;
    for (auto& j : jobs) corpora.push_back({j.target, {j.store->current(), o.source / "corpus" / j.target}});
    out << "nightly: measuring the coverage of the reference from the stored corpora\n" << std::flush;
    auto c = measure_coverage(o.coverage_build, o.source, corpora, o.out / "coverage");
    r.coverage = std::move(c.files);
    r.coverage_html = c.html_index;
    r.coverage_error = c.error;
    if (!c.error.empty()) err << "lastword nightly: coverage: " << c.error << '\n';
  }
  // --- history and reports ---------------------------------------------------------
  if (!o.coverage_only) {
    json::object h{{"run", r.id}, {"started", r.started}, {"new_findings", r.new_findings()}};
    json::object corpus, execs, cov;
    for (const auto& t : r.targets) {
      corpus[t.name] = t.corpus_after;
      execs[t.name] = t.executions;
      cov[t.name] = t.coverage;
    }
    h["corpus"] = std::move(corpus);
    h["executions"] = std::move(execs);
    h["coverage"] = std::move(cov);
    std::ofstream(o.store / "history.jsonl", std::ios::app) << json::serialize(h) << '\n';
  }
  r.history = read_history(o.store / "history.jsonl");
  r.finished = utc_now();
  r.opts = o;
  std::string why;
  if (!write_reports(r, o.out, &why)) return setup_error(err, "reports: " + why);
  out << "nightly: reports: " << (o.out / "report.json").string() << ", " << (o.out / "report.md").string() << ", "
      << (o.out / "report.html").string() << '\n';
  if (!r.coverage.empty()) {
    coverage_file total;
    for (const auto& f : r.coverage) {
      total.lines += f.lines;
      total.lines_covered += f.lines_covered;
      total.branches += f.branches;
      total.branches_covered += f.branches_covered;
    }
    out << "nightly: coverage of the reference (src/lastword/): lines " << total.lines_covered << "/" << total.lines
        << ", branches " << total.branches_covered << "/" << total.branches << "; view: " << r.coverage_html << '\n';
  }
  if (r.model.figures.interrupted) {
    err << "lastword nightly: stopped by signal " << g_stop << " during the model checker, "
        << explore::closure(r.model.figures) << "; the reports say so\n";
    return 128 + g_stop;
  }
  if (g_stop)  // it came as the search finished: the result stands
    err << "lastword nightly: signal " << g_stop << " came as the model checker finished; its result is "
        << "complete, the coverage stage was left out\n";
  if (r.new_findings() == 0) {
    out << "nightly: nothing new (" << r.findings.size() << " known finding(s) seen again)\n";
    return 0;
  }
  out << "nightly: " << r.new_findings() << " new finding(s):\n";
  for (const auto& f : r.findings)
    if (f.is_new)
      out << "  " << f.id << "  " << f.classification << "  " << f.kind << (f.kind == "violation" ? " " + f.invariant : "")
          << ": " << f.what.substr(0, std::min<std::size_t>(160, f.what.find('\n'))) << "\n    reproduce: " << f.reproduce << '\n';
  return 1;
}

}  // namespace lastword::nightly
