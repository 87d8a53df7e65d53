#!/usr/bin/env bash
# model/promela/spin_check.sh: lastword's model checker cross-checked by SPIN.
#
# For several scopes, writes the scope's Promela model (lastword explore
# --promela), runs SPIN exhaustively on it and requires SPIN's "states,
# stored" to be lastword's complete state count plus one (the state before
# the script is chosen); the scopes include the send side (--sends) and
# write stalls. Then each deliberately broken spec must be rejected
# by both (lastword: exit 1; SPIN: an assertion violated), and a Promela
# model with a planted wrong step must be caught by the count comparison.
# (pan is compiled with -O0: these scopes are small, compiling is the cost.)
# usage: spin_check.sh LASTWORD WORKDIR
set -u
lastword=$(realpath "$1")
work=$2
command -v spin >/dev/null || { echo "spin_check: SPIN not found: apt-get install spin (or bash scripts/setup.sh)" >&2; exit 1; }
command -v gcc >/dev/null || { echo "spin_check: gcc not found: apt-get install gcc" >&2; exit 1; }
mkdir -p "$work"
cd "$work" || exit 1
failed=0

# run_spin NAME [SPIN_DEFINES...]: compiles NAME.pml to pan and runs it exhaustively.
run_spin() {
  local name=$1
  shift
  rm -rf "spin-$name" && mkdir "spin-$name" && cp "$name.pml" "spin-$name/" || return 1
  (cd "spin-$name" && spin "$@" -a "$name.pml" >spin.out 2>&1 &&
    gcc -O0 -DSAFETY -DNOREDUCE -DMEMLIM=2048 -o pan pan.c >gcc.out 2>&1 &&
    ./pan -m1000000 >pan.out 2>&1)
  [ -f "spin-$name/pan.out" ] || { echo "spin_check: SPIN or gcc failed on $name.pml:"; cat "spin-$name"/*.out; return 1; }
}
stored() { awk '/states, stored/ {print $1}' "spin-$1/pan.out"; }
errors() { sed -n 's/.*errors: \([0-9]*\).*/\1/p' "spin-$1/pan.out"; }

# lastword_states ARGS...: the model's state count, or nothing when not complete.
lastword_states() {
  "$lastword" explore --impl none --jobs 1 "$@" >lastword.out 2>&1
  grep -q "complete: the reachable space closed" lastword.out || { cat lastword.out >&2; return; }
  sed -n 's/^model: \([0-9]*\) states.*/\1/p' lastword.out
}

# messages, fragments, pings, sends
for scope in "1 1 0 2" "2 2 0 2" "3 2 0 2" "2 3 1 2" "3 3 0 1"; do
  set -- $scope
  name="m$1-f$2-p$3-s$4"
  "$lastword" explore --impl none --messages "$1" --fragments "$2" --pings "$3" --sends "$4" --depth 0 --promela "$name.pml" >/dev/null ||
    { echo "FAIL $name: cannot write the Promela model"; failed=1; continue; }
  lw=$(lastword_states --messages "$1" --fragments "$2" --pings "$3" --sends "$4")
  run_spin "$name" || { failed=1; continue; }
  sp=$(stored "$name")
  if [ -z "$lw" ] || [ -z "$sp" ] || [ "$(errors "$name")" != 0 ]; then
    echo "FAIL $name: lastword '${lw}' states (complete?), SPIN '${sp}' states, $(errors "$name") errors"
    failed=1
  elif [ "$sp" -ne $((lw + 1)) ]; then
    echo "FAIL $name: SPIN stored $sp states, lastword $lw (+1 expected): they differ by $((sp - lw - 1));"
    echo "  one side's step function is wrong; replay SPIN's model in $work/spin-$name"
    failed=1
  else
    echo "ok   $name: lastword $lw states, SPIN $sp = $lw + 1 (the state before the script is chosen)"
  fi
done

for flaw in closed-before-drain end-clears-queue zero-timeout-first no-timeout-if-paused cancel-loses-message \
  close-overtakes-send close-ignores-writes closed-waits-for-echo; do
  name="flaw-$flaw"
  "$lastword" explore --impl none --jobs 1 --messages 2 --fragments 2 --model-flaw "$flaw" --promela "$name.pml" >lastword.out 2>&1
  lw_exit=$?
  run_spin "$name" || { failed=1; continue; }
  if [ "$lw_exit" -ne 1 ]; then
    echo "FAIL $name: lastword did not reject it (exit $lw_exit)"
    failed=1
  elif ! grep -q "assertion violated" "spin-$name/pan.out"; then
    echo "FAIL $name: SPIN found no assertion violated"
    failed=1
  else
    echo "ok   $name: lastword: $(grep -o '[A-Z] violated' lastword.out | head -1); SPIN: $(grep -m1 'assertion violated' "spin-$name/pan.out" | cut -c1-90)"
  fi
done

# The comparison must be able to fail: a wrong step in the Promela model.
name="planted"
"$lastword" explore --impl none --messages 2 --fragments 2 --depth 0 --promela "$name.pml" >/dev/null
lw=$(lastword_states --messages 2 --fragments 2)
run_spin "$name" -DPLANTED_COUNT_BUG || failed=1
sp=$(stored "$name")
if [ -n "$sp" ] && [ -n "$lw" ] && [ "$sp" -ne $((lw + 1)) ]; then
  echo "ok   planted wrong step (reset keeps unread bytes): SPIN $sp states, lastword $lw: caught, they differ by $((sp - lw - 1))"
else
  echo "FAIL planted wrong step: SPIN '${sp}', lastword '${lw}': the comparison did not see it"
  failed=1
fi
exit $failed
