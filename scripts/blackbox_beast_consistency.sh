#!/usr/bin/env bash
# The Beast client over real TCP against the in-process `beast`
# implementation in the simulation, on the built-in scenarios the
# simulation can run: both must hold, or both must find a violation.
# What a black box cannot see is waived in the simulation: F (reading) and
# T, and L, which there depends on a peer that never closes TCP (over TCP
# lastword closes after the closing handshake, as a server must).
# usage: blackbox_beast_consistency.sh LASTWORD BEAST_CLIENT WORKDIR
set -u
lastword=$1 client=$2 work=$3
mkdir -p "$work"
status=0 compared=0
for name in $("$lastword" blackbox --list | awk '{print $1}'); do
  file="$work/$name.scenario"
  "$lastword" blackbox --print "$name" > "$file"
  "$lastword" replay "$file" --impl beast --quiet --waive FLT > "$work/$name.sim" 2>&1
  sim=$?
  if [ $sim -eq 3 ]; then echo "$name: not applicable in the simulation"; continue; fi
  "$lastword" blackbox --seed 1 --repeat 2 --client "$client {url}" --name beast "$name" > "$work/$name.tcp" 2>&1
  tcp=$?
  if [ $tcp -eq 2 ]; then echo "$name: black-box run failed"; cat "$work/$name.tcp"; status=1; continue; fi
  if grep -q "| $name | n/a" "$work/$name.tcp"; then echo "$name: not applicable over TCP"; continue; fi
  compared=$((compared + 1))
  if [ $sim -ne $tcp ]; then
    echo "$name: simulation exit $sim, black box exit $tcp"; cat "$work/$name.sim" "$work/$name.tcp"; status=1
  else
    echo "$name: both exit $sim"
  fi
done
if [ $compared -lt 3 ]; then echo "only $compared scenarios compared"; status=1; fi
exit $status
