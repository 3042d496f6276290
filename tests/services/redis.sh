#!/usr/bin/env bash
# Throwaway Redis servers for MlDb tests.
#
#   redis.sh start        <statedir>             install if missing, start all five servers, form the cluster
#   redis.sh stop-server  <statedir> [which...]  stop servers, keep their ports and config
#   redis.sh start-server <statedir> [which...]  start them again on the same ports
#   redis.sh stop         <statedir>             stop everything and delete its files
#   redis.sh install                             only install redis-server/redis-cli if missing
#
# Servers ("which": standalone, auth, cluster; default all):
#   standalone  no password, persistence off (save '', appendonly no)
#   auth        same, but requirepass <generated password>
#   cluster     three primaries (cluster-enabled yes, --cluster-replicas 0), no password,
#               persistence off; each node has its own nodes.conf in the state dir
# All bind 127.0.0.1 on free ports. Writes <statedir>/redis/service.env (see README.md).
set -euo pipefail

# shellcheck disable=SC2034 # used by lib.sh
SVC_NAME=redis
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() { svc_die "usage: redis.sh start|stop|stop-server|start-server <statedir> [standalone|auth|cluster]... | redis.sh install"; }

ALL_INSTANCES=(standalone auth cluster1 cluster2 cluster3)
CLUSTER_NODES=(cluster1 cluster2 cluster3)

redis_running_distro() {
  local pid
  pid=$(cat /run/redis/redis-server.pid 2>/dev/null) || return 1
  svc_pid_matches "$pid" redis-server && printf '%s\n' "$pid"
}

redis_ensure_installed() {
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return 0
  local before after
  before=$(redis_running_distro || true)
  svc_apt_install redis-server redis-tools
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    svc_die "redis-server/redis-cli still missing after apt-get install"
  fi
  # The package must not leave the distro's own server running on 6379.
  after=$(redis_running_distro || true)
  if [[ -n $after && $after != "$before" ]]; then
    if [[ -x /etc/init.d/redis-server ]]; then
      svc_as_root /etc/init.d/redis-server stop >/dev/null 2>&1 || true
    fi
    if svc_pid_matches "$after" redis-server; then
      svc_as_root kill "$after" 2>/dev/null || true
    fi
  fi
}

STATEDIR='' DIR=''
redis_load_state() { DIR=$STATEDIR/redis; }

inst_dir() { printf '%s/%s\n' "$DIR" "$1"; }
inst_port() { cat "$(inst_dir "$1")/port"; }

# redis-cli against one instance (password from the state dir for "auth").
rcli() {
  local inst=$1 d
  shift
  d=$(inst_dir "$inst")
  if [[ -s $d/password ]]; then
    REDISCLI_AUTH=$(cat "$d/password") timeout 5 redis-cli -h 127.0.0.1 -p "$(inst_port "$inst")" "$@"
  else
    timeout 5 redis-cli -h 127.0.0.1 -p "$(inst_port "$inst")" "$@"
  fi
}

inst_pid() {
  local pid
  pid=$(cat "$(inst_dir "$1")/redis.pid" 2>/dev/null) || return 1
  svc_pid_matches "$pid" redis-server || return 1
  printf '%s\n' "$pid"
}

inst_answers() { [[ $(rcli "$1" ping 2>/dev/null) == PONG ]]; }

inst_write_conf() {
  local inst=$1 port=$2 d
  d=$(inst_dir "$inst")
  mkdir -p "$d"
  {
    echo "# Written by tests/services/redis.sh: a throwaway test server ($inst)."
    echo "bind 127.0.0.1"
    echo "port $port"
    echo "protected-mode yes"
    echo "daemonize yes"
    echo "pidfile \"$d/redis.pid\""
    echo "logfile \"$d/redis.log\""
    echo "loglevel warning"
    echo "dir \"$d\""
    echo "save \"\""
    echo "appendonly no"
    if [[ -s $d/password ]]; then
      echo "requirepass $(cat "$d/password")"
    fi
    if [[ $inst == cluster* ]]; then
      echo "cluster-enabled yes"
      echo "cluster-config-file \"$d/nodes.conf\""
      echo "cluster-node-timeout 3000"
    fi
  } >"$d/redis.conf"
  chmod 600 "$d/redis.conf"
  printf '%s\n' "$port" >"$d/port"
}

# Starts one instance and waits until it answers PING. Returns 2 when its port was taken.
inst_start() {
  local inst=$1 d offset i
  d=$(inst_dir "$inst")
  offset=$(stat -c %s "$d/redis.log" 2>/dev/null || echo 0)
  if ! inst_pid "$inst" >/dev/null; then
    redis-server "$d/redis.conf" >>"$d/start.log" 2>&1 || return 1
  fi
  for ((i = 0; i < 600; i++)); do
    inst_answers "$inst" && return 0
    if tail -c "+$((offset + 1))" "$d/redis.log" 2>/dev/null | grep -qE 'Address already in use|Failed listening'; then
      return 2
    fi
    sleep 0.05
  done
  return 1
}

inst_fail() {
  local inst=$1 d
  d=$(inst_dir "$inst")
  svc_show_log "$d/start.log" 10
  svc_show_log "$d/redis.log" 20
  svc_log "Redis server '$inst' did not start"
  cmd_stop >/dev/null 2>&1 || true
  exit 1
}

# Stops one instance (SHUTDOWN NOSAVE, then signals); keeps its files.
inst_stop() {
  local inst=$1 d pid
  d=$(inst_dir "$inst")
  [[ -s $d/port ]] || return 0
  pid=$(inst_pid "$inst") || pid=
  if [[ -n $pid ]] || inst_answers "$inst"; then
    rcli "$inst" shutdown nosave >/dev/null 2>&1 || true
  fi
  if [[ -n $pid ]]; then
    svc_wait_gone "$pid" redis-server 10 || svc_kill "$pid" redis-server ||
      svc_die "Redis server '$inst' (pid $pid) did not stop"
  fi
  rm -f "$d/redis.pid"
}

cluster_state_ok() {
  local n
  for n in "${CLUSTER_NODES[@]}"; do
    rcli "$n" cluster info 2>/dev/null | tr -d '\r' | grep -qx 'cluster_state:ok' || return 1
  done
}

cluster_wait_ok() {
  local i
  for ((i = 0; i < 600; i++)); do
    cluster_state_ok && return 0
    sleep 0.1
  done
  return 1
}

cluster_formed() {
  rcli cluster1 cluster info 2>/dev/null | tr -d '\r' | grep -qx 'cluster_slots_assigned:16384'
}

cluster_create() {
  local addrs=() n
  for n in "${CLUSTER_NODES[@]}"; do addrs+=("127.0.0.1:$(inst_port "$n")"); done
  if ! timeout 60 redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes \
      >"$DIR/cluster-create.log" 2>&1; then
    svc_show_log "$DIR/cluster-create.log" 30
    svc_log "redis-cli --cluster create failed"
    cmd_stop >/dev/null 2>&1 || true
    exit 1
  fi
}

redis_write_env() {
  local cluster=() n
  for n in "${CLUSTER_NODES[@]}"; do cluster+=("127.0.0.1:$(inst_port "$n")"); done
  svc_write_env "$DIR/service.env" \
    "MLDB_TEST_REDIS=127.0.0.1:$(inst_port standalone)" \
    "MLDB_TEST_REDIS_AUTH=127.0.0.1:$(inst_port auth)" \
    "MLDB_TEST_REDIS_PASSWORD=$(cat "$(inst_dir auth)/password")" \
    "MLDB_TEST_REDIS_CLUSTER=$(IFS=,; echo "${cluster[*]}")"
}

# Expands the user's "which" words into instance names.
INSTANCES=()
select_instances() {
  INSTANCES=()
  (($# == 0)) && { INSTANCES=("${ALL_INSTANCES[@]}"); return 0; }
  local w
  for w in "$@"; do
    case $w in
      standalone | auth) INSTANCES+=("$w") ;;
      cluster) INSTANCES+=("${CLUSTER_NODES[@]}") ;;
      *) usage ;;
    esac
  done
}

cmd_start() {
  STATEDIR=$(svc_statedir "$1" create)
  redis_load_state
  if [[ -s $DIR/service.env ]]; then
    # Already set up: make sure everything runs.
    cmd_start_server
    return 0
  fi
  if [[ -d $DIR ]]; then cmd_stop; fi
  redis_ensure_installed
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  mkdir -p "$(inst_dir auth)"
  svc_random_hex 16 >"$(inst_dir auth)/password"
  chmod 600 "$(inst_dir auth)/password"

  local inst attempt rc bus
  for inst in "${ALL_INSTANCES[@]}"; do
    bus=
    [[ $inst == cluster* ]] && bus=bus
    for attempt in 1 2 3; do
      svc_free_port $bus
      inst_write_conf "$inst" "$SVC_PORT"
      rc=0
      inst_start "$inst" || rc=$?
      ((rc == 0)) && break
      ((rc == 2 && attempt < 3)) || inst_fail "$inst"
    done
  done
  cluster_create
  if ! cluster_wait_ok; then
    for inst in "${CLUSTER_NODES[@]}"; do svc_show_log "$(inst_dir "$inst")/redis.log" 10; done
    svc_log "Redis Cluster did not reach cluster_state:ok within 60 s"
    cmd_stop >/dev/null 2>&1 || true
    exit 1
  fi
  redis_write_env
}

cmd_stop_server() {
  STATEDIR=$(svc_statedir "${1:-$STATEDIR}") || return 0
  redis_load_state
  [[ -d $DIR ]] || return 0
  shift || true
  select_instances "$@"
  local inst
  for inst in "${INSTANCES[@]}"; do inst_stop "$inst"; done
}

cmd_start_server() {
  if (($# > 0)); then
    STATEDIR=$(svc_statedir "$1") || svc_die "no state in $1: run 'redis.sh start' first"
    shift
  fi
  redis_load_state
  [[ -s $DIR/service.env ]] || svc_die "no Redis in $STATEDIR: run 'redis.sh start' first"
  select_instances "$@"
  local inst rc restart_cluster=''
  for inst in "${INSTANCES[@]}"; do
    rc=0
    inst_start "$inst" || rc=$?
    if ((rc != 0)); then
      svc_show_log "$(inst_dir "$inst")/redis.log" 20
      ((rc == 2)) && svc_die "port $(inst_port "$inst") of Redis server '$inst' is taken by another process"
      svc_die "Redis server '$inst' did not restart"
    fi
    [[ $inst == cluster* ]] && restart_cluster=1
  done
  if [[ -n $restart_cluster ]] && ! cluster_wait_ok; then
    svc_die "Redis Cluster did not return to cluster_state:ok within 60 s"
  fi
}

cmd_stop() {
  STATEDIR=$(svc_statedir "${1:-$STATEDIR}") || return 0
  redis_load_state
  [[ -d $DIR ]] || return 0
  local inst
  for inst in "${ALL_INSTANCES[@]}"; do inst_stop "$inst"; done
  rm -rf -- "$DIR"
  svc_remove_statedir_if_empty "$STATEDIR"
}

if [[ ${1:-} == install && $# == 1 ]]; then
  redis_ensure_installed
  exit 0
fi
(($# >= 2)) || usage
cmd=$1
shift
case $cmd in
  start) (($# == 1)) || usage; cmd_start "$1" ;;
  stop) (($# == 1)) || usage; cmd_stop "$1" ;;
  stop-server) cmd_stop_server "$@" ;;
  start-server) cmd_start_server "$@" ;;
  *) usage ;;
esac
