#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed time on a scratch copy of its seed
# corpus, and prints the command that reproduces any crash it finds.
# usage: fuzz_run.sh FUZZER WORK_DIR SEED_CORPUS DICT SECONDS [SEED]
set -euo pipefail
fuzzer=$1 work=$2 seeds=$3 dict=$4 seconds=$5
seed=${6:-${LASTWORD_FUZZ_SEED:-$(( $(date +%s) % 100000 + 1 ))}}
rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
echo "fuzz: $(basename "$fuzzer") for ${seconds}s, seed $seed"
status=0
"$fuzzer" "$work/corpus" "$seeds" -dict="$dict" -seed="$seed" \
  -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" 2>"$work/log" || status=$?
grep -E '^(stat::|#[0-9]+ *DONE)' "$work/log" || true
if [ "$status" -ne 0 ]; then
  tail -n 60 "$work/log"
  for a in "$work"/artifacts/*; do
    [ -e "$a" ] && echo "reproduce: $fuzzer $a"
  done
  echo "fuzz: $(basename "$fuzzer") FAILED (exit $status); rerun with: LASTWORD_FUZZ_SEED=$seed $0 $*"
  exit 1
fi
echo "fuzz: $(basename "$fuzzer") passed"
