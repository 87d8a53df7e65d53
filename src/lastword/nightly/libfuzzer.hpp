// lastword/nightly/libfuzzer.hpp: what lastword reads from libFuzzer's and
// the sanitizers' own output (never a finding's meaning, which comes from
// the target's finding record).
//
//  - status lines ("#4096 pulse cov: 120 ft: 300 corp: 40/2Kb ... exec/s:
//    2048 ..."), for the progress line and the plots;
//  - when a run ends without a record: which kind of failure it was (crash,
//    timeout, out-of-memory, leak) and its stack signature, the top frames
//    of the sanitizer's report that belong to the code under test.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lastword::nightly {

struct status_line {
  std::uint64_t executions = 0;
  std::string event;  // INITED, NEW, REDUCE, pulse, DONE, ...
  std::uint64_t coverage = 0, features = 0, corpus = 0, exec_per_second = 0, rss_mb = 0;
};

std::optional<status_line> parse_status_line(std::string_view line);

struct crash_report {
  std::string kind;  // crash, timeout, oom, leak (empty: no report found)
  std::string summary;  // the sanitizer's SUMMARY line or libFuzzer's ERROR line
  std::vector<std::string> frames;  // top frames of the code under test, "function file:line"
  std::string artifact;  // where libFuzzer wrote the input ("Test unit written to")
  // kind and frames, the part of a report that identifies the bug
  std::string signature() const;
};

// Number of frames a signature keeps.
inline constexpr std::size_t signature_frames = 3;

crash_report parse_crash_report(std::string_view log);

}  // namespace lastword::nightly
