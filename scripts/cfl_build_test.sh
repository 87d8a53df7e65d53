#!/usr/bin/env bash
# Runs .clusterfuzzlite/build.sh as ClusterFuzzLite would, without Docker
# (clang-14, ASan, libFuzzer from this machine), then smoke-runs every
# binary it wrote to $OUT: its seed corpus zip unpacked, its .options
# dictionary, RUNS runs with seed SEED. Fails when build.sh fails, when a
# target lacks its seed corpus zip, dictionary or options, or when a smoke
# run fails (printing the command that reproduces it).
# usage: cfl_build_test.sh PROJECT_ROOT WORK_DIR RUNS SEED
set -euo pipefail
if [ $# -ne 4 ]; then
  echo "usage: cfl_build_test.sh PROJECT_ROOT WORK_DIR RUNS SEED" >&2
  exit 2
fi
root=$(cd "$1" && pwd) work=$(mkdir -p "$2" && cd "$2" && pwd) runs=$3 seed=$4
command -v clang-14 >/dev/null || { echo "clang-14 not found: install clang-14 libclang-rt-14-dev (bash scripts/setup.sh)"; exit 1; }
command -v unzip >/dev/null || { echo "unzip not found: install unzip (bash scripts/setup.sh)"; exit 1; }
# $SRC holds the project as lastword/, as the Dockerfile lays it out. The
# build tree ($WORK) is kept between runs, so that a rebuild is incremental.
mkdir -p "$work/src" "$work/work"
rm -rf "$work/out" "$work/smoke" && mkdir -p "$work/out" "$work/smoke"
ln -sfn "$root" "$work/src/lastword"
export SRC="$work/src" OUT="$work/out" WORK="$work/work"
export CC=clang-14 CXX=clang++-14
# OSS-Fuzz compiles at -O1. build.sh passes $CFLAGS through as they come,
# and the fuzz preset compiles the same code optimized with clang-14, so
# this build checks the script at -O0, which compiles in a third of the
# time (impls/beast.cpp: 46 s at -O1, 14 s at -O0).
# LASTWORD_CFL_OPT=-O1 builds as OSS-Fuzz does.
export CFLAGS="${LASTWORD_CFL_OPT:--O0} -gline-tables-only -fsanitize=address,fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64
start=$(date +%s)
bash "$root/.clusterfuzzlite/build.sh" >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; echo "build.sh failed; log: $work/build.log"; exit 1; }
echo "build.sh: $(( $(date +%s) - start )) s"
grep '^build.sh:' "$work/build.log" || true

count=0
for bin in "$OUT"/*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  t=$(basename "$bin")
  count=$((count + 1))
  for f in "${t}_seed_corpus.zip" "$t.dict" "$t.options"; do
    [ -s "$OUT/$f" ] || { echo "$t: no $f in \$OUT"; exit 1; }
  done
  dict=$(sed -nE 's/^dict *= *(.*)$/\1/p' "$OUT/$t.options")
  [ -z "$dict" ] || [ -f "$OUT/$dict" ] || { echo "$t.options names dictionary $dict, not in \$OUT"; exit 1; }
  # As the ctest fuzz runs: a fixed seed and run count, run so that it
  # repeats (scripts/fuzz_exec.sh).
  run="$work/smoke/$t"
  mkdir -p "$run/seeds" "$run/artifacts"
  unzip -q -o "$OUT/${t}_seed_corpus.zip" -d "$run/seeds"
  inputs=$(ls "$run/seeds" | wc -l)
  args=(seeds -runs="$runs" -seed="$seed" -reload=0 -artifact_prefix=artifacts/)
  if [ -n "$dict" ]; then
    ln -sfn "$OUT/$dict" "$run/target.dict"
    args+=(-dict=target.dict)
  fi
  s=$(date +%s%N)
  if ! "$root/scripts/fuzz_exec.sh" "$run" "$bin" -- "${args[@]}" >"$run.log" 2>&1; then
    tail -n 40 "$run.log"
    echo "$t: smoke run failed; reproduce: $0 $*"
    for a in "$run"/artifacts/*; do [ -e "$a" ] && echo "reproduce the input: $bin $a"; done
    exit 1
  fi
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$run.log" || true)
  echo "$t: $inputs seed inputs, $runs runs in $(( ($(date +%s%N) - s) / 1000000 )) ms: ${done_line:-no DONE line}"
done
[ "$count" -gt 0 ] || { echo "build.sh wrote no fuzz target to \$OUT"; exit 1; }
echo "all $count ClusterFuzzLite targets built and ran from their seed corpora"
