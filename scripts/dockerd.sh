#!/usr/bin/env bash
# Makes sure a Docker engine answers, for the container backend and its tests.
# When none does, starts Debian's dockerd (package docker.io) in the
# background with the flags these machines need (docs/upstream.md#machines): no
# iptables rules and no default bridge, as lab containers run with
# `--network none` and image builds use the host network.
#
# Exit status: 0 an engine answers (it already did, or we started one);
# 3 none answers and none could be started (the reason is printed). Never
# anything else, so callers can go on without the container backend:
#   bash scripts/dockerd.sh || true
# Idempotent: a second call finds the engine and does nothing.
#
# Environment: PTPLAB_DOCKERD_LOG (default /var/log/ptplab-dockerd.log, or
# /tmp/ptplab-dockerd.log when /var/log is not writable),
# PTPLAB_DOCKERD_WAIT (seconds to wait for it to answer, default 30),
# PTPLAB_DOCKERD_ROOT (testing only: a private engine with its socket,
# pid file, data and exec roots under this directory instead of the
# system's /var/run/docker.sock and /var/lib/docker).
set -uo pipefail

log() { printf '[dockerd] %s\n' "$*" >&2; }
WAIT=${PTPLAB_DOCKERD_WAIT:-30}
if [[ -n ${PTPLAB_DOCKERD_ROOT:-} ]]; then
  root=$PTPLAB_DOCKERD_ROOT
  SOCK=$root/docker.sock pidfile=$root/docker.pid
  extra=(--data-root "$root/data" --exec-root "$root/exec" --pidfile "$pidfile")
  unset DOCKER_HOST
else
  SOCK=/var/run/docker.sock pidfile=/var/run/docker.pid
  extra=()
fi
export PATH="$PATH:/usr/sbin:/sbin"

# Does an engine answer? A GET /_ping on the socket is enough and needs no
# docker CLI; the CLI is tried when curl is absent. DOCKER_HOST (another
# engine) is honoured through the CLI.
answers() {
  if [[ -n ${DOCKER_HOST:-} ]] && command -v docker >/dev/null 2>&1; then
    timeout 10 docker info >/dev/null 2>&1 && return 0
  fi
  [[ -S $SOCK ]] || return 1
  if command -v curl >/dev/null 2>&1; then
    [[ $(curl -s --max-time 5 --unix-socket "$SOCK" http://localhost/_ping 2>/dev/null) == OK ]] && return 0
  fi
  command -v docker >/dev/null 2>&1 && timeout 10 docker -H "unix://$SOCK" info >/dev/null 2>&1
}

version() {
  if [[ -z ${DOCKER_HOST:-} && -S $SOCK ]] && command -v curl >/dev/null 2>&1; then
    curl -s --max-time 5 --unix-socket "$SOCK" http://localhost/version 2>/dev/null | sed -nE 's/.*"Version":"([^"]+)".*/\1/p'
  elif command -v docker >/dev/null 2>&1; then
    local h=()
    [[ -n ${DOCKER_HOST:-} ]] || h=(-H "unix://$SOCK")
    timeout 10 docker "${h[@]}" version --format '{{.Server.Version}}' 2>/dev/null
  fi
}

if answers; then
  log "a Docker engine answers ($(version || true)); nothing to do"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  log "no Docker engine answers, and starting dockerd needs root"
  exit 3
fi
if ! command -v dockerd >/dev/null 2>&1; then
  log "no Docker engine answers and there is no dockerd binary: apt-get install docker.io"
  exit 3
fi
if ! command -v containerd >/dev/null 2>&1; then
  log "no Docker engine answers and there is no containerd binary: apt-get install containerd (or docker.io)"
  exit 3
fi

# A dockerd may be running but not answering yet (or hung): one dockerd
# per data root, so do not start a second one next to it.
if [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  log "dockerd (pid $(cat "$pidfile")) runs but does not answer yet; waiting for it"
else
  logfile=${PTPLAB_DOCKERD_LOG:-/var/log/ptplab-dockerd.log}
  if ! { : >>"$logfile"; } 2>/dev/null; then logfile=/tmp/ptplab-dockerd.log; fi
  # A socket left by a dockerd that died makes the new one refuse to start.
  [[ -S $SOCK ]] && rm -f "$SOCK"
  log "starting $(command -v dockerd) --iptables=false --ip6tables=false --bridge=none (log: $logfile)"
  # setsid: it outlives this script and the caller's process group (CI
  # steps, Ctrl-C on npm test).
  setsid dockerd --iptables=false --ip6tables=false --bridge=none \
    --host "unix://$SOCK" "${extra[@]}" >>"$logfile" 2>&1 </dev/null &
  started=$!
fi

for ((i = 0; i < WAIT * 2; i++)); do
  if answers; then
    log "Docker engine $(version || true) answers after $((i / 2)).$((i % 2 * 5)) s${started:+ (dockerd pid $started)}"
    exit 0
  fi
  if [[ -n ${started:-} ]] && ! kill -0 "$started" 2>/dev/null; then
    log "dockerd exited at once; last lines of ${logfile}:"
    tail -n 15 "$logfile" >&2
    exit 3
  fi
  sleep 0.5
done
log "dockerd did not answer within ${WAIT} s${logfile:+; see $logfile}"
exit 3
