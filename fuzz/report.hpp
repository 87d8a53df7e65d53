// fuzz/report.hpp: how a fuzz target reports a violation it found, as one
// structured record (lastword/history/finding.hpp) in $LASTWORD_FINDINGS,
// before it aborts so that libFuzzer saves the input.
//
// The record names the file libFuzzer is about to write (from the target's
// own command line, kept by remember_command_line in LLVMFuzzerInitialize)
// and the `lastword replay --kind TARGET` command that replays it.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>

#include "lastword/history/finding.hpp"

namespace lastword::fuzz {

struct command_line {
  int argc = 0;
  char** argv = nullptr;
};

inline command_line& saved_command_line() {
  static command_line c;
  return c;
}

inline void remember_command_line(int* argc, char*** argv) {
  if (argc && argv) saved_command_line() = {*argc, *argv};
}

// Writes the record of a violation by `impl` on the input data[0, size).
inline void report_violation(const char* target, const std::string& impl, const std::string& invariant,
                             const std::string& what, const std::uint8_t* data, std::size_t size) {
  finding::record r;
  r.layer = std::string("fuzz ") + target;
  r.target = target;
  r.implementation = impl;
  r.invariant = invariant.empty() ? "?" : invariant;
  r.what = what;
  r.input_sha1 = finding::sha1_hex(data, size);
  r.artifact = finding::libfuzzer_artifact(saved_command_line().argc, saved_command_line().argv, r.input_sha1);
  r.reproduce = std::string("lastword replay --kind ") + target + " " + r.artifact + " --impl " + impl;
  if (const char* w = std::getenv("LASTWORD_WAIVE"); w && *w) r.reproduce += std::string(" --waive ") + w;
  finding::report(r);
}

}  // namespace lastword::fuzz
