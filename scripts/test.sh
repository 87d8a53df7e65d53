#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every check.
#  1. default preset (g++, assertions on): unit tests, properties, corpus
#     replays, command-line tests, benchmark smoke run;
#  2. fuzz preset (clang-14, libFuzzer, ASan, UBSan): the same tests under
#     sanitizers, each fuzz target for LASTWORD_FUZZ_SECONDS (default 20),
#     and each fuzz target finding its planted regression from nothing;
#  3. tsan preset (g++, ThreadSanitizer): the TCP tests, one of which runs
#     many connections on a multi-threaded io_context.
# usage: bash scripts/test.sh [default|fuzz|tsan]...   (no argument: all)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(default fuzz tsan)
jobs=$(nproc)
for preset in "${presets[@]}"; do
  echo "=== preset $preset: configure and build"
  extra=()
  [ -n "${LASTWORD_FUZZ_SECONDS:-}" ] && extra+=("-DLASTWORD_FUZZ_SECONDS=$LASTWORD_FUZZ_SECONDS")
  cmake --preset "$preset" "${extra[@]}" >/dev/null
  if [ "$preset" = tsan ]; then
    cmake --build --preset tsan -j "$jobs" --target tcp_test
    echo "=== preset tsan: test"
    ctest --preset tsan -j "$jobs" -R '^Tcp\.'
  else
    cmake --build --preset "$preset" -j "$jobs"
    echo "=== preset $preset: test"
    ctest --preset "$preset" -j "$jobs"
  fi
done
