// model/checker.hpp: explicit-state breadth-first exploration of the model.
//
// Visits every state reachable within the scope's depth, once each (a
// visited set of packed states), checks every state and transition
// invariant, and on the first violation returns the shortest path to it
// (breadth-first order makes the first one found a shortest one).
//
// The result says whether the search closed: complete when no state was
// left unexpanded (every reachable state was checked), bounded when the
// depth bound left a frontier. With jobs > 1 the search runs level by
// level on that many threads and gives exactly the one-thread result: the
// same states, transitions, depth, and the same counterexample (each new
// state keeps the parent the one-thread order would give it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/model.hpp"

namespace lastword::model {

struct counterexample {
  violation v;
  state initial;
  std::vector<action> path;
};

struct explore_options {
  int jobs = 1;                   // threads; 0: every core
  std::uint64_t memory_limit = 0; // bytes for the visited set and the nodes; 0: half the machine's memory
  int shard = 0, shards = 1;      // explore only the scripts with index % shards == shard
  // Levels narrower than this run on one thread (starting threads costs
  // more); tests set 0 so that every level runs on all of them.
  std::size_t parallel_threshold = 4096;
  // If set, receives every state visited, packed, in visiting order (tests).
  std::vector<std::uint64_t>* visited_out = nullptr;
};

struct exploration {
  std::uint64_t states = 0;       // distinct states visited
  std::uint64_t transitions = 0;  // enabled actions applied
  // Complete: the deepest level reached (every state is within `depth`
  // steps). Bounded: the depth bound. With a counterexample: its length.
  int depth = 0;
  bool complete = false;          // the reachable space closed: nothing left unexpanded
  std::uint64_t frontier = 0;     // bounded: states at the bound, not expanded
  double seconds = 0;
  std::uint64_t peak_bytes = 0;   // visited set and nodes, as allocated
  int jobs = 1;
  // The memory limit stopped the search: nothing is proved. The message
  // says how much was needed.
  std::optional<std::string> out_of_memory;
  std::optional<counterexample> found;
};

exploration explore(const machine& m, const explore_options& options = {});

// "complete: the reachable space closed at depth D", "bounded at depth D:
// N states on the frontier, not expanded", or for a counterexample
// "stopped at depth D by a counterexample".
// `unit` names what the frontier holds (refinement: paths).
std::string closure(bool complete, int depth, std::uint64_t frontier, bool found, const char* unit = "states");
inline std::string closure(const exploration& r) { return closure(r.complete, r.depth, r.frontier, r.found.has_value()); }

// Half the physical memory: the default memory limit.
std::uint64_t default_memory_limit() noexcept;
// Threads for jobs == 0.
int hardware_jobs() noexcept;

}  // namespace lastword::model
