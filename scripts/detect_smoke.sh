#!/usr/bin/env bash
# ctest smoke run of `lastword detect`: it must run every layer, print the
# table, and raise no alarm on the reference (a short budget may miss a
# variant; that is a figure, not a failure here).
# usage: detect_smoke.sh LASTWORD WORK_DIR [detect options naming the binaries]
set -uo pipefail
lastword=$1 work=$2
shift 2
out=$("$lastword" detect --budget 1 --seeds 1 "$@" --work "$work")
status=$?
echo "$out"
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
  echo "detect exited $status"
  exit 1
fi
echo "$out" | grep -q '^| reference | clean' || { echo "no clean reference row"; exit 1; }
if echo "$out" | grep '^| reference' | grep -q 'FALSE ALARM'; then
  echo "a layer raised an alarm on the reference"
  exit 1
fi
rows=$(echo "$out" | grep -c '^| [a-z0-9-]* |')
[ "$rows" -ge 9 ] || { echo "expected a row per implementation, got $rows"; exit 1; }
