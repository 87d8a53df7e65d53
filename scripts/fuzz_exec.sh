#!/usr/bin/env bash
# Runs a libFuzzer target so that a fixed -seed and -runs give the same run
# every time: libFuzzer's comparison tracing feeds the values a target
# compares, pointers included, back into its mutations, so the run depends
# on where the stack and heap are. Hence: address space randomization off
# (setarch -R), an empty environment but PATH and the given variables, and
# a fixed, short command line run from WORK_DIR (the fuzzer, its corpus
# directories and dictionary are reached through links there, with names
# that do not depend on where the project is). And nothing timed may move
# the heap: ASan releases no memory on a timer, and libFuzzer runs no RSS
# thread (its start races the main thread's first allocations for the
# allocator's shared free lists; one run in four then took another
# course) and never purges the allocator's caches (it does so once a
# second when there is no RSS limit): -rss_limit_mb=0 -purge_allocator_interval=-1,
# with -malloc_limit_mb=2048 still bounding any one allocation. They come
# after ARGS, so they win.
# usage: fuzz_exec.sh WORK_DIR FUZZER [NAME=VALUE...] -- ARGS...
#   ARGS: the fuzzer's arguments, paths relative to WORK_DIR (./fuzzer is
#   the fuzzer, link files there with ln -s first).
set -euo pipefail
work=$1 fuzzer=$2
shift 2
vars=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
[ "${1:-}" = -- ] || { echo "usage: fuzz_exec.sh WORK_DIR FUZZER [NAME=VALUE...] -- ARGS..." >&2; exit 2; }
shift
if ! setarch "$(uname -m)" -R true 2>/dev/null; then
  echo "fuzz_exec: cannot turn off address space randomization (setarch -R failed: in a container," \
       "run it with --security-opt seccomp=unconfined); fuzz runs would not repeat" >&2
  exit 2
fi
ln -sfn "$(cd "$(dirname "$fuzzer")" && pwd)/$(basename "$fuzzer")" "$work/fuzzer"
cd "$work"
exec setarch "$(uname -m)" -R env -i PATH=/usr/bin:/bin ASAN_OPTIONS=allocator_release_to_os_interval_ms=-1 "${vars[@]}" ./fuzzer "$@" \
  -rss_limit_mb=0 -malloc_limit_mb=2048 -purge_allocator_interval=-1
