#!/usr/bin/env bash
# Runs a command and passes only when it exits with the given status.
# usage: expect_exit.sh STATUS COMMAND [ARGS...]
want=$1
shift
"$@"
got=$?
if [ "$got" -ne "$want" ]; then
  echo "expected exit $want, got $got: $*" >&2
  exit 1
fi
