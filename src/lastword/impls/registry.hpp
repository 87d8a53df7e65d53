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
#include "lastword/scenario/scenario.hpp"

namespace lastword::impls {

struct implementation {
  std::string_view name;
  std::string_view library;     // where the bug lived
  std::string_view versions;    // affected, and the fix
  std::string_view reference;   // issue or changelog entry
  std::string_view difference;  // what the variant does differently
  char expected = 0;            // the invariant its regression scenario violates; 0 for the reference
};

const std::vector<implementation>& implementations();
const implementation* find_implementation(std::string_view name);

// Runs `s` on the named implementation in the simulation.
// REQUIRES: find_implementation(name) != nullptr.
history::history run_in_simulation(const scenario::scenario& s, std::string_view name);

}  // namespace lastword::impls
