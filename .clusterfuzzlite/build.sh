#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build script for lastword, following the
# OSS-Fuzz conventions: compiles with $CC $CXX $CFLAGS $CXXFLAGS (CMake,
# build tree in $WORK), links every fuzz target with $LIB_FUZZING_ENGINE,
# and writes to $OUT, for each target NAME (the lastword_fuzzer() calls of
# CMakeLists.txt):
#   NAME                  the fuzz target
#   NAME_seed_corpus.zip  its committed corpus (corpus/NAME/)
#   NAME.dict             its dictionary (fuzz/NAME.dict)
#   NAME.options          libFuzzer options (fuzz/NAME.options when
#                         committed, otherwise the dictionary alone)
# Runs without Docker too: export CC CXX CFLAGS CXXFLAGS (with
# -fsanitize=address,fuzzer-no-link) LIB_FUZZING_ENGINE=-fsanitize=fuzzer
# SRC (holding lastword/) OUT WORK and run it (scripts/cfl_build_test.sh).
set -euo pipefail
src="$SRC/lastword"
build="$WORK/lastword-build"

targets=$(sed -nE 's/^lastword_fuzzer\(([A-Za-z0-9_-]+) .*/\1/p' "$src/CMakeLists.txt")
if [ -z "$targets" ]; then
  echo "build.sh: no lastword_fuzzer() targets found in $src/CMakeLists.txt" >&2
  exit 1
fi

# UBSan's function check cannot compile C++20 coroutines with clang 14
# ("Cannot represent a difference across sections"); the project's own
# fuzz preset leaves it out too.
extra=""
case "$CXXFLAGS" in *-fsanitize=*undefined*|*-fsanitize=*function*) extra=" -fno-sanitize=function" ;; esac

boost=()
[ -n "${LASTWORD_BOOST_ROOT:-}" ] && boost=("-DBOOST_ROOT=$LASTWORD_BOOST_ROOT" "-DBoost_NO_SYSTEM_PATHS=ON")

cmake -S "$src" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS$extra" \
  -DLASTWORD_FUZZ=ON -DLASTWORD_FUZZ_ONLY=ON -DLASTWORD_BENCH=OFF \
  -DLASTWORD_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" "${boost[@]}"

build_targets=()
for t in $targets; do build_targets+=("fuzz_$t"); done
cmake --build "$build" -j "$(nproc)" --target "${build_targets[@]}"

for t in $targets; do
  cp "$build/fuzz_$t" "$OUT/$t"
  cp "$src/fuzz/$t.dict" "$OUT/$t.dict"
  if [ -f "$src/fuzz/$t.options" ]; then
    cp "$src/fuzz/$t.options" "$OUT/$t.options"
  else
    printf '[libfuzzer]\ndict = %s.dict\n' "$t" >"$OUT/$t.options"
  fi
  rm -f "$OUT/${t}_seed_corpus.zip"
  # Flat: one entry per corpus file.
  python3 - "$src/corpus/$t" "$OUT/${t}_seed_corpus.zip" <<'PY'
import os, sys, zipfile
corpus, out = sys.argv[1], sys.argv[2]
files = sorted(f for f in os.listdir(corpus) if os.path.isfile(os.path.join(corpus, f)))
if not files:
    sys.exit("build.sh: empty corpus " + corpus)
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for f in files:
        z.write(os.path.join(corpus, f), f)
PY
  echo "build.sh: $OUT/$t ($(ls "$src/corpus/$t" | wc -l) seed inputs)"
done
