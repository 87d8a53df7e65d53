// lastword/cli/decode.hpp: `lastword decode`, a captured stream, frame by frame.
//
// Reads the bytes one endpoint received (raw, or as a hex dump), runs them
// through the protocol in the given role, and prints one line per frame,
// what the endpoint would send back, and how the connection ends.
// Exit status: 0 when the stream is valid, 1 when it fails the connection
// or ends inside a frame, 2 for bad arguments or an unreadable input.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace lastword::cli {

int run_decode(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err);

}  // namespace lastword::cli
