#!/usr/bin/env bash
# Shows that a fuzz target can fail: runs it on a planted regression variant
# (LASTWORD_IMPL=VARIANT) from an empty corpus with a fixed seed, and passes
# only when the fuzzer reports a violation by that variant within RUNS runs.
# The same binary catches it after the same number of runs every time
# (scripts/fuzz_exec.sh).
# usage: fuzz_expect_catch.sh FUZZER WORK_DIR VARIANT DICT RUNS SEED
set -euo pipefail
if [ $# -ne 6 ]; then
  echo "usage: fuzz_expect_catch.sh FUZZER WORK_DIR VARIANT DICT RUNS SEED" >&2
  exit 2
fi
fuzzer=$1 work=$2 variant=$3 dict=$4 runs=$5 seed=$6
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
ln -s "$(cd "$(dirname "$dict")" && pwd)/$(basename "$dict")" "$work/target.dict"
start_ns=$(date +%s%N)
status=0
"$here/fuzz_exec.sh" "$work" "$fuzzer" LASTWORD_IMPL="$variant" -- corpus -dict=target.dict -seed="$seed" \
  -runs="$runs" -reload=0 -print_final_stats=1 -artifact_prefix=artifacts/ 2>"$work/log" || status=$?
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
if [ "$status" -ne 0 ] && grep -q "violation by $variant" "$work/log"; then
  done_runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$work/log" | grep -oE '[0-9]+$' || true)
  echo "caught $variant (seed $seed, limit $runs runs) after ${done_runs:-?} runs, ${elapsed_ms} ms:"
  grep "violation by" "$work/log"
  for a in "$work"/artifacts/*; do [ -e "$a" ] && echo "reproduce: LASTWORD_IMPL=$variant $fuzzer $a"; done
  exit 0
fi
tail -n 20 "$work/log"
echo "NOT caught: $variant in $runs runs (seed $seed, exit $status); reproduce: $0 $*"
exit 1
