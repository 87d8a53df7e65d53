#!/usr/bin/env python3
"""Reads a `lastword blackbox --json` report and checks its shape: every
cell names its implementation and scenario and counts its runs."""
import json
import sys

report = json.load(open(sys.argv[1]))
want_runs = int(sys.argv[2])
assert isinstance(report["seed"], int), report
for cell in report["cells"]:
    assert cell["implementation"] and cell["scenario"], cell
    assert cell["runs"] == want_runs, cell
    assert cell["violated"] <= cell["runs"], cell
    if cell["violated"]:
        assert cell["reproduce"].startswith("lastword blackbox"), cell
print("report ok:", len(report["cells"]), "cells")
