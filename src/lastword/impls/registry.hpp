// lastword/impls/registry.hpp: the implementations under test, by name.
//
// `reference` is lastword's own stack. Every other entry is a regression
// variant of it: one small, documented difference that reproduces a real bug
// of a WebSocket library (../shared/REGRESSIONS.md), with its provenance.
// Variants live in impls/variants.cpp; the reference has no variant branches.
#pragma once

#include <string_view>
#include <vector>

#include "lastword/history/history.hpp"
#include "lastword/history/judge.hpp"

#include <optional>
#include "lastword/scenario/generate.hpp"
#include "lastword/scenario/scenario.hpp"

namespace lastword::impls {

struct implementation {
  std::string_view name;
  std::string_view library;     // where the bug lived
  std::string_view versions;    // affected, and the fix
  std::string_view reference;   // issue or changelog entry
  std::string_view difference;  // what the variant does differently
  char expected = 0;            // the invariant its regression scenario violates; 0 for the reference
  scenario::vocabulary vocab{}; // the consumer steps it can express
  bool catalog = true;          // a regression variant (or the reference) rather than another library
  // Why the formal model (model/) cannot express this implementation's
  // difference, so that the model-based layers (the model checker, the
  // refinement fuzzer, the stateful properties) do not run it; empty when
  // it can.
  std::string_view beyond_model = {};
};

// Every implementation: the reference, the catalog, the planted send-side
// variants, other libraries.
const std::vector<implementation>& all_implementations();
// Those the model-based layers can run: all_implementations() without the
// ones whose difference lies beyond the model (beyond_model non-empty).
const std::vector<implementation>& implementations();
const implementation* find_implementation(std::string_view name);

// Why `s` cannot run on the named implementation (a step outside its
// vocabulary), or empty. REQUIRES: find_implementation(name) != nullptr.
std::string not_applicable(const scenario::scenario& s, std::string_view name);

// Runs `s` on the named implementation in the simulation. A scenario it
// cannot express, statically or as the run goes, gives a history whose
// `not_applicable` says why; the caller reports it as such.
// REQUIRES: find_implementation(name) != nullptr.
history::history run_in_simulation(const scenario::scenario& s, std::string_view name);

// Runs and judges `s`: the violations (empty: every invariant holds), or
// nullopt when the run was not applicable to the implementation.
std::optional<std::vector<history::violation>> run_and_judge(const scenario::scenario& s, std::string_view name);
std::optional<std::vector<history::violation>> run_and_judge(const scenario::scenario& s, std::string_view name,
                                                             const history::judge_options& o);

// The scenario that `bytes` decode into for the named implementation (in
// its vocabulary), as the scenario fuzz targets and properties read them;
// bytes that are a scenario file (starting with '#') are that scenario.
scenario::scenario scenario_from_bytes(std::span<const std::uint8_t> bytes, std::string_view name,
                                       std::size_t* schedule_offset = nullptr);

}  // namespace lastword::impls
