// lastword/explore/explore.hpp: the model checker applied to an
// implementation (refinement within a scope).
//
// Explores the model breadth-first exactly like model::explore, and for every
// transition runs the implementation in the simulation on the path to it (a
// scenario), compares the results the consumer saw in that last step with
// the outcomes the model allows, and judges the whole history. Where the
// model allows several outcomes (events in the same turn), only the
// successors the implementation matched are explored further. The first
// failure found is on a shortest path.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lastword/history/judge.hpp"
#include "lastword/scenario/scenario.hpp"
#include "model/checker.hpp"

namespace lastword::explore {

struct failure {
  char invariant = '?';
  std::string what;
  // The path as a scenario; when the failure is a disagreement with the
  // model, recv calls may follow it so that the judge alone sees it too.
  scenario::scenario counterexample;
  std::size_t length = 0;  // schedule steps of the path itself
};

struct result {
  // runs: the steps checked against the implementation (each a run of the
  // path's scenario); simulated: the runs that took a simulation of their
  // own, the others' scenarios being the same as one of them (explore_impl).
  std::uint64_t states = 0, transitions = 0, runs = 0, simulated = 0;
  // Refinement: the nodes explored, each a distinct path's set of model
  // states (the model alone: its states).
  std::uint64_t paths = 0;
  // Refinement: the paths that reached a set of model states already
  // explored along a shorter one (not expanded), and whether one step past
  // each was run (the lookahead).
  std::uint64_t merges = 0;
  bool lookahead = false;
  int depth = 0;
  // As model::exploration: the search closed (nothing left unexpanded), or
  // the depth bound left `frontier` nodes unexpanded.
  bool complete = false;
  std::uint64_t frontier = 0;
  // Stopped from outside (explore_impl's `stop`) before the search closed:
  // every path of at most `depth` steps was checked, `frontier` paths were
  // not (fully) expanded (nodes with steps not run, merges whose lookahead
  // did not run). Nothing beyond is proved.
  bool interrupted = false;
  int jobs = 1;
  std::optional<std::string> out_of_memory;
  double seconds = 0;
  std::uint64_t peak_bytes = 0;
  // Paths the implementation could not express (they are not explored
  // further), and the scope's actions outside its vocabulary (left out).
  std::uint64_t not_applicable = 0;
  std::vector<model::action> left_out;
  std::optional<failure> found;
};

using progress_fn = std::function<void(const result&)>;

// One step of refinement: the implementation runs the scenario of `path`
// (its last action is the step) from the model states `from` (all with the
// same script). Returns the failure, if any; `next` receives the model
// states consistent with what the implementation showed (empty when the
// action is not enabled, or when the run was not applicable to the
// implementation: then *not_applicable is set, if given).
std::optional<failure> check_step(const model::machine& m, const std::vector<std::uint64_t>& from,
                                  const std::vector<model::action>& path, std::string_view impl,
                                  std::vector<std::uint64_t>& next, std::uint64_t* transitions = nullptr,
                                  bool* not_applicable = nullptr, const history::judge_options& judging = {});

// A whole path at once: the implementation runs its scenario one time, and
// the model follows it step by step (sets of states, as in explore_impl).
// The first failure, if any. Actions not enabled anywhere are skipped; a
// path the implementation cannot express passes vacuously (nullopt), so
// callers that count must check impls::not_applicable themselves.
std::optional<failure> check_path(const model::machine& m, std::uint16_t script,
                                  const std::vector<model::action>& path, std::string_view impl,
                                  const history::judge_options& judging = {});

// The scenario a step check runs: the model's scenario of the path
// (model::machine::to_scenario) without the peer frames its schedule never
// offers. The implementation cannot see those (the simulation offers peer
// bytes only at read steps), so the paths of scripts that differ only
// after what was read run the same scenario, and one run serves them all.
scenario::scenario step_scenario(const model::machine& m, std::uint16_t script, const std::vector<model::action>& path);
// A key of step_scenario(m, script, path), made from the script's frames
// and the path without building the scenario: equal keys, equal
// scenarios (and the converse), for the paths of one machine.
std::string share_key(const model::machine& m, std::uint16_t script, const std::vector<model::action>& path);

// The model alone (jobs, memory limit and shard as in model::explore).
result explore_model(const model::machine& m, const model::explore_options& options = {});
// Whether the implementation's vocabulary can express the action.
bool expressible(model::action a, std::string_view impl);

// The model and the named implementation together. Actions outside the
// implementation's vocabulary are left out of the scope (result::left_out).
// Each level's runs are spread over options.jobs threads (each run has its
// own simulation: the clock and timers are per thread); the result is the
// one-thread result. options.shard/shards select scripts as in the model.
// `judging` goes to the judge on every run (its waiver).
// A path that reaches a set of model states already explored (a merge) is
// not expanded, but every step from it is run once (the lookahead), since
// the implementation's hidden state may differ between the two paths;
// `lookahead` false leaves that out (tests show what it finds).
// `stop`, if given, is asked between chunks of runs (a fraction of a second
// apart); once it says true the search ends, and the result says
// interrupted.
// Steps of a level whose scenarios are the same (step_scenario) share one
// run (result::simulated counts the runs made); `share` false runs each on
// its own (tests show that the result is the same).
result explore_impl(const model::machine& m, std::string_view impl, const progress_fn& progress = {},
                    const model::explore_options& options = {}, const history::judge_options& judging = {},
                    bool lookahead = true, const std::function<bool()>& stop = {}, bool share = true);

// "complete: ..." or "bounded at depth ..." as model::closure, or
// "interrupted ..." for a search stopped from outside.
std::string closure(const result& r);

}  // namespace lastword::explore
