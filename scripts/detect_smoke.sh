#!/usr/bin/env bash
# ctest smoke run of `lastword detect`: it must run every layer, print the
# table, and raise no alarm on the reference (a small run count may miss a
# variant; that is a figure, not a failure here). RUNS executions per layer
# with seed 1: the same binaries give the same table every time.
# usage: detect_smoke.sh LASTWORD WORK_DIR RUNS [detect options naming the binaries]
set -uo pipefail
lastword=$1 work=$2 runs=$3
shift 3
out=$("$lastword" detect --runs "$runs" --seeds 1 "$@" --work "$work")
status=$?
echo "$out"
reproduce="reproduce: $lastword detect --runs $runs --seeds 1 $* --work $work"
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
  echo "detect exited $status"
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
