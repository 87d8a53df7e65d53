// model/checker.hpp: explicit-state breadth-first exploration of the model.
//
// Visits every state reachable within the scope's depth, once each (a
// visited set of packed states), checks every state and transition
// invariant, and on the first violation returns the shortest path to it
// (breadth-first order makes the first one found a shortest one).
//
// The result says whether the search closed: complete when no state was
// left unexpanded (every reachable state was checked), bounded when the
// depth bound left a frontier.
//
// No action changes a state's script, so the states of different scripts
// never meet: the search explores each script's states on their own (one
// partition at a time per thread, with a visited set and frontier small
// enough to stay in cache), on `jobs` threads that take partitions with no
// synchronization between levels. The one-thread breadth-first order is
// script by script within each level, so the per-script counts of each
// level give exactly the one-thread result: the same states, transitions,
// depth, frontier, and the same first counterexample (the smallest depth,
// then the smallest script), counted where one thread would have stopped.
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
  // No effect (threads take whole scripts, with no per-level step to
  // keep on one thread); kept so that existing callers compile.
  std::size_t parallel_threshold = 0;
  // If set, receives every state visited, packed: script by script, each
  // in breadth-first order (tests).
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
  // The CPU time of the busiest thread: what the wall clock would be on
  // `jobs` idle cores (the load of a shared machine does not change it).
  double busiest_thread_cpu_seconds = 0;
  // The most memory held at once by the visited sets and state lists
  // (every thread's, as allocated), and the most states they held at once:
  // peak_bytes / peak_stored is what a stored state costs.
  std::uint64_t peak_bytes = 0;
  std::uint64_t peak_stored = 0;
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
