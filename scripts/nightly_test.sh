#!/usr/bin/env bash
# End-to-end tests of `lastword nightly` and `lastword adopt` (ctest runs
# them in the fuzz preset, which has the fuzz targets).
# usage: nightly_test.sh CASE LASTWORD FUZZ_BUILD WORK
#   twice     two tiny runs on two targets into one store: it grows, the
#             second resumes from the first, the three reports exist, the
#             model checker holds the reference in a small complete scope
#   planted   a run on a planted variant: exit 1, new findings (two fuzz
#             targets' and the model checker's) classified variant-only,
#             whose reproduce commands fail on the variant and pass on the
#             reference; then `lastword adopt` makes them regression
#             scenarios
#   sigkill   a run killed with SIGKILL in the middle of its merge, and one
#             stopped by SIGINT while fuzzing: the store stays consistent
#             (its manifest matches its files, old inputs intact) and the
#             next run resumes from it; then SIGINT during the model
#             checker: exit 130, the reports written, the model stage
#             marked interrupted (no verdict for the scope)
#   chromium  the HTML report of `twice` opens in headless Chromium with
#             its four plots drawn; a screenshot is written beside it
set -euo pipefail
case_name=$1 lastword=$2 fuzz_build=$3 work=$4
mkdir -p "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

# The store is consistent: every target's MANIFEST.json names an existing
# generation folder holding exactly the listed files with their sizes.
check_store() {
  python3 - "$1" <<'EOF'
import json, os, sys
root = sys.argv[1]
for target in sorted(os.listdir(root)):
    d = os.path.join(root, target)
    if not os.path.isdir(d) or target == "findings":
        continue
    m = json.load(open(os.path.join(d, "MANIFEST.json")))
    gen = os.path.join(d, m["directory"])
    on_disk = sorted((f, os.path.getsize(os.path.join(gen, f))) for f in os.listdir(gen))
    listed = sorted((f["name"], f["size"]) for f in m["files"])
    if on_disk != listed:
        sys.exit(f"{target}: generation {m['generation']} has {len(on_disk)} files, its manifest lists {len(listed)}")
    print(f"store ok: {target} generation {m['generation']}, {len(listed)} inputs")
EOF
}

generation() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' "$1/$2/MANIFEST.json"; }
count() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["files"]))' "$1/$2/MANIFEST.json"; }

# The model checker's stage runs in a small scope here (its default,
# 3,3,1, takes minutes); cases that are not about it leave it out.
model_flags=(--no-model)
nightly() { "$lastword" nightly --fuzz-build "$fuzz_build" --no-coverage --minimize-seconds 5 "${model_flags[@]}" "$@"; }

case "$case_name" in
twice)
  store=$work/store
  rm -rf "$store" "$work"/run1 "$work"/run2
  # The first run checks the reference against the model in the smallest
  # scope (about 96,000 runs, seconds under the sanitizers); the second
  # leaves it out.
  model_flags=(--model-scope 1,1,0)
  nightly --budget 10 --targets assembler,protocol_receive --store "$store" --out "$work/run1" --seed 11 ||
    fail "first run exited $?"
  check_store "$store"
  a1=$(count "$store" assembler) p1=$(count "$store" protocol_receive)
  [ "$(generation "$store" assembler)" = 1 ] || fail "first run did not commit generation 1"
  [ "$a1" -gt 0 ] && [ "$p1" -gt 0 ] || fail "first run stored no corpus"
  python3 - "$work/run1/report.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))["model"]
# The model checker holds the reference in its whole scope.
assert m["ran"] and m["complete"] and m["frontier"] == 0 and m["states"] > 0 and not m["finding"], m
EOF
  grep -q "^Scope 1,1,0 .*Every invariant holds (complete" "$work/run1/report.md" || fail "report.md lacks the model verdict"
  model_flags=(--no-model)
  nightly --budget 10 --targets assembler,protocol_receive --store "$store" --out "$work/run2" --seed 12 ||
    fail "second run exited $?"
  check_store "$store"
  [ "$(generation "$store" assembler)" = 2 ] || fail "second run did not commit generation 2"
  a2=$(count "$store" assembler) p2=$(count "$store" protocol_receive)
  echo "corpus: assembler $a1 -> $a2, protocol_receive $p1 -> $p2"
  # The second run started from the first one's corpus.
  python3 - "$work/run2/report.json" "$a1" "$p1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
before = {t["name"]: t["corpus_before"] for t in r["targets"]}
assert before == {"assembler": int(sys.argv[2]), "protocol_receive": int(sys.argv[3])}, before
for t in r["targets"]:
    assert t["executions"] > 0 and t["coverage"] > 0 and t["samples"]["rows"], t["name"]
assert r["new_findings"] == 0, r["findings"]
assert not r["model"]["ran"], r["model"]
EOF
  grep -q "^Not run (--no-model" "$work/run2/report.md" || fail "report.md does not say the model checker did not run"
  [ "$(wc -l <"$store/history.jsonl")" = 2 ] || fail "history.jsonl should have two runs"
  for f in report.json report.md report.html; do [ -s "$work/run2/$f" ] || fail "missing $f"; done
  grep -q '<svg' "$work/run2/report.html" || fail "no plot in report.html"
  echo "PASS: the store grew and resumed across two runs"
  ;;
planted)
  variant=ws14-closed-before-drain
  rm -rf "$work/store" "$work/out" "$work/repo"
  model_flags=(--model-scope 2,1,0)
  status=0
  nightly --budget 16 --targets assembler,connection --impl "$variant" --store "$work/store" --out "$work/out" \
    --seed 5 >"$work/log" 2>&1 || status=$?
  cat "$work/log"
  [ "$status" = 1 ] || fail "expected exit 1 (new findings), got $status"
  python3 - "$work/out/report.json" "$variant" >"$work/findings" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
new = [f for f in r["findings"] if f["new"]]
assert new, "no new finding"
targets = set()
for f in new:
    assert f["classification"] == "variant-only", f
    assert f["implementation"] == sys.argv[2] and f["kind"] == "violation" and f["invariant"], f
    targets.add(f["target"])
    print(f["target"], f["id"], f["reproduce"])
assert targets == {"assembler", "connection", "model"}, targets
assert r["model"]["finding"] and not r["model"]["complete"], r["model"]
EOF
  cat "$work/findings"
  # Each reproduce command fails on the variant, and passes on the reference.
  while read -r target id reproduce; do
    cmd=${reproduce/#lastword /$lastword }
    s=0; $cmd >/dev/null || s=$?
    [ "$s" = 1 ] || fail "$id: '$reproduce' exited $s, not 1"
    s=0; ${cmd/--impl $variant/--impl reference} >/dev/null || s=$?
    [ "$s" = 0 ] || fail "$id: the reference fails it too (exit $s)"
  done <"$work/findings"
  # A second run on the same store: the same bug is known, not new.
  s=0
  nightly --budget 8 --targets assembler --impl "$variant" --store "$work/store" --out "$work/out2" --seed 6 \
    >"$work/log2" 2>&1 || s=$?
  [ "$s" = 0 ] || { cat "$work/log2"; fail "the known finding was reported as new (exit $s)"; }
  grep -q "known finding" "$work/log2" || fail "the second run did not see the known finding again"
  # Adopt the connection finding as a regression scenario.
  mkdir -p "$work/repo/corpus/regressions"
  id=$(awk '$1 == "connection" {print $2}' "$work/findings")
  "$lastword" adopt "$work/out/findings/$id" --name nightly-planted --repo "$work/repo"
  scenario=$work/repo/corpus/regressions/nightly-planted.scenario
  grep -q "^# expect: $variant violates D" "$scenario" || fail "adopt wrote no expectation"
  s=0; "$lastword" replay "$scenario" --impl "$variant" --quiet || s=$?
  [ "$s" = 1 ] || fail "the adopted scenario does not fail on $variant"
  "$lastword" replay "$scenario" --quiet || fail "the adopted scenario fails on the reference"
  s=0; "$lastword" adopt "$work/out/findings/$id" --name nightly-planted --repo "$work/repo" 2>/dev/null || s=$?
  [ "$s" = 2 ] || fail "adopt overwrote an existing regression without --force"
  # And the model checker's counterexample.
  id=$(awk '$1 == "model" {print $2}' "$work/findings")
  "$lastword" adopt "$work/out/findings/$id" --name nightly-planted-model --repo "$work/repo"
  scenario=$work/repo/corpus/regressions/nightly-planted-model.scenario
  grep -q "found by the model checker on $variant" "$scenario" || fail "adopt did not name the model checker"
  s=0; "$lastword" replay "$scenario" --impl "$variant" --quiet || s=$?
  [ "$s" = 1 ] || fail "the adopted counterexample does not fail on $variant"
  "$lastword" replay "$scenario" --quiet || fail "the adopted counterexample fails on the reference"
  echo "PASS: the planted variant is a new variant-only finding of two fuzz targets and the model checker, reproduced and adopted"
  ;;
sigkill)
  store=$work/store
  rm -rf "$store" "$work"/k*
  nightly --budget 6 --targets assembler --store "$store" --out "$work/k1" --seed 21 >/dev/null || fail "first run"
  check_store "$store"
  before=$(count "$store" assembler)
  cp "$store/assembler/MANIFEST.json" "$work/manifest.before"
  # Kill the second run (and the merging fuzzer) the moment its merge starts.
  setsid "$lastword" nightly --fuzz-build "$fuzz_build" --no-coverage --budget 6 --targets assembler \
    --store "$store" --out "$work/k2" --seed 22 >"$work/k2.log" 2>&1 &
  pid=$!
  killed=no
  for _ in $(seq 1 6000); do
    if compgen -G "$store/assembler/tmp-*" >/dev/null; then
      kill -KILL -- "-$pid"
      killed=yes
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  wait "$pid" 2>/dev/null || true
  [ "$killed" = yes ] || { cat "$work/k2.log"; fail "the run ended before its merge could be killed"; }
  echo "killed mid-merge: $(ls "$store/assembler" | tr '\n' ' ')"
  check_store "$store"
  [ "$(generation "$store" assembler)" = 1 ] || fail "a killed merge committed"
  cmp -s "$work/manifest.before" "$store/assembler/MANIFEST.json" || fail "the manifest changed"
  incoming=$(ls "$store/assembler/incoming" | wc -l)
  [ "$incoming" -gt 0 ] || fail "the killed run's new inputs are lost"
  # SIGINT while fuzzing: the run stops, nothing is merged, nothing lost.
  setsid "$lastword" nightly --fuzz-build "$fuzz_build" --no-coverage --budget 30 --targets assembler \
    --store "$store" --out "$work/k3" --seed 23 >"$work/k3.log" 2>&1 &
  pid=$!
  sleep 3
  kill -INT -- "-$pid"
  s=0; wait "$pid" || s=$?
  [ "$s" = 130 ] || { cat "$work/k3.log"; fail "SIGINT: exit $s, not 130"; }
  check_store "$store"
  [ "$(generation "$store" assembler)" = 1 ] || fail "an interrupted run committed"
  # The next run resumes: it merges what the killed runs found.
  nightly --budget 4 --targets assembler --store "$store" --out "$work/k4" --seed 24 >"$work/k4.log" ||
    { cat "$work/k4.log"; fail "the run after the kill failed"; }
  grep -q "resuming with" "$work/k4.log" || fail "the next run did not resume"
  check_store "$store"
  [ "$(generation "$store" assembler)" = 2 ] || fail "the next run did not commit"
  ! compgen -G "$store/assembler/tmp-*" >/dev/null || fail "a merge folder was left behind"
  [ ! -e "$store/assembler/gen-000001" ] || fail "the old generation was left behind"
  [ "$(ls "$store/assembler/incoming" | wc -l)" = 0 ] || fail "incoming inputs were not merged"
  # SIGINT during the model checker (a scope far too large to close here):
  # the search stops, the reports are written and say it was interrupted.
  setsid "$lastword" nightly --fuzz-build "$fuzz_build" --no-coverage --budget 3 --targets assembler \
    --model-scope 3,3,1 --store "$work/store-m" --out "$work/k5" --seed 25 >"$work/k5.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 12000); do
    grep -q "^nightly: model checker: reference in scope" "$work/k5.log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  grep -q "^nightly: model checker: reference in scope" "$work/k5.log" ||
    { cat "$work/k5.log"; fail "the run did not reach the model checker"; }
  sleep 1
  kill -INT -- "-$pid"
  s=0; wait "$pid" || s=$?
  [ "$s" = 130 ] || { cat "$work/k5.log"; fail "SIGINT in the model checker: exit $s, not 130"; }
  grep -q "stopped by signal 2 during the model checker, interrupted after depth" "$work/k5.log" ||
    { cat "$work/k5.log"; fail "the run did not say where the model checker stopped"; }
  python3 - "$work/k5/report.json" <<'PY' || fail "report.json does not mark the model checker interrupted"
import json, sys
m = json.load(open(sys.argv[1]))["model"]
assert m["ran"] and m["interrupted"] and not m["complete"] and not m["finding"], m
assert m["frontier"] > 0 and m["runs"] > 0 and m["closure"].startswith("interrupted after depth "), m
PY
  grep -q "^Scope 3,3,1 .*Stopped by a signal before the search closed, interrupted after depth" "$work/k5/report.md" ||
    fail "report.md does not say the model checker was interrupted"
  ! grep -q "Every invariant holds" "$work/k5/report.md" || fail "report.md claims a verdict for the scope"
  echo "PASS: corpus $before inputs survived SIGKILL mid-merge and SIGINT; resumed at generation 2 with $(count "$store" assembler); SIGINT in the model checker: $(grep -o 'interrupted after depth [0-9]*' "$work/k5.log" | head -n 1), reports written"
  ;;
chromium)
  report=$work/run2/report.html
  [ -s "$report" ] || fail "no report at $report (the twice test writes it)"
  command -v chromium >/dev/null || fail "chromium not found: install chromium (bash scripts/setup.sh)"
  export DBUS_SESSION_BUS_ADDRESS=disabled:   # no D-Bus here: do not wait for one
  flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
         --disable-sync --no-first-run)
  profile=$(mktemp -d)
  dom=$(timeout 120 chromium "${flags[@]}" --user-data-dir="$profile" --virtual-time-budget=5000 --dump-dom \
        "file://$report" 2>/dev/null)
  rendered=$(grep -o 'data-plots-rendered="[0-9]*"' <<<"$dom" | grep -o '[0-9]*' || true)
  [ "$rendered" = 4 ] || fail "expected 4 plots laid out with their curves, the page says '${rendered:-nothing}'"
  profile=$(mktemp -d)
  timeout 120 chromium "${flags[@]}" --user-data-dir="$profile" --screenshot="$work/report.png" \
    --window-size=1600,1400 "file://$report" >/dev/null 2>&1
  [ "$(stat -c %s "$work/report.png")" -gt 20000 ] || fail "the screenshot is (nearly) empty"
  echo "PASS: report.html renders its 4 plots in Chromium; screenshot $work/report.png"
  ;;
*)
  echo "usage: $0 twice|planted|sigkill|chromium LASTWORD FUZZ_BUILD WORK" >&2
  exit 2
  ;;
esac
