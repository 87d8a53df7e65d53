// lastword/nightly/records.hpp: reading the finding records that fuzz
// targets and property binaries write (lastword/history/finding.hpp).
//
// One JSON object a line; a line that does not parse (a writer killed in
// the middle of it) is skipped, never an error: the binary's exit status
// says whether it found something, the records say what.
#pragma once

#include <string>
#include <vector>

#include "lastword/history/finding.hpp"

namespace lastword::nightly {

std::vector<finding::record> parse_findings(const std::string& text);
// The records in `path`; none when it does not exist.
std::vector<finding::record> read_findings(const std::string& path);

}  // namespace lastword::nightly
