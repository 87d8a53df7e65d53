// lastword/cli/check.hpp: `lastword check`, the main job.
//
// Holds one implementation to the SPEC invariants: first exhaustively, every
// interleaving of the default scope against the formal model (as `lastword
// explore`), then every regression scenario of the corpus, then random
// scenarios (scenario::from_bytes over seeded random bytes) for a time
// budget. The first violation found at
// random is shrunk, written as a scenario file, and printed with the command
// that replays it. Prints one verdict per invariant and the figures.
// Exit status: 0 when every invariant held, 1 on a violation, 2 for bad
// arguments.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace lastword::cli {

int run_check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace lastword::cli
