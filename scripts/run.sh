#!/usr/bin/env bash
# The main job: installs what is missing, builds the `lastword` command, and
# runs it. With no arguments it runs `lastword check`: the reference against
# every regression scenario and 10 seconds of random scenarios. Any
# arguments go to `lastword` as they are (e.g. `check --impl NAME`).
# usage: bash scripts/run.sh [COMMAND [ARGS]]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default --target lastword >/dev/null
if [ $# -eq 0 ]; then
  set -- check
fi
exec "$root/build/default/lastword" "$@"
