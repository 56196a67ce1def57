#!/usr/bin/env bash
# Installs what ptplab needs when it is missing, then builds it. Idempotent:
# on a ready machine it only rebuilds. Called by `npm run lab`, `npm test`
# and `npm run bench`.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

# System packages: program -> Debian package.
declare -A pkg=(
  [ptp4l]=linuxptp [pmc]=linuxptp
  [ovs-vswitchd]=openvswitch-switch [ovsdb-server]=openvswitch-switch [ovs-vsctl]=openvswitch-common
  [ip]=iproute2 [ethtool]=ethtool [tcpdump]=tcpdump [setpriv]=util-linux [python3]=python3
  [dockerd]=docker.io [debootstrap]=debootstrap
  # the clock library (cc), the report browser test, workflow/script checks,
  # manifest rendering, webhook test certificates
  [cc]=gcc [chromium]=chromium [shellcheck]=shellcheck [kubectl]=kubernetes-client [openssl]=openssl [curl]=curl
)
missing=()
for prog in "${!pkg[@]}"; do
  command -v "$prog" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$prog" >/dev/null 2>&1 || missing+=("${pkg[$prog]}")
done
# debootstrap verifies Debian's archive with this keyring (preinstalled on
# Debian, not on Ubuntu).
[[ -e /usr/share/keyrings/debian-archive-keyring.gpg ]] || missing+=(debian-archive-keyring)
if ((${#missing[@]})); then
  want=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [[ $(id -u) -ne 0 ]]; then
    log "missing packages: $want (run as root to install them)"
  else
    log "installing: $want"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $want >/dev/null
  fi
fi

# The container backend's engine: Debian's dockerd, started by hand when
# none answers (no systemd here; docs/upstream.md#machines).
if [[ $(id -u) -eq 0 ]]; then
  bash scripts/dockerd.sh || log "no Docker engine: container-backend tests will be skipped"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  log "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))"
  exit 1
fi

# npm dependencies: install when absent or when the lock file changed.
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

log "building"
npx tsc -p tsconfig.json
bash scripts/build-native.sh
