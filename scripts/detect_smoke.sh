#!/usr/bin/env bash
# ctest run of `lastword detect` with a run count: every layer runs RUNS
# executions per implementation with seed 1, so the same binaries give the
# same table every time (times aside). It must print a row per
# implementation, the reference clean in every layer, and every variant
# found by every applicable layer (exit 0): RUNS is chosen above the most
# any layer needs (README, "The test command is deterministic"). The model
# checker runs over scope 1,2,1 without the lookahead, as `check` runs
# (57,337 refinement runs of the reference, complete): in the fuzz preset
# lastword runs under ASan, where the default scopes' 1,676,580 runs take
# minutes; every variant's counterexample is in the smaller scope too
# (legacy-cancel-after-dequeue needs a message of two fragments when the
# lookahead is left out, so 2,1,1 would not do).
# usage: detect_smoke.sh LASTWORD WORK_DIR RUNS [detect options naming the binaries]
set -uo pipefail
lastword=$1 work=$2 runs=$3
shift 3
out=$("$lastword" detect --runs "$runs" --seeds 1 --model-scope 1,2,1 "$@" --work "$work")
status=$?
echo "$out"
reproduce="reproduce: $lastword detect --runs $runs --seeds 1 --model-scope 1,2,1 $* --work $work"
if [ "$status" -ne 0 ]; then
  echo "detect exited $status (0: every variant found, the reference clean)"
  echo "$reproduce"
  exit 1
fi
echo "$out" | grep -q '^| reference | clean' || { echo "no clean reference row"; echo "$reproduce"; exit 1; }
if echo "$out" | grep '^| reference' | grep -q 'FALSE ALARM'; then
  echo "a layer raised an alarm on the reference"
  echo "$reproduce"
  exit 1
fi
rows=$(echo "$out" | grep -c '^| [a-z0-9-]* |')
[ "$rows" -ge 9 ] || { echo "expected a row per implementation, got $rows"; echo "$reproduce"; exit 1; }
