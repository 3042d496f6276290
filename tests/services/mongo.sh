#!/usr/bin/env bash
# Throwaway MongoDB wire-protocol server for MlDb tests (congodb from @push.rocks/smartmongo).
#
#   mongo.sh start        <statedir>  install the npm packages if needed, start, wait for a ping
#   mongo.sh stop-server  <statedir>  stop the server (its data is kept in a snapshot), keep the port
#   mongo.sh start-server <statedir>  start it again on the same port with the same data
#   mongo.sh stop         <statedir>  stop it and delete its files
#   mongo.sh probe        <statedir>  run mongo/probe.mjs against the server in <statedir>
#   mongo.sh install                  only install node/npm and the npm packages if missing
#
# The packages (tests/services/mongo/package.json + package-lock.json) are installed with
# `npm ci` into a cache folder outside the repository, one folder per content hash of
# tests/services/mongo, reused between runs:
#   ${MLDB_SERVICES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mldb-test-services}/mongo-<hash>
# Binds 127.0.0.1 on a free port. Writes <statedir>/mongo/service.env (see README.md).
set -euo pipefail

# shellcheck disable=SC2034 # used by lib.sh
SVC_NAME=mongo
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

SRC=$HERE/mongo

usage() { svc_die "usage: mongo.sh start|stop|stop-server|start-server|probe <statedir> | mongo.sh install"; }

mongo_ensure_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && return 0
  svc_apt_install nodejs npm
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    svc_die "node/npm still missing after apt-get install nodejs npm"
  fi
}

mongo_cache_root() {
  if [[ -n ${MLDB_SERVICES_CACHE:-} ]]; then
    printf '%s\n' "$MLDB_SERVICES_CACHE"
  else
    printf '%s\n' "${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/mldb-test-services"
  fi
}

# mongo_npm DIR ARGS...: runs npm ARGS for the project in DIR. package.json needs npm 10
# or later (npm 9, Debian 12's own, rejects its overrides): with an older npm, npm 10 is
# run through npx, from / so that the old npm never reads DIR/package.json itself.
mongo_npm() {
  local dir=$1 major
  shift
  major=$(npm --version 2>/dev/null | cut -d. -f1)
  if [[ $major =~ ^[0-9]+$ ]] && ((major >= 10)); then
    (cd "$dir" && npm "$@")
  else
    (cd / && npx --yes npm@10 --prefix "$dir" "$@")
  fi
}

# The committed files that make up the install (never node_modules).
mongo_source_files() {
  (cd "$SRC" && find . -type f ! -path './node_modules/*' ! -name '.*' | LC_ALL=C sort)
}

# Sets INST to a folder holding the committed files and their node_modules.
INST=
mongo_ensure_installed() {
  local root hash tmp log
  mongo_ensure_node
  root=$(mongo_cache_root)
  hash=$(cd "$SRC" && mongo_source_files | while IFS= read -r f; do printf '%s\n' "$f"; cat "$f"; done |
    sha256sum | cut -c1-16)
  INST=$root/mongo-$hash
  [[ -f $INST/.installed ]] && return 0
  mkdir -p "$root"
  exec 9>"$root/mongo.lock"
  flock -w 600 9 || svc_die "timed out waiting for the install lock $root/mongo.lock"
  if [[ ! -f $INST/.installed ]]; then
    tmp=$(mktemp -d "$root/.mongo-install.XXXXXX")
    (cd "$SRC" && mongo_source_files | while IFS= read -r f; do
      mkdir -p "$tmp/$(dirname "$f")"
      cp "$f" "$tmp/$f"
    done)
    log=$tmp/npm.log
    if ! mongo_npm "$tmp" ci --ignore-scripts --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
      # A lock file out of step with package.json: resolve again from the registry.
      printf '\n--- npm ci failed; trying npm install ---\n' >>"$log"
      rm -rf -- "$tmp/node_modules"
      if ! mongo_npm "$tmp" install --ignore-scripts --no-audit --no-fund --loglevel=error >>"$log" 2>&1; then
        svc_show_log "$log" 40
        rm -rf -- "$tmp"
        svc_die "npm could not install the MongoDB wire server (tests/services/mongo)"
      fi
      svc_log "npm ci failed, npm install worked: refresh tests/services/mongo/package-lock.json"
    fi
    : >"$tmp/.installed"
    rm -rf -- "$INST"
    mv -- "$tmp" "$INST"
  fi
  exec 9>&-
}

STATEDIR='' DIR=''
mongo_load_state() {
  DIR=$STATEDIR/mongo
  INST=$(cat "$DIR/install" 2>/dev/null || true)
}

mongo_pid() {
  local pid
  pid=$(cat "$DIR/server.pid" 2>/dev/null) || return 1
  svc_pid_matches "$pid" "$INST/server.mjs" || return 1
  printf '%s\n' "$pid"
}

mongo_uri() { printf 'mongodb://127.0.0.1:%s/?directConnection=true\n' "$(cat "$DIR/port")"; }

mongo_answers() { node "$INST/ping.mjs" "$(mongo_uri)" 2000 >/dev/null 2>&1; }

# Starts the server on $DIR/port; waits for its ready line and a ping.
# Returns 2 when the port was taken.
mongo_launch() {
  local port offset pid i _
  port=$(cat "$DIR/port")
  : >>"$DIR/server.log"
  offset=$(stat -c %s "$DIR/server.log")
  nohup node "$INST/server.mjs" --port "$port" --host 127.0.0.1 --snapshot "$DIR/snapshot.ejson" \
    >>"$DIR/server.log" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$DIR/server.pid"
  for ((i = 0; i < 600; i++)); do
    if tail -c "+$((offset + 1))" "$DIR/server.log" | grep -q '^MLDB_MONGO_READY '; then
      for _ in 1 2 3 4 5; do
        mongo_answers && return 0
      done
      break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -c "+$((offset + 1))" "$DIR/server.log" | grep -q 'EADDRINUSE' && return 2
      return 1
    fi
    sleep 0.05
  done
  svc_kill "$pid" "$INST/server.mjs" || true
  return 1
}

mongo_write_env() {
  svc_write_env "$DIR/service.env" \
    "MLDB_TEST_MONGO=$(mongo_uri)" \
    "MLDB_TEST_MONGO_KIND=wire"
}

mongo_refuse_external() {
  if [[ -e $DIR/external ]]; then
    svc_die "MongoDB in $STATEDIR is external ($(cat "$DIR/external")): not started here, so not stopped or restarted here"
  fi
}

cmd_start() {
  STATEDIR=$(svc_statedir "$1" create)
  mongo_load_state
  [[ -e $DIR/external ]] && return 0
  if [[ -s $DIR/service.env && -n $INST ]]; then
    cmd_start_server
    return 0
  fi
  if [[ -d $DIR ]]; then cmd_stop; fi
  mongo_ensure_installed
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  printf '%s\n' "$INST" >"$DIR/install"
  local attempt rc
  for attempt in 1 2 3; do
    svc_free_port
    printf '%s\n' "$SVC_PORT" >"$DIR/port"
    rc=0
    mongo_launch || rc=$?
    ((rc == 0)) && break
    if ((rc != 2 || attempt == 3)); then
      svc_show_log "$DIR/server.log" 30
      svc_log "the MongoDB wire server did not start"
      cmd_stop >/dev/null 2>&1 || true
      exit 1
    fi
  done
  mongo_write_env
}

cmd_stop_server() {
  STATEDIR=$(svc_statedir "${1:-$STATEDIR}") || return 0
  mongo_load_state
  [[ -d $DIR ]] || return 0
  mongo_refuse_external
  local pid
  pid=$(mongo_pid) || return 0
  svc_kill "$pid" "$INST/server.mjs" || svc_die "the MongoDB wire server (pid $pid) did not stop"
}

cmd_start_server() {
  if (($# > 0)); then
    STATEDIR=$(svc_statedir "$1") || svc_die "no state in $1: run 'mongo.sh start' first"
    mongo_load_state
  fi
  mongo_refuse_external
  [[ -s $DIR/port && -n $INST && -f $INST/.installed ]] || svc_die "no MongoDB wire server in $STATEDIR: run 'mongo.sh start' first"
  if mongo_pid >/dev/null; then
    return 0
  fi
  local rc=0
  mongo_launch || rc=$?
  if ((rc != 0)); then
    svc_show_log "$DIR/server.log" 30
    ((rc == 2)) && svc_die "port $(cat "$DIR/port") is taken by another process; the MongoDB wire server cannot restart on it"
    svc_die "the MongoDB wire server did not restart"
  fi
}

cmd_stop() {
  STATEDIR=$(svc_statedir "${1:-$STATEDIR}") || return 0
  mongo_load_state
  [[ -d $DIR ]] || return 0
  if [[ ! -e $DIR/external ]]; then
    cmd_stop_server "$STATEDIR"
  fi
  rm -rf -- "$DIR"
  svc_remove_statedir_if_empty "$STATEDIR"
}

cmd_probe() {
  STATEDIR=$(svc_statedir "$1") || svc_die "no state in $1"
  mongo_load_state
  [[ -s $DIR/service.env ]] || svc_die "no MongoDB in $STATEDIR: run 'mongo.sh start' first"
  local uri
  uri=$(set -a && . "$DIR/service.env" && printf '%s' "$MLDB_TEST_MONGO")
  mongo_ensure_installed
  node "$INST/probe.mjs" "$uri"
}

if [[ ${1:-} == install && $# == 1 ]]; then
  mongo_ensure_installed
  exit 0
fi
(($# == 2)) || usage
case $1 in
  start) cmd_start "$2" ;;
  stop) cmd_stop "$2" ;;
  stop-server) cmd_stop_server "$2" ;;
  start-server) cmd_start_server "$2" ;;
  probe) cmd_probe "$2" ;;
  *) usage ;;
esac
