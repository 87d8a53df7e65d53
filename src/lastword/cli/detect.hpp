// lastword/cli/detect.hpp: `lastword detect`, the detection table.
//
// For every implementation in the registry and every layer of checks, does
// the layer find a violation, which invariant, how long it took and how many
// executions (median over N seeds):
//   - model checker: `lastword explore` on the default scope (deterministic);
//   - random scenarios: seeded scenarios judged in-process (as `check`);
//   - properties: the RapidCheck binary connection_props, per seed;
//   - fuzz connection: the libFuzzer target from an empty corpus, per seed.
// The reference must be clean everywhere within the budget. Markdown table
// on stdout, JSON to --json. Exit status: 0 when every variant was found by
// every layer and the reference by none, 1 otherwise, 2 for bad arguments
// or missing binaries (with how to build them).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace lastword::cli {

int run_detect(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace lastword::cli
