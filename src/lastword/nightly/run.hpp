// lastword/nightly/run.hpp: the nightly run, `lastword nightly`.
//
// For a budget of wall-clock time it runs each fuzz target for its share,
// `jobs` at a time, from the target's corpus in the store (lastword/
// nightly/store.hpp) plus its committed seed corpus, with its dictionary
// and fuzz/TARGET.options; then merges what each found into the store;
// then turns every failure into a finding: deduplicated by signature,
// minimized, written as something `lastword replay` reads, replayed on the
// reference to classify it, with its reproduce command; then measures the
// coverage of the reference from the stored corpora (the `coverage`
// preset's corpus replayers); and writes the reports (report.json,
// report.md, report.html).
//
// What a failure means comes from the target's finding record
// (LASTWORD_FINDINGS); what libFuzzer and the sanitizers print is read only
// for progress figures and for failures that have no record (crashes,
// timeouts, out-of-memory, leaks).
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "lastword/explore/explore.hpp"
#include "model/model.hpp"

namespace lastword::nightly {

inline const std::vector<std::string>& all_targets() {
  static const std::vector<std::string> t{"connection", "refinement", "protocol_receive", "assembler", "differential"};
  return t;
}

struct options {
  double budget = 600;  // seconds of fuzzing, shared by the targets
  std::vector<std::string> targets = all_targets();
  int jobs = 1;
  std::filesystem::path store, out;
  std::filesystem::path source;          // the lastword source tree (dictionaries, seeds, presets)
  std::filesystem::path fuzz_build;      // where fuzz_TARGET are (the fuzz preset's build)
  std::filesystem::path coverage_build;  // where the coverage preset's fuzz_TARGET_replay are
  std::filesystem::path self;            // the lastword binary (to replay findings)
  std::string impl = "reference";        // LASTWORD_IMPL for the fuzz targets
  std::uint64_t seed = 0;
  bool build = true;     // build missing binaries with the presets (else say how, exit 2)
  bool coverage = true;  // measure the coverage of the reference
  bool coverage_only = false;  // no fuzzing: the coverage of what the store holds, and the reports
  // The exhaustive model checker on `impl` after the fuzzing (deterministic:
  // the same scope gives the same verdict every night): 3 messages of up
  // to 3 fragments and one send, complete, larger than `lastword check`'s.
  bool model = true;
  model::scope model_scope{.max_messages = 3, .max_fragments = 3, .max_sends = 1, .depth = 1000};
  double minimize_seconds = 20;
  int max_failures_per_target = 5;  // restarts after failures within one run
};

struct sample {
  double seconds = 0;
  std::uint64_t executions = 0, coverage = 0, features = 0, corpus = 0, exec_per_second = 0;
};

struct target_result {
  std::string name;
  bool applicable = true;
  std::string not_applicable;  // why not
  double share = 0, seconds = 0;
  std::uint64_t executions = 0, coverage = 0, features = 0;
  std::uint64_t corpus_before = 0, corpus_after = 0, generation = 0;
  std::uint64_t new_inputs = 0;  // inputs the run added before merging
  int failures = 0;              // fuzz runs that ended with a failure
  std::uint64_t seed = 0;
  std::string merge_error;
  std::vector<sample> samples;
};

struct finding_result {
  std::string id, target, kind, implementation, invariant, what, signature;
  std::string classification;  // reference-bug, variant-only, harness-false-alarm, known-third-party, third-party, not-reproducible
  std::string reason;          // why it was classified so
  std::string input, scenario;  // files in the run's findings folder (scenario: when the target has one)
  std::string reproduce;        // the one command
  bool is_new = true;
  int count = 1;  // failures with this signature in the run
};

struct coverage_file {
  std::string file;  // relative to the source tree
  std::uint64_t lines = 0, lines_covered = 0, branches = 0, branches_covered = 0, functions = 0,
                functions_covered = 0;
};

struct history_entry {
  std::string run;
  std::vector<std::pair<std::string, std::uint64_t>> corpus;  // per target
  std::uint64_t new_findings = 0;
};

// The model checker's part of a run.
struct model_result {
  bool ran = false;
  std::string not_applicable;  // why the implementation cannot be checked against the model
  std::string scope;           // "3,3,1": messages, fragments, sends
  explore::result figures;     // states, paths, runs, depth, complete, frontier, seconds
  std::string finding;  // the id of its finding, when it refuted the implementation
};

struct run_result {
  std::string id, started, finished;
  options opts;
  std::vector<target_result> targets;
  std::vector<finding_result> findings;
  model_result model;
  std::vector<coverage_file> coverage;
  std::string coverage_html;  // index.html of llvm-cov's view
  std::string coverage_error;
  std::vector<history_entry> history;  // every run on this store, oldest first
  int new_findings() const;
};

// 0: nothing new; 1: new findings (listed); 2: a setup error (said on err).
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace lastword::nightly
