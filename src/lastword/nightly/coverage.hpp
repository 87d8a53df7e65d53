// lastword/nightly/coverage.hpp: source-based coverage of the reference
// from stored corpora.
//
// The `coverage` preset builds each fuzz target's corpus replayer
// (fuzz_TARGET_replay, no libFuzzer) with clang's -fprofile-instr-generate
// -fcoverage-mapping. Each replays its corpus (the reference: LASTWORD_IMPL
// is unset), llvm-profdata-14 merges the profiles, llvm-cov-14 exports the
// per-file summary (lines, branches, functions) and writes the HTML view.
// Each target's corpora: the stored generation and the committed seeds
// (which the fuzz runs start from too).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "lastword/nightly/run.hpp"

namespace lastword::nightly {

struct coverage_result {
  std::vector<coverage_file> files;  // src/lastword/ files, tests left out
  std::string html_index;
  std::string error;  // empty on success
};

coverage_result measure_coverage(const std::filesystem::path& coverage_build, const std::filesystem::path& source,
                                 const std::vector<std::pair<std::string, std::vector<std::filesystem::path>>>& corpora,
                                 const std::filesystem::path& out_dir);

// The summary of llvm-cov's `export -summary-only` JSON for the files under
// source/src/lastword/ (tests left out).
std::vector<coverage_file> parse_llvm_cov_summary(const std::string& json_text, const std::filesystem::path& source,
                                                  std::string* error);

// Per folder of src/lastword/ (wire, protocol, ...), summed.
std::vector<coverage_file> coverage_by_folder(const std::vector<coverage_file>& files);

}  // namespace lastword::nightly
