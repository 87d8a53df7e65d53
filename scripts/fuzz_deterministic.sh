#!/usr/bin/env bash
# Shows that a ctest fuzz run repeats: runs FUZZER twice with the same seed
# and run count (scripts/fuzz_run.sh) and compares what the two runs ended
# with: the final status line (cov, ft, corpus size and bytes) and the
# units added. Fails, printing both, when they differ.
# With --after RUN_WORK, the first run is the one a fuzz_NAME_run test
# already made in RUN_WORK (same arguments): every target's smoke run is
# repeated once by another process in another folder (fuzz_NAME_repeats).
# usage: fuzz_deterministic.sh [--after RUN_WORK] FUZZER WORK_DIR SEED_CORPUS DICT RUNS SEED [SEED2]
# (SEED2, the second run's seed, only to show that the comparison can fail)
set -euo pipefail
after=""
if [ "${1:-}" = "--after" ]; then
  after=$2
  shift 2
fi
if [ $# -ne 6 ] && [ $# -ne 7 ]; then
  echo "usage: fuzz_deterministic.sh [--after RUN_WORK] FUZZER WORK_DIR SEED_CORPUS DICT RUNS SEED [SEED2]" >&2
  exit 2
fi
fuzzer=$1 work=$2 seeds=$3 dict=$4 runs=$5 seed=$6 seed2=${7:-$6}
here=$(dirname "$0")
mkdir -p "$work"
figures() {
  # "#N DONE cov: C ft: F corp: U/B ..." without the rates and memory, and
  # stat::new_units_added: what a repeat must reproduce exactly.
  sed -nE 's/^(#[0-9]+[[:space:]]+DONE[[:space:]]+cov: [0-9]+ ft: [0-9]+ corp: [0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p; /^stat::(number_of_executed_units|new_units_added)/p' "$1"
}
for i in 1 2; do
  s=$seed; [ $i = 2 ] && s=$seed2
  if [ $i = 1 ] && [ -n "$after" ]; then
    [ -s "$after/log" ] || { echo "no first run in $after (its fuzz_NAME_run test makes it)"; exit 2; }
    figures "$after/log" >"$work/1.figures"
    continue
  fi
  "$here/fuzz_run.sh" "$fuzzer" "$work/$i" "$seeds" "$dict" "$runs" "$s" >"$work/$i.out" 2>&1 || {
    cat "$work/$i.out"; echo "run $i failed"; exit 2; }
  figures "$work/$i/log" >"$work/$i.figures"
done
echo "run 1:"; cat "$work/1.figures"
echo "run 2:"; cat "$work/2.figures"
if [ ! -s "$work/1.figures" ] || [ "$(wc -l <"$work/1.figures")" -lt 3 ]; then
  echo "no final figures in the fuzzer's output ($work/1/log)"
  exit 1
fi
if ! cmp -s "$work/1.figures" "$work/2.figures"; then
  echo "the two runs differ; reproduce: $0 ${after:+--after $after }$*"
  exit 1
fi
echo "two runs with seeds $seed and $seed2, $runs runs each, ended alike"
