#!/usr/bin/env bash
# run-on-vm.sh [--mode m1,m2] [--images|--load TAR|--deploy] VM_IP: the kind
# lab on this VM, end to end (upstream's run-on-vm). Thin entry: installs
# the packages and builds the project (scripts/setup.sh), then runs
# dist/scripts/run-on-vm.js (scripts/run-on-vm.ts), which does the rest.
# --help and --dry-run change nothing, so they skip the setup.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
readonly entry=dist/scripts/run-on-vm.js
readonly_run=0
for a in "$@"; do
  case $a in
    --dry-run | --help | -h) readonly_run=1 ;;
  esac
done
if ((readonly_run)); then
  if [[ ! -f $entry ]]; then
    echo "run-on-vm.sh: not built: run \`npm run build\` first" >&2
    exit 2
  fi
else
  if [[ $(id -u) -ne 0 ]]; then
    echo "run-on-vm.sh: run it as root (sudo ./run-on-vm.sh ...)" >&2
    exit 2
  fi
  bash scripts/setup.sh
fi
exec node "$entry" "$@"
