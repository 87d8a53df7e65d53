#!/usr/bin/python3
"""Checks the CI files: every GitHub Actions workflow and the ClusterFuzzLite
project file parse as YAML (PyYAML, Debian's python3-yaml) and have the keys
their service reads.

usage: check_ci_files.py PROJECT_ROOT      check the project's files
       check_ci_files.py --self-test       show that each rule rejects a broken file
Exit status 0: all valid; 1: a problem (listed); 2: bad usage or no PyYAML.
"""
import json
import os
import shutil
import sys
import tempfile

try:
    import yaml
except ImportError:
    sys.stderr.write("check_ci_files: PyYAML not found: install python3-yaml (bash scripts/setup.sh)\n")
    sys.exit(2)

SANITIZERS = {"address", "undefined", "memory", "coverage"}
ENGINES = {"libfuzzer", "afl", "honggfuzz", "centipede"}
LANGUAGES = {"c", "c++", "go", "rust", "python", "jvm", "swift", "javascript"}


def load_mapping(path, problems):
    """The file's YAML document when it is a mapping; else None, with the problem."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        problems.append(f"{path}: not valid YAML: {e}")
        return None
    if not isinstance(doc, dict):
        problems.append(f"{path}: the top level is not a mapping")
        return None
    return doc


def check_workflow(path, presets, problems):
    doc = load_mapping(path, problems)
    if doc is None:
        return
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean true.
    triggers = doc.get("on", doc.get(True))
    if triggers is None:
        problems.append(f"{path}: no 'on' (the events that start it)")
    if not isinstance(doc.get("name"), str):
        problems.append(f"{path}: no 'name'")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        problems.append(f"{path}: no 'jobs'")
        return
    for job_name, job in jobs.items():
        where = f"{path}: job {job_name}"
        if not isinstance(job, dict):
            problems.append(f"{where}: not a mapping")
            continue
        if "uses" in job:  # a reusable workflow runs the steps
            continue
        if "runs-on" not in job:
            problems.append(f"{where}: no 'runs-on'")
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            problems.append(f"{where}: no 'steps'")
            continue
        for i, step in enumerate(steps, 1):
            if not isinstance(step, dict) or (("run" in step) == ("uses" in step)):
                problems.append(f"{where}: step {i} needs exactly one of 'run' and 'uses'")
            elif "uses" in step and "@" not in str(step["uses"]):
                problems.append(f"{where}: step {i} uses '{step['uses']}' without a version (@...)")
        # A preset matrix must name presets that exist.
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        for preset in matrix.get("preset", []) if isinstance(matrix, dict) else []:
            if presets is not None and preset not in presets:
                problems.append(f"{where}: preset '{preset}' is not in CMakePresets.json")


def check_project(path, problems):
    doc = load_mapping(path, problems)
    if doc is None:
        return
    if doc.get("language") not in LANGUAGES:
        problems.append(f"{path}: 'language' must be one of {sorted(LANGUAGES)}, not {doc.get('language')!r}")
    for key, allowed in (("sanitizers", SANITIZERS), ("fuzzing_engines", ENGINES)):
        value = doc.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not value or not set(value) <= allowed:
            problems.append(f"{path}: '{key}' must be a list of {sorted(allowed)}, not {value!r}")


def check(root):
    problems = []
    presets = None
    try:
        with open(os.path.join(root, "CMakePresets.json"), encoding="utf-8") as f:
            presets = {p["name"] for p in json.load(f).get("configurePresets", [])}
    except (OSError, ValueError, KeyError):
        pass
    wf_dir = os.path.join(root, ".github", "workflows")
    workflows = sorted(f for f in os.listdir(wf_dir) if f.endswith((".yml", ".yaml"))) if os.path.isdir(wf_dir) else []
    if not workflows:
        problems.append(f"{wf_dir}: no workflow files")
    for name in workflows:
        check_workflow(os.path.join(wf_dir, name), presets, problems)
    project = os.path.join(root, ".clusterfuzzlite", "project.yaml")
    if not os.path.isfile(project):
        problems.append(f"{project}: missing")
    else:
        check_project(project, problems)
    return workflows, problems


GOOD_WORKFLOW = "name: t\non: [push]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n"
BROKEN = {
    "unparsable": "name: t\non: [push\njobs: {}\n",
    "no on": "name: t\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n",
    "no jobs": "name: t\non: [push]\n",
    "no runs-on": "name: t\non: [push]\njobs:\n  a:\n    steps:\n      - run: 'true'\n",
    "step with neither": "name: t\non: [push]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - name: nothing\n",
    "unpinned action": "name: t\non: [push]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout\n",
    "unknown preset": "name: t\non: [push]\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n"
                      "        preset: [nope]\n    steps:\n      - run: 'true'\n",
}
BROKEN_PROJECT = "language: c++\nsanitizers:\n  - adress\n"


def self_test():
    failures = []
    dirs = []

    def tree(workflow, project="language: c++\n"):
        d = tempfile.mkdtemp(prefix="check_ci_files.")
        dirs.append(d)
        os.makedirs(os.path.join(d, ".github", "workflows"))
        os.makedirs(os.path.join(d, ".clusterfuzzlite"))
        with open(os.path.join(d, ".github", "workflows", "w.yml"), "w") as f:
            f.write(workflow)
        with open(os.path.join(d, ".clusterfuzzlite", "project.yaml"), "w") as f:
            f.write(project)
        with open(os.path.join(d, "CMakePresets.json"), "w") as f:
            f.write('{"configurePresets": [{"name": "default"}]}')
        return d

    if check(tree(GOOD_WORKFLOW))[1]:
        failures.append("a valid workflow was rejected: " + "; ".join(check(tree(GOOD_WORKFLOW))[1]))
    for what, text in BROKEN.items():
        problems = check(tree(text))[1]
        print(f"broken workflow ({what}): {'rejected: ' + problems[0] if problems else 'ACCEPTED'}")
        if not problems:
            failures.append(f"a workflow with '{what}' was accepted")
    problems = check(tree(GOOD_WORKFLOW, BROKEN_PROJECT))[1]
    print(f"broken project.yaml (unknown sanitizer): {'rejected: ' + problems[0] if problems else 'ACCEPTED'}")
    if not problems:
        failures.append("a project.yaml with an unknown sanitizer was accepted")
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
    for f in failures:
        print("FAILED: " + f)
    return 1 if failures else 0


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    if argv[1] == "--self-test":
        return self_test()
    workflows, problems = check(argv[1])
    for p in problems:
        print(p)
    if problems:
        print(f"reproduce: /usr/bin/python3 {argv[0]} {argv[1]}")
        return 1
    print(f"valid: {len(workflows)} workflow file(s) ({', '.join(workflows)}) and .clusterfuzzlite/project.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
