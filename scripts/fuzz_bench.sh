#!/usr/bin/env bash
# Fuzz throughput benchmark: runs each fuzz target on one core (taskset -c
# CPU, one libFuzzer process, no workers) from its committed seed corpus
# (corpus/TARGET, with fuzz/TARGET.dict and the max_len and
# use_value_profile of fuzz/TARGET.options, as the nightly run uses them),
# with a fixed seed and a fixed number of runs or a fixed time, and prints
# one row per target and build: executions, executions per second (wall
# clock: libFuzzer's figure, or the process's own for a run under a
# second, which libFuzzer reports as 0) and per CPU second of the fuzzer process,
# executions per second over the run's second half (once the seed corpus
# is loaded and new features come rarely: the rate a long nightly run
# sees; libFuzzer's figure averages the start-up in), and the coverage
# (cov: edges, ft: features) libFuzzer reached. cov and ft
# count what the build instruments, so they compare only between builds
# with the same coverage instrumentation.
#
# Two builds are measured side by side, target by target and alternating,
# so that both see the same load on a shared machine: compare the ratio,
# not absolute figures across days. The load average is printed before and
# after.
#
# usage: fuzz_bench.sh [--before DIR] --after DIR [--runs N | --seconds S]
#                      [--seed N] [--cpu C] [--targets "a b ..."]
#                      [--before-flags "..."] [--after-flags "..."]
#   DIR: a build directory of the fuzz preset (holding fuzz_TARGET);
#   --after alone (or --build DIR) measures one build.
#   --before-flags/--after-flags: libFuzzer flags added after the options
#   file's (so they win), e.g. the same build twice with
#   --before-flags -use_value_profile=1 --after-flags -use_value_profile=0.
#   Default: --seconds 10, --seed 1, --cpu 0, every target.
# Example: scripts/fuzz_bench.sh --before ../before/build/fuzz --after build/fuzz
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
usage() {
  echo "usage: fuzz_bench.sh [--before DIR] --after DIR [--runs N | --seconds S] [--seed N] [--cpu C] [--targets \"a b\"]" \
       "[--before-flags \"...\"] [--after-flags \"...\"]" >&2
  exit 2
}
before="" after="" runs="" seconds=10 seed=1 cpu=0 before_flags="" after_flags=""
targets="connection assembler differential refinement protocol_receive"
while [ $# -gt 0 ]; do
  case "$1" in
    --before) [ $# -ge 2 ] || usage; before=$2; shift 2 ;;
    --after|--build) [ $# -ge 2 ] || usage; after=$2; shift 2 ;;
    --runs) [ $# -ge 2 ] || usage; runs=$2; seconds=""; shift 2 ;;
    --seconds) [ $# -ge 2 ] || usage; seconds=$2; runs=""; shift 2 ;;
    --seed) [ $# -ge 2 ] || usage; seed=$2; shift 2 ;;
    --cpu) [ $# -ge 2 ] || usage; cpu=$2; shift 2 ;;
    --targets) [ $# -ge 2 ] || usage; targets=$2; shift 2 ;;
    --before-flags) [ $# -ge 2 ] || usage; before_flags=$2; shift 2 ;;
    --after-flags) [ $# -ge 2 ] || usage; after_flags=$2; shift 2 ;;
    *) echo "fuzz_bench: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$after" ] || { echo "fuzz_bench: give --after DIR (a fuzz preset build directory)" >&2; usage; }
for f in $before_flags $after_flags; do
  [[ "$f" =~ ^-[a-z_]+=[-0-9A-Za-z_./:]+$ ]] || { echo "fuzz_bench: '$f' is not a libFuzzer flag (-name=value)" >&2; usage; }
done
[ -z "$before_flags" ] || [ -n "$before" ] || { echo "fuzz_bench: --before-flags needs --before DIR" >&2; usage; }
for n in $runs $seconds $seed $cpu; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "fuzz_bench: '$n' is not a number" >&2; usage; }
done
command -v taskset >/dev/null || { echo "fuzz_bench: taskset not found (install util-linux)" >&2; exit 2; }
builds=()
[ -n "$before" ] && builds+=("before=$before")
builds+=("after=$after")
for b in "${builds[@]}"; do
  dir=${b#*=}
  for t in $targets; do
    [ -f "$root/corpus/$t/$(ls "$root/corpus/$t" 2>/dev/null | head -n 1)" ] ||
      { echo "fuzz_bench: no seed corpus $root/corpus/$t" >&2; exit 2; }
    [ -x "$dir/fuzz_$t" ] ||
      { echo "fuzz_bench: $dir/fuzz_$t not found: build it (cmake --preset fuzz && cmake --build --preset fuzz --target fuzz_$t)" >&2; exit 2; }
  done
done

option() {  # option TARGET NAME: a value from fuzz/TARGET.options, empty if absent
  sed -nE "s/^$2[[:space:]]*=[[:space:]]*([0-9]+).*/\1/p" "$root/fuzz/$1.options" 2>/dev/null | head -n 1
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
budget=${runs:+-runs=$runs}
budget=${budget:--max_total_time=$seconds}
echo "fuzz_bench: seed $seed, ${runs:+$runs runs}${seconds:+$seconds s} per target and build, CPU $cpu," \
     "corpus $root/corpus, load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ -z "$before_flags$after_flags" ] || echo "fuzz_bench: flags: before '${before_flags}', after '${after_flags}'"
printf '%-17s %-7s %10s %10s %12s %14s %7s %7s\n' target build execs exec/s exec/cpu-s "2nd-half ex/s" cov ft
failed=0
round=0
for t in $targets; do
  round=$((round + 1))  # a target named twice is measured twice, each time afresh
  for b in "${builds[@]}"; do
    name=${b%%=*} dir=$(cd "${b#*=}" && pwd)
    work="$scratch/$round-$t-$name"
    mkdir -p "$work/corpus"
    ln -s "$root/corpus/$t" "$work/seeds"
    ln -s "$root/fuzz/$t.dict" "$work/target.dict"
    args=(corpus seeds -dict=target.dict -seed="$seed" "$budget" -reload=0 -print_final_stats=1
          -rss_limit_mb=2048 -artifact_prefix=./)
    ml=$(option "$t" max_len) vp=$(option "$t" use_value_profile)
    [ -n "$ml" ] && args+=(-max_len="$ml")
    [ -n "$vp" ] && args+=(-use_value_profile="$vp")
    flags=$after_flags
    [ "$name" = before ] && flags=$before_flags
    for f in $flags; do args+=("$f"); done
    status=0
    TIMEFORMAT='%R %U %S'  # wall, user and system seconds of the run
    # Each line libFuzzer prints is stamped with the wall clock as it comes
    # (bash's EPOCHREALTIME, no process per line), for the second half's rate.
    mkfifo "$work/stderr"
    (while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done <"$work/stderr" >"$work/stamped") &
    stamper=$!
    { time taskset -c "$cpu" "$here/fuzz_exec.sh" "$work" "$dir/fuzz_$t" -- "${args[@]}" 2>"$work/stderr" ||
        status=$?; } 2>"$work/cpu"
    wait "$stamper" || true
    cut -d' ' -f2- "$work/stamped" >"$work/log"
    # Executions per CPU second (user + system) of the fuzzer: on a loaded
    # machine the process gets part of its core, and exec/s (per wall
    # second, libFuzzer's figure) counts the waiting too.
    per_cpu=$(awk '{ print $2 + $3 }' "$work/cpu")
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$work/log" | tail -n 1)
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$work/log" | tail -n 1)
    last=$(grep -E '^#[0-9]+[[:space:]]' "$work/log" | tail -n 1 || true)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
    cpu_s=$per_cpu
    if [ "$status" -ne 0 ] || [ -z "$execs" ] || [ -z "$rate" ] || [ -z "$cov" ]; then
      tail -n 20 "$work/log" >&2
      echo "fuzz_bench: $t ($name, $dir/fuzz_$t) failed (exit $status)" >&2
      failed=1
      continue
    fi
    # libFuzzer divides by whole seconds and prints 0 for a run shorter
    # than one: then the rate is the executions over the process's wall time.
    if [ "$rate" = 0 ]; then
      rate=$(awk -v n="$execs" '{ printf "%d", ($1 > 0 ? n / $1 : 0) }' "$work/cpu")
    fi
    rate_cpu=$(awk -v n="$execs" -v c="$cpu_s" 'BEGIN { printf "%d", (c > 0 ? n / c : 0) }')
    # Executions per second over the run's second half (from the first
    # status line at or after half the run's time to the last): the rate
    # once the seed corpus is loaded and new features come rarely, which is
    # what a long nightly run sees; "-" when the half has fewer than two
    # status lines.
    steady=$(awk '$2 ~ /^#[0-9]+$/ { t[++n] = $1; r[n] = substr($2, 2) }
      END {
        if (n < 2) { print "-"; exit }
        half = t[1] + (t[n] - t[1]) / 2
        for (i = 1; i < n && t[i] < half; ++i) {}
        if (i >= n || t[n] - t[i] <= 0) { print "-"; exit }
        printf "%d", (r[n] - r[i]) / (t[n] - t[i])
      }' "$work/stamped")
    printf '%-17s %-7s %10s %10s %12s %14s %7s %7s\n' "$t" "$name" "$execs" "$rate" "$rate_cpu" "$steady" "$cov" "${ft:-?}"
    if [ "$name" = after ] && [ -n "$before" ] && [ -n "${before_rate:-}" ] && [ "$before_rate" -gt 0 ] &&
       [ "$before_cpu" -gt 0 ]; then
      awk -v a="$rate" -v b="$before_rate" -v ac="$rate_cpu" -v bc="$before_cpu" -v t="$t" \
        -v as="$steady" -v bs="$before_steady" \
        'BEGIN { printf "%-17s ratio   %10s %9.2fx %11.2fx %13s\n", t, "", a / b, ac / bc,
                 (as + 0 > 0 && bs + 0 > 0) ? sprintf("%.2fx", as / bs) : "-" }'
    fi
    if [ "$name" = before ]; then before_rate=$rate before_cpu=$rate_cpu before_steady=$steady; fi
  done
  before_rate=""
done
echo "fuzz_bench: load average after $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$failed"
