// lastword/cli/explore.hpp: `lastword explore`, the exhaustive check.
//
// Explores the formal model breadth-first within a scope and, for each
// implementation asked for, drives it through the simulation along every
// explored transition (refinement). Prints the figures and, on a violation,
// writes the shortest counterexample as a scenario file for `lastword
// replay`. Every result says whether the search was complete (the
// reachable space closed) or bounded by --depth (with its frontier). Exit
// status: 0 with no violation (complete or bounded, as printed), 1 with a
// counterexample, 2 for bad arguments, a scope that does not fit the
// model's packed state, or a search stopped by the memory limit.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "lastword/explore/explore.hpp"

namespace lastword::cli {

int run_explore(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The scope `lastword explore` and `lastword check` use unless told otherwise.
model::scope default_scope();

// One line of figures for an exploration.
std::string figures(const explore::result& r);

// What a refinement did where paths merged: how many, and whether the
// lookahead ran past them.
std::string merges_line(const explore::result& r);

}  // namespace lastword::cli
