#!/usr/bin/env bash
# Fails when a ctest test has none of the project's labels
# (cmake/lastword_helpers.cmake), listing those tests.
# usage: check_labels.sh CTEST BUILD_DIR LABEL_REGEX
set -euo pipefail
ctest=$1 build=$2 labels=$3
unlabeled=$("$ctest" --test-dir "$build" -N -LE "$labels" | grep -E '^ *Test +#' || true)
total=$("$ctest" --test-dir "$build" -N | grep -cE '^ *Test +#' || true)
if [ -n "$unlabeled" ]; then
  echo "tests without one of the labels $labels:"
  echo "$unlabeled"
  exit 1
fi
echo "all $total tests carry one of the labels $labels"
