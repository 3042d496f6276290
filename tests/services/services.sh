#!/usr/bin/env bash
# Starts and stops the throwaway database servers that MlDb's test suites use.
#
#   services.sh start <statedir> [postgres] [redis] [mongo]   (default: all three)
#   services.sh stop  <statedir>
#
# start writes <statedir>/services.env: KEY='value' lines for bash (`set -a; . file`) and
# PowerShell/C# (strip the quotes); see README.md for the keys. If MLDB_TEST_MONGO is set
# in the environment (a real mongod), no MongoDB server is started: that URI is kept and
# MLDB_TEST_MONGO_KIND=external is written. If a service cannot start, every service in
# <statedir> is stopped, the state dir is removed and the exit code is 1.
# stop stops everything in <statedir> (whatever is still running) and removes it.
set -euo pipefail

# shellcheck disable=SC2034 # used by lib.sh
SVC_NAME=services
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

ALL=(postgres redis mongo)

usage() { svc_die "usage: services.sh start <statedir> [postgres] [redis] [mongo] | services.sh stop <statedir>"; }

write_services_env() {
  local statedir=$1 file=$1/services.env tmp svc
  tmp="$file.tmp.$$"
  {
    echo "# Throwaway test services, written by tests/services/services.sh start."
    echo "# Stop them with: tests/services/services.sh stop '$statedir'"
    echo "MLDB_TEST_SERVICES_DIR='$statedir'"
    for svc in "${ALL[@]}"; do
      if [[ -s $statedir/$svc/service.env ]]; then
        cat "$statedir/$svc/service.env"
      fi
    done
  } >"$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$file"
}

start_external_mongo() {
  local statedir=$1 dir=$1/mongo
  if [[ -d $dir && ! -e $dir/external ]]; then
    "$HERE/mongo.sh" stop "$statedir"
    mkdir -p "$statedir"
    : >"$statedir/$SVC_MARKER"
  fi
  mkdir -p "$dir"
  chmod 700 "$dir"
  echo "MLDB_TEST_MONGO from the environment" >"$dir/external"
  svc_write_env "$dir/service.env" "MLDB_TEST_MONGO=$MLDB_TEST_MONGO" "MLDB_TEST_MONGO_KIND=external"
}

stop_all() {
  local statedir=$1 svc rc=0
  [[ -d $statedir ]] || return 0
  for svc in "${ALL[@]}"; do
    "$HERE/$svc.sh" stop "$statedir" || { svc_log "could not stop $svc"; rc=1; }
  done
  ((rc == 0)) || return 1
  rm -f -- "$statedir/services.env"
  svc_remove_statedir "$statedir"
}

cmd_start() {
  local statedir svc want=() run=() w failed=() err
  local -A pids=()
  statedir=$(svc_statedir "$1" create)
  shift
  (($# > 0)) || set -- "${ALL[@]}"
  for w in "$@"; do
    case $w in
      postgres | redis | mongo) [[ " ${want[*]-} " == *" $w "* ]] || want+=("$w") ;;
      *) usage ;;
    esac
  done
  for svc in "${ALL[@]}"; do
    [[ " ${want[*]} " == *" $svc "* ]] || continue
    if [[ $svc == mongo && -n ${MLDB_TEST_MONGO:-} && ${MLDB_TEST_MONGO_KIND:-} != wire ]]; then
      start_external_mongo "$statedir"
      continue
    fi
    run+=("$svc")
  done

  # Installs first, one at a time (apt-get and npm; nothing to do when all is there).
  for svc in "${run[@]}"; do
    if ! "$HERE/$svc.sh" install; then
      svc_log "FAILED to install $svc; stopping the services in $statedir"
      stop_all "$statedir" || true
      exit 1
    fi
  done
  # Then the servers start side by side.
  for svc in "${run[@]}"; do
    "$HERE/$svc.sh" start "$statedir" 2>"$statedir/.$svc.start.err" &
    pids[$svc]=$!
  done
  for svc in "${run[@]}"; do
    wait "${pids[$svc]}" || failed+=("$svc")
    err=$statedir/.$svc.start.err
    if [[ -s $err ]]; then cat "$err" >&2; fi
    rm -f -- "$err"
  done
  if ((${#failed[@]} > 0)); then
    svc_log "FAILED to start ${failed[*]}; stopping the services in $statedir"
    stop_all "$statedir" || true
    exit 1
  fi
  write_services_env "$statedir"
}

cmd_stop() {
  local statedir
  statedir=$(svc_statedir "$1") || return 0
  stop_all "$statedir" || svc_die "some services in $statedir did not stop (state dir kept)"
}

(($# >= 2)) || usage
case $1 in
  start) shift; cmd_start "$@" ;;
  stop) (($# == 2)) || usage; cmd_stop "$2" ;;
  *) usage ;;
esac
