// lastword/cli/nightly.hpp: `lastword nightly` (the long fuzz run with a
// corpus store, findings and reports: lastword/nightly/run.hpp) and
// `lastword adopt` (a finding becomes a regression scenario and its test).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace lastword::cli {

int run_nightly(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_adopt(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// "90", "90s", "10m", "1h", "1h30m" -> seconds; false when malformed.
bool parse_duration(const std::string& text, double& seconds);

}  // namespace lastword::cli
