// lastword/cli/layers.hpp: the layers of checks, as `check` and `detect`
// run them for one implementation.
//
// Each layer returns an attempt: whether it found a violation, the first
// invariant named, how long it took, how many executions, and the command
// that reproduces what it found. The properties and the fuzz targets are
// separate binaries (RapidCheck stays out of libFuzzer builds): they run as
// child processes.
//
// A randomized layer stops at its first violation, or else at its budget:
// `budget` seconds, or, when `runs` is not zero, exactly `runs` executions
// (random scenarios, RapidCheck's max_success, libFuzzer's -runs) whatever
// the time. A run count with a seed repeats exactly: ctest uses it.
#pragma once

#include "lastword/history/judge.hpp"
#include "model/model.hpp"

#include <cstdint>
#include <string>

namespace lastword::cli {

struct attempt {
  bool applicable = true;
  bool found = false;
  char invariant = '-';
  double seconds = 0;
  std::uint64_t executions = 0;
  std::uint64_t not_applicable = 0;  // runs the implementation could not express
  bool complete = false;             // an exhaustive layer: its search closed
  std::string reproduce{};  // the command that shows the violation
  std::string what{};       // the violation, in words
};

struct binaries {
  std::string props = "build/default/connection_props";
  std::string fuzz_connection = "build/fuzz/fuzz_connection";
  std::string fuzz_protocol = "build/fuzz/fuzz_protocol_receive";
  std::string fuzz_refinement = "build/fuzz/fuzz_refinement";
  std::string fuzz_assembler = "build/fuzz/fuzz_assembler";
  std::string fuzz_differential = "build/fuzz/fuzz_differential";
  std::string work = "build/check-work";
  // Empty when every binary exists; otherwise what is missing and how to
  // build it.
  std::string missing() const;
  // Takes --props, --fuzzer, --protocol-fuzzer, --refinement-fuzzer,
  // --assembler-fuzzer, --differential-fuzzer and --work; false for any
  // other option.
  bool set(const std::string& option, const std::string& value);
};

// Parses --model-scope's MESSAGES,FRAGMENTS,SENDS into sc; on a bad value,
// the reason (which `lastword check` and `detect` print before exiting 2).
std::string parse_model_scope(const std::string& value, model::scope& sc);

// The model checker's scopes in `lastword check` and `detect`, searched one
// after the other, each complete (depth 1000 is never reached), without
// the lookahead at merges (`lastword explore` and the nightly run add it;
// `--model-lookahead 1`): 2 messages of up to 2 fragments with one send
// (the send side), then 3 messages of up to 3 fragments with none (the
// receive side); the send side multiplies the space, 3,3,1 being about
// 2.4 times the time of both.
std::vector<model::scope> check_scopes();
// The scopes as --model-scope writes them: "2,2,1+3,3,0".
std::string scopes_text(const std::vector<model::scope>& scopes);
// Parses --model-scope's MESSAGES,FRAGMENTS,SENDS, or several joined by
// '+', into `scopes`; on a bad value, the reason.
std::string parse_model_scopes(const std::string& value, std::vector<model::scope>& scopes);
// Parses --model-lookahead's 0 or 1.
std::string parse_model_lookahead(const std::string& value, bool& lookahead);

// Exhaustive: the given scopes (check_scopes() in `check` and `detect`)
// against the model, in order until one refutes the implementation (each
// complete or bounded, as its search says), with or without the lookahead
// at merges; a counterexample is written into out_dir.
attempt layer_model_checker(const std::string& impl, const std::string& out_dir,
                            const std::vector<model::scope>& scopes, const history::judge_options& judging = {},
                            bool lookahead = false);
// Seeded random scenarios judged in-process, until the budget (or `runs`
// scenarios) or a violation (shrunk and written into out_dir when out_dir is not empty).
attempt layer_random(const std::string& impl, std::uint64_t seed, double budget, const std::string& out_dir,
                     std::uint64_t runs = 0, const history::judge_options& judging = {});
// The binaries run as child processes; `judging.waived` reaches them as
// LASTWORD_WAIVE in their command line (their reproduce commands say it).
attempt layer_properties(const binaries& b, const std::string& impl, std::uint64_t seed, double budget,
                         std::uint64_t runs = 0, const history::judge_options& judging = {});
attempt layer_fuzz_connection(const binaries& b, const std::string& impl, std::uint64_t seed, double budget,
                              std::uint64_t runs = 0, const history::judge_options& judging = {});
attempt layer_fuzz_refinement(const binaries& b, const std::string& impl, std::uint64_t seed, double budget,
                              std::uint64_t runs = 0, const history::judge_options& judging = {});
// Each layer runs every registered implementation in the form it takes
// (impls/registry.hpp): the model checker and the refinement fuzzer the
// model's, protocol_receive the Sans-I/O receiver, assembler the queue,
// differential the comparison with Beast, the others the connection; for
// an entry it cannot express the attempt is not applicable and `what`
// says why, from the entry.
attempt layer_fuzz_protocol(const binaries& b, const std::string& impl, std::uint64_t seed, double budget,
                            std::uint64_t runs = 0, const history::judge_options& judging = {});
attempt layer_fuzz_assembler(const binaries& b, const std::string& impl, std::uint64_t seed, double budget,
                             std::uint64_t runs = 0, const history::judge_options& judging = {});
// lastword against Beast.
attempt layer_fuzz_differential(const binaries& b, const std::string& impl, std::uint64_t seed, double budget,
                                std::uint64_t runs = 0, const history::judge_options& judging = {});

}  // namespace lastword::cli
