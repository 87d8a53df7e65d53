#!/usr/bin/env bash
# The main job: installs what is missing, builds the `lastword` command, and
# runs it. With no arguments it decodes the sample stream of RFC 6455's
# examples; any arguments go to `lastword` as they are.
# usage: bash scripts/run.sh [COMMAND [ARGS]]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default --target lastword >/dev/null
if [ $# -eq 0 ]; then
  set -- decode --hex "$root/corpus/streams/rfc6455_examples.hex"
fi
exec "$root/build/default/lastword" "$@"
