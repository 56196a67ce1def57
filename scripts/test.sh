#!/usr/bin/env bash
# The test suite: installs/builds what is missing, runs tap, and ends with a
# plain "N passed, N failed" line. Integration tests need root (CI runs as
# root) and skip with the reason otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
npx tap "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
# tap's last summary line: "# { total: N, pass: N, fail: N, skip: N }"
summary=$(grep -E '^# \{ total:' "$out" | tail -n 1)
num() { sed -nE "s/.*[ {]$1: ([0-9]+).*/\1/p" <<<"$summary"; }
pass=$(num pass); fail=$(num fail); skip=$(num skip)
echo "tests: ${pass:-0} passed, ${fail:-0} failed${skip:+, $skip skipped}"
exit "$rc"
