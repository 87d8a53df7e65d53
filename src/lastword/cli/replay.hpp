// lastword/cli/replay.hpp: `lastword replay` and `lastword list`.
//
// replay runs a scenario file on an implementation in the simulation, prints
// the timeline (step, actor, action, result) and the verdict of the judge.
// Exit status: 0 when every invariant holds, 1 on a violation, 2 for a bad
// file or bad arguments.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace lastword::cli {

int run_replay(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_list(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace lastword::cli
