#!/usr/bin/env bash
# The test suite: installs/builds what is missing, runs the unit tests (in
# parallel, beside the integration files that measure no PTP timing), then
# the other integration tests (each brings up real labs of its own name):
# those with shared clocks in two lanes side by side, independent clocks and the
# 64-worker lab alone; and ends with a plain "N passed, N failed" line.
# Integration tests need root (CI runs as root) and skip with the reason
# otherwise. Arguments: test files to run instead.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
bash scripts/setup.sh || exit 1
out=$(mktemp)
side_out=$(mktemp)
lane_out=$(mktemp)
trap 'rm -f "$out" "$side_out" "$lane_out"' EXIT
rc=0
if (($#)); then
  npx tap "$@" 2>&1 | tee -a "$out"; rc=${PIPESTATUS[0]}
else
  # The integration files that measure no PTP timing (image builds: disk and
  # network bound; veth pairs; the browser; a full disk; kind, which skips
  # here) run beside the unit tests, one at a time; their output follows.
  side=(tests/integration/{images,configpair-veth,report-browser,daemon-disk-full,kind-lab}.test.ts)
  npx tap --jobs=1 "${side[@]}" >"$side_out" 2>&1 &
  side_pid=$!
  # three at a time: many unit files mostly wait (timers, child processes)
  npx tap --jobs=3 tests/unit/*.test.ts 2>&1 | tee -a "$out"; r1=${PIPESTATUS[0]}
  wait "$side_pid"; r0=$?
  tee -a "$out" <"$side_out"
  # The rest measure real PTP. Independent clocks (true offsets, servo
  # figures) and the 64-worker lab run alone, on an otherwise idle machine;
  # the others (shared clock, +-10 us windows, each its own lab) in two
  # lanes side by side, as they spend most of their time waiting for PTP:
  # the four modes with Ctrl-C (about 135 s here) beside the rest (140 s).
  solo=(tests/integration/{clock,scale}.test.ts)
  lane=(tests/integration/{modes,interrupt}.test.ts)
  mapfile -t rest < <(printf '%s\n' tests/integration/*.test.ts | grep -vxF -f <(printf '%s\n' "${side[@]}" "${solo[@]}" "${lane[@]}"))
  npx tap --jobs=1 "${lane[@]}" >"$lane_out" 2>&1 &
  lane_pid=$!
  npx tap --jobs=1 "${rest[@]}" 2>&1 | tee -a "$out"; r2=${PIPESTATUS[0]}
  wait "$lane_pid" || r2=1
  tee -a "$out" <"$lane_out"
  npx tap --jobs=1 "${solo[@]}" 2>&1 | tee -a "$out"; r3=${PIPESTATUS[0]}
  ((r0 || r1 || r2 || r3)) && rc=1
fi
# tap's summary lines: "# { total: N, pass: N, fail: N, skip: N }"
sum() { grep -E '^# \{ total:' "$out" | sed -nE "s/.*[ {]$1: ([0-9]+).*/\1/p" | awk '{s+=$1} END {print s+0}'; }
pass=$(sum pass); fail=$(sum fail); skip=$(sum skip)
echo "tests: $pass passed, $fail failed$( ((skip)) && echo ", $skip skipped")"
exit "$rc"
