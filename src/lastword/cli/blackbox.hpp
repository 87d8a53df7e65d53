// lastword/cli/blackbox.hpp: `lastword blackbox`, real implementations over TCP.
//
// Runs scenarios (files, directories of *.scenario, names of the built-in
// set; the built-in set when none is given) against client programs
// (--client, lastword is the server peer) or server programs (--server,
// lastword is the client peer) that speak the adapter contract, each
// --repeat times with delays from --seed, and judges every run.
// Exit status: 0 every judged run held every invariant it can show;
// 1 a violation (the command that replays it is printed); 2 bad arguments,
// a program that does not start or does not speak the contract.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace lastword::cli {

int run_blackbox(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace lastword::cli
