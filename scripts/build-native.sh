#!/usr/bin/env bash
# Builds the clock library for independent clocks (native/vclock) into
# dist/native: libvclock.so (LD_PRELOAD), vclock-hostclock (the host-clock
# guard's probe) and test_vclock (the library's own tests). Without a C
# compiler it builds nothing and says so: the shared-clock lab needs none,
# and `--clock independent` is refused while the library is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
out=dist/native
src=native/vclock
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null 2>&1; then
  printf '[setup] no C compiler (%s): --clock independent will be unavailable\n' "$cc" >&2
  exit 0
fi
mkdir -p "$out"
flags=(-O2 -Wall -Wextra -Werror)
"$cc" "${flags[@]}" -fPIC -shared -fvisibility=hidden -o "$out/libvclock.so.tmp" "$src/vclock.c" -ldl -lm
"$cc" "${flags[@]}" -o "$out/test_vclock" "$src/test_vclock.c" -lm
"$cc" "${flags[@]}" -o "$out/vclock-hostclock" "$src/hostclock.c"
# Renamed into place: a running lab's processes keep their mapping of the old file.
mv -f "$out/libvclock.so.tmp" "$out/libvclock.so"
