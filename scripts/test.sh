#!/usr/bin/env bash
# Runs every test file under test/ with node's test runner (Node 20 has no --test glob support).
# --test-force-exit: a file's process ends once its tests are done, even if something it started left a handle
# open (a leak then shows as a failing leak test, never as a CI run that hangs to its limit).
# --test-timeout: no single test runs longer than 15 minutes (the longest, chaos, takes 5–7 here).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-force-exit --test-timeout=900000 --test-concurrency="${TEST_CONCURRENCY:-2}" "$@" "${files[@]}"
