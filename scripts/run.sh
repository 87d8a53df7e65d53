#!/usr/bin/env bash
# The main job: installs what is missing, builds the `lastword` command with
# the property and fuzz binaries that `check` and `detect` run, and runs it.
# With no arguments it runs `lastword check` on the reference: the model
# checker's default scope, the regression corpus, then 10 seconds each of
# random scenarios, properties and both fuzz targets. Any arguments go to
# `lastword` as they are (e.g. `check --impl NAME`, `detect`, `replay FILE`).
# usage: bash scripts/run.sh [COMMAND [ARGS]]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
log=$(mktemp)
quietly() { "$@" >"$log" 2>&1 || { cat "$log"; echo "run.sh: failed: $*" >&2; exit 1; }; }
echo "run.sh: building (the first time takes a few minutes)" >&2
quietly cmake --preset default
quietly cmake --build --preset default --target lastword connection_props
quietly cmake --preset fuzz
quietly cmake --build --preset fuzz --target fuzz_connection fuzz_protocol_receive fuzz_refinement fuzz_assembler fuzz_differential
rm -f "$log"
if [ $# -eq 0 ]; then
  set -- check
fi
exec "$root/build/default/lastword" "$@"
