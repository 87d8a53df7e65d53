#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every check.
#  1. default preset (g++, assertions on): unit tests, properties, corpus
#     replays, command-line tests, benchmark smoke run;
#  2. fuzz preset (clang-14, libFuzzer, ASan, UBSan): the same tests under
#     sanitizers, each fuzz target for a fixed number of runs (about 20 s),
#     each fuzz target finding its planted regressions from nothing, the
#     ClusterFuzzLite build, the CI files' syntax;
#  3. tsan preset (g++, ThreadSanitizer): the TCP tests (label tcp), one of
#     which runs many connections on a multi-threaded io_context, and the
#     tests that run the model checker and the refinement on several threads.
# Deterministic: every property, fuzz run and `lastword check`/`detect` test
# has a fixed seed and a fixed run count (cmake/lastword_helpers.cmake), so
# the same commit gives the same results; every failure prints the command
# that reproduces it. JUnit results: build/PRESET/junit.xml.
# LASTWORD_FUZZ_SEED and LASTWORD_RC_PARAMS pick other seeds (default: 1);
# each run sets them, so a value left in a CMake cache never carries over.
# usage: bash scripts/test.sh [default|fuzz|tsan]...   (no argument: all)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(default fuzz tsan)
jobs=$(nproc)
for preset in "${presets[@]}"; do
  echo "=== preset $preset: configure and build"
  cmake --preset "$preset" -DLASTWORD_FUZZ_SEED="${LASTWORD_FUZZ_SEED:-1}" \
    -DLASTWORD_RC_PARAMS="${LASTWORD_RC_PARAMS:-seed=1 max_success=100}" >/dev/null
  junit="$PWD/build/$preset/junit.xml"
  if [ "$preset" = tsan ]; then
    cmake --build --preset tsan -j "$jobs" --target tcp_test model_test explore_test
    echo "=== preset tsan: test"
    ctest --preset tsan -j "$jobs" --output-junit "$junit" \
      -R '^(Tcp\.|ModelParallel\.|ModelShards\.|ModelPartitions\.|Explore\.ThreadsGiveTheOneThreadRefinementResult$)'
  else
    cmake --build --preset "$preset" -j "$jobs"
    echo "=== preset $preset: test"
    ctest --preset "$preset" -j "$jobs" --output-junit "$junit"
  fi
  echo "=== preset $preset: JUnit results in $junit"
done
