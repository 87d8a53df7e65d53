#!/usr/bin/env bash
# src/lastword/explore/shards_test.sh: `explore --shard K/N` and `--merge`.
#
# N shards of a scope, merged, must report exactly the totals of one run
# (states and transitions of the model, states, transitions and runs of the
# reference's refinement), and for a planted variant the same shortest
# counterexample length as one run. Also: a missing or repeated shard is
# refused (exit 2).
# usage: shards_test.sh LASTWORD WORKDIR
set -u
lastword=$(realpath "$1")
work=$2
mkdir -p "$work" && cd "$work" || exit 1
failed=0
# The receive side alone keeps the refinement quick (shards split by
# script, whatever the actions).
scope=(--messages 2 --fragments 2 --sends 0
       --actions read,read-all,eof,reset,recv,recv0,recv-timeout,streaming,cancel,close,advance,read-advance,read-all-eof)
n=3

figures() { grep -E "^$1: " "$2" | sed 's/, [0-9.]* s (.*//'; }

"$lastword" explore --impl reference "${scope[@]}" --out out >whole.txt 2>&1 || { cat whole.txt; exit 1; }
files=()
for ((k = 0; k < n; k++)); do
  "$lastword" explore --impl reference "${scope[@]}" --shard "$k/$n" --json "shard-$k.json" --out out >"shard-$k.txt" 2>&1 ||
    { cat "shard-$k.txt"; exit 1; }
  files+=("shard-$k.json")
done
"$lastword" explore --merge "${files[@]}" >merged.txt 2>&1 || { cat merged.txt; exit 1; }
# same LABEL WHOLE MERGED: one run's figure and the merged shards' agree.
same() {
  if [ -n "$2" ] && [ "$2" = "$3" ]; then
    echo "ok   $1: $n shards merged = one run: $2"
  else
    echo "FAIL $1: one run '$2', $n shards merged '$3'"
    failed=1
  fi
}
for row in model reference; do
  same "$row" "$(figures "$row" whole.txt)" "$(figures "$row" merged.txt)"
done
grep -q "complete: the reachable space closed" merged.txt || { echo "FAIL: the merged verdict does not say complete"; cat merged.txt; failed=1; }
# The merges (paths reaching a set already explored) add up too, and the
# merged output says what was done past them.
same merges "$(grep "^  merges: " whole.txt)" "$(grep "^  merges: " merged.txt)"

# A planted variant: the same shortest counterexample length.
variant=ws14-abort-clears-queue
"$lastword" explore --impl "$variant" "${scope[@]}" --out out >vwhole.txt 2>&1
files=()
for ((k = 0; k < n; k++)); do
  "$lastword" explore --impl "$variant" "${scope[@]}" --shard "$k/$n" --json "v-$k.json" --out "out-$k" >/dev/null 2>&1
  files+=("v-$k.json")
done
"$lastword" explore --merge "${files[@]}" >vmerged.txt 2>&1
merged_exit=$?
w=$(grep -o "shortest counterexample ([0-9]* steps)" vwhole.txt)
m=$(grep -o "shortest counterexample ([0-9]* steps)" vmerged.txt)
if [ "$merged_exit" -eq 1 ] && [ -n "$w" ] && [ "$w" = "$m" ]; then
  echo "ok   $variant: refuted by the merge (exit 1), $m as in one run"
else
  echo "FAIL $variant: one run '$w', merged '$m' (exit $merged_exit)"
  failed=1
fi

# Shards stopped by SIGINT (a scope far too large to finish here) say so:
# exit 130, "interrupted" in their output and JSON; merged, no verdict
# (exit 2).
big=(--messages 3 --fragments 3 --sends 1)
files=()
for ((k = 0; k < n; k++)); do
  "$lastword" explore --impl reference "${big[@]}" --shard "$k/$n" --json "int-$k.json" --out out >"int-$k.txt" 2>"int-$k.err" &
  pid=$!
  # Its progress line: the refinement is under way.
  for _ in $(seq 1 6000); do grep -q "^  \.\.\. reference: " "int-$k.err" && break; sleep 0.01; done
  kill -INT "$pid"
  wait "$pid"
  s=$?
  if [ "$s" -eq 130 ] && grep -q "^  search: interrupted after depth [0-9]*: every path of up to" "int-$k.txt" &&
     grep -q "^  verdict: none, the search was interrupted" "int-$k.txt" &&
     grep -q '"interrupted":true,[^}]*"verdict":"interrupted"' "int-$k.json"; then
    echo "ok   shard $k/$n stopped by SIGINT: exit 130, $(grep -o 'interrupted after depth [0-9]*' "int-$k.txt" | head -n 1)"
  else
    echo "FAIL shard $k/$n stopped by SIGINT: exit $s"; cat "int-$k.txt" "int-$k.err"; failed=1
  fi
  files+=("int-$k.json")
done
"$lastword" explore --merge "${files[@]}" >int-merged.txt 2>&1
s=$?
if [ "$s" -eq 2 ] && grep -A2 "^reference: " int-merged.txt | grep -q "^  verdict: none, shard 0/$n was interrupted"; then
  echo "ok   interrupted shards merge to no verdict (exit 2)"
else
  echo "FAIL interrupted shards merged: exit $s"; cat int-merged.txt; failed=1
fi

# A shard stopped by its memory limit: merged, no verdict either. (One
# thread, and a script that alone needs more than 1 MiB: the same every
# run, as in cli_explore_memory_limit_exits_2.)
for k in 0 1; do
  "$lastword" explore --impl none --messages 7 --fragments 2 --jobs 1 --memory 1 --shard "$k/2" --json "oom-$k.json" >/dev/null 2>&1
done
"$lastword" explore --merge oom-0.json oom-1.json >oom-merged.txt 2>&1
s=$?
if [ "$s" -eq 2 ] && grep -q "^  verdict: none, shard [01]/2 ran out of memory" oom-merged.txt; then
  echo "ok   a shard out of memory merges to no verdict (exit 2)"
else
  echo "FAIL a shard out of memory merged: exit $s"; cat oom-merged.txt; failed=1
fi

# Incomplete or inconsistent merges are refused.
"$lastword" explore --merge shard-0.json shard-1.json >/dev/null 2>&1
[ $? -eq 2 ] && echo "ok   a missing shard is refused" || { echo "FAIL: a missing shard was accepted"; failed=1; }
"$lastword" explore --merge shard-0.json shard-0.json shard-1.json >/dev/null 2>&1
[ $? -eq 2 ] && echo "ok   a repeated shard is refused" || { echo "FAIL: a repeated shard was accepted"; failed=1; }
# Shards with and without the lookahead are of different searches.
"$lastword" explore --impl reference "${scope[@]}" --lookahead 0 --shard 2/$n --json nolook-2.json --out out >/dev/null 2>&1
"$lastword" explore --merge shard-0.json shard-1.json nolook-2.json >nolook.txt 2>&1
[ $? -eq 2 ] && grep -q "is a shard of another scope" nolook.txt && echo "ok   shards with and without the lookahead do not merge" ||
  { echo "FAIL: shards with and without the lookahead merged"; cat nolook.txt; failed=1; }
# A file of an older lastword (no "lookahead" in its scope, no "simulated"
# or "merges" in its results) would undercount: refused, saying why.
sed 's/,"lookahead":[01]//; s/"simulated":[0-9]*,//g; s/"merges":[0-9]*,//g' shard-2.json >old-2.json
"$lastword" explore --merge shard-0.json shard-1.json old-2.json >old.txt 2>&1
[ $? -eq 2 ] && grep -q "written by an older lastword" old.txt && echo "ok   a shard of an older lastword is refused" ||
  { echo "FAIL: a shard of an older lastword was accepted"; cat old.txt; failed=1; }
echo '{"scope":' >bad.json
"$lastword" explore --merge bad.json >/dev/null 2>&1
[ $? -eq 2 ] && echo "ok   a malformed file is refused" || { echo "FAIL: a malformed file was accepted"; failed=1; }
exit $failed
