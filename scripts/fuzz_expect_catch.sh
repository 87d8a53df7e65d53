#!/usr/bin/env bash
# Shows that a fuzz target can fail: runs it on a planted regression variant
# (LASTWORD_IMPL=VARIANT) from an empty corpus, and passes only when the
# fuzzer reports a violation by that variant within SECONDS.
# usage: fuzz_expect_catch.sh FUZZER WORK_DIR VARIANT DICT SECONDS [SEED]
set -euo pipefail
fuzzer=$1 work=$2 variant=$3 dict=$4 seconds=$5
seed=${6:-${LASTWORD_FUZZ_SEED:-$(( $(date +%s) % 100000 + 1 ))}}
rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
start_ns=$(date +%s%N)
status=0
LASTWORD_IMPL=$variant "$fuzzer" "$work/corpus" -dict="$dict" -seed="$seed" \
  -max_total_time="$seconds" -artifact_prefix="$work/artifacts/" 2>"$work/log" || status=$?
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
if [ "$status" -ne 0 ] && grep -q "violation by $variant" "$work/log"; then
  runs=$(grep -oE '^#[0-9]+' "$work/log" | tail -n 1 || true)
  echo "caught $variant (seed $seed) after ${elapsed_ms} ms, last status line ${runs:-none}:"
  grep "violation by" "$work/log"
  for a in "$work"/artifacts/*; do [ -e "$a" ] && echo "reproduce: LASTWORD_IMPL=$variant $fuzzer $a"; done
  exit 0
fi
tail -n 20 "$work/log"
echo "NOT caught: $variant in ${seconds}s (seed $seed, exit $status); rerun: LASTWORD_FUZZ_SEED=$seed $0 $*"
exit 1
