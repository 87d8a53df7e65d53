#!/usr/bin/env bash
# `lastword nightly --coverage-only` on an empty store (so: the committed
# seed corpora) with the coverage preset's replayers: the report has a
# per-file summary of src/lastword/ with lines and branches, covered
# lines in every folder the targets reach, and llvm-cov's HTML view.
# usage: nightly_coverage_test.sh LASTWORD COVERAGE_BUILD WORK
set -euo pipefail
lastword=$1 build=$2 work=$3
rm -rf "$work"
"$lastword" nightly --coverage-only --coverage-build "$build" --store "$work/store" --out "$work/out"
python3 - "$work/out/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["coverage"]
assert not c["error"], c["error"]
files = {f["path"]: f for f in c["files"]}
folders = {f["path"]: f for f in c["folders"]}
print({k: f"{v['lines_covered']}/{v['lines']} lines, {v['branches_covered']}/{v['branches']} branches" for k, v in folders.items()})
for folder in ["src/lastword/wire/", "src/lastword/protocol/", "src/lastword/assembler/", "src/lastword/sim/"]:
    assert folders[folder]["lines_covered"] > 0, folder
    assert folders[folder]["branches"] > 0, folder
assert "src/lastword/wire/codec.cpp" in files, sorted(files)
assert not any(p.endswith("_test.cpp") for p in files)
PY
[ -s "$work/out/coverage/html/index.html" ] || { echo "FAIL: no HTML view"; exit 1; }
grep -q "Coverage of the reference" "$work/out/report.md"
echo "PASS: coverage summary and HTML view of the reference"
