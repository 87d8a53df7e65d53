#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed number of runs with a fixed seed,
# on a scratch corpus seeded from its committed corpus: the same binary
# gives the same runs and the same final figures every time (one thread,
# no corpus reload, no time limit, a fixed address space and environment:
# scripts/fuzz_exec.sh; ctest's TIMEOUT is the only clock).
# Prints the seed, the final stats, and on a failure the commands that
# reproduce it.
# usage: fuzz_run.sh FUZZER WORK_DIR SEED_CORPUS DICT RUNS SEED
set -euo pipefail
if [ $# -ne 6 ]; then
  echo "usage: fuzz_run.sh FUZZER WORK_DIR SEED_CORPUS DICT RUNS SEED" >&2
  exit 2
fi
fuzzer=$1 work=$2 seeds=$3 dict=$4 runs=$5 seed=$6
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
ln -s "$(cd "$seeds" && pwd)" "$work/seeds"
ln -s "$(cd "$(dirname "$dict")" && pwd)/$(basename "$dict")" "$work/target.dict"
echo "fuzz: $(basename "$fuzzer") seed $seed, $runs runs"
status=0
"$here/fuzz_exec.sh" "$work" "$fuzzer" -- corpus seeds -dict=target.dict -seed="$seed" -runs="$runs" -reload=0 \
  -print_final_stats=1 -artifact_prefix=artifacts/ 2>"$work/log" || status=$?
grep -E '^(stat::|#[0-9]+[[:space:]]+DONE)' "$work/log" || true
if [ "$status" -ne 0 ]; then
  tail -n 60 "$work/log"
  for a in "$work"/artifacts/*; do
    [ -e "$a" ] && echo "reproduce the input: $fuzzer $a"
  done
  echo "fuzz: $(basename "$fuzzer") FAILED (exit $status); reproduce the run: $0 $*"
  exit 1
fi
echo "fuzz: $(basename "$fuzzer") passed"
