// model/checker.hpp: explicit-state breadth-first exploration of the model.
//
// Visits every state reachable within the scope's depth, once each (a
// visited set of packed states), checks every state and transition
// invariant, and on the first violation returns the shortest path to it
// (breadth-first order makes the first one found a shortest one).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/model.hpp"

namespace lastword::model {

struct counterexample {
  violation v;
  state initial;
  std::vector<action> path;
};

struct exploration {
  std::uint64_t states = 0;       // distinct states visited
  std::uint64_t transitions = 0;  // enabled actions applied
  int depth = 0;                  // deepest level reached
  double seconds = 0;
  std::uint64_t peak_bytes = 0;   // visited set and parent links, estimated
  std::optional<counterexample> found;
};

exploration explore(const machine& m);

}  // namespace lastword::model
