#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every check.
#  1. default preset (g++, assertions on): unit tests, properties, corpus
#     replays, command-line tests, benchmark smoke run;
#  2. fuzz preset (clang-14, libFuzzer, ASan, UBSan): the same tests under
#     sanitizers, each fuzz target for LASTWORD_FUZZ_SECONDS (default 20),
#     and each fuzz target finding its planted regression from nothing.
# usage: bash scripts/test.sh [default|fuzz]...   (no argument: both)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(default fuzz)
jobs=$(nproc)
for preset in "${presets[@]}"; do
  echo "=== preset $preset: configure and build"
  extra=()
  [ -n "${LASTWORD_FUZZ_SECONDS:-}" ] && extra+=("-DLASTWORD_FUZZ_SECONDS=$LASTWORD_FUZZ_SECONDS")
  cmake --preset "$preset" "${extra[@]}" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "=== preset $preset: test"
  ctest --preset "$preset" -j "$jobs"
done
