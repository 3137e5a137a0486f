#!/usr/bin/env bash
# Runs every test file under test/ with node's test runner (Node 20 has no --test glob support).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" "$@" "${files[@]}"
