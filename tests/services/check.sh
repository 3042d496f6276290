#!/usr/bin/env bash
# End-to-end check of tests/services: start all services, connect to each one, stop and
# restart each server, stop everything, and verify that no process is left and every port
# is free. Prints timings and a closing "N passed, N failed" line; exit code 1 on failure.
#
#   tests/services/check.sh [statedir]     (default: a new folder under ${TMPDIR:-/tmp})
set -euo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck disable=SC2034 # used by lib.sh
SVC_NAME=check
# shellcheck source=lib.sh
. "$HERE/lib.sh"
STATEDIR=${1:-$(mktemp -d "${TMPDIR:-/tmp}/mldb-services-check.XXXXXX")}
passed=0 failed=0

check() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $what" >&2
  fi
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

port_of() { printf '%s' "${1##*:}"; }
listening() {
  if command -v ss >/dev/null 2>&1; then
    [[ -n $(ss -Htln "( sport = :$1 )" 2>/dev/null) ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}
only_loopback() { ! command -v ss >/dev/null 2>&1 || [[ -z $(ss -Htln "( sport = :$1 )" | grep -v '127.0.0.1:') ]]; }
pong() { [[ $(timeout 5 redis-cli -h 127.0.0.1 -p "$1" "${@:2}" ping 2>&1) == PONG ]]; }
noauth() { timeout 5 redis-cli -h 127.0.0.1 -p "$1" ping 2>&1 | grep -q NOAUTH; }
cluster_ok() { timeout 5 redis-cli -h 127.0.0.1 -p "$1" cluster info | tr -d '\r' | grep -qx 'cluster_state:ok'; }
cluster_roundtrip() {
  [[ $(timeout 5 redis-cli -c -h 127.0.0.1 -p "$1" set "mldb:check:$2" v) == OK ]] &&
    [[ $(timeout 5 redis-cli -c -h 127.0.0.1 -p "$1" get "mldb:check:$2") == v ]]
}
pg_user_ok() {
  PGPASSWORD=$MLDB_TEST_POSTGRES_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -qAt -h "$MLDB_TEST_POSTGRES_HOST" \
    -p "$MLDB_TEST_POSTGRES_PORT" -U "$MLDB_TEST_POSTGRES_USER" -d "$MLDB_TEST_POSTGRES_DATABASE" \
    -c "$1" | grep -qx "$2"
}
pg_admin_is_superuser() {
  PGPASSWORD=$MLDB_TEST_POSTGRES_ADMIN_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -qAt -h 127.0.0.1 \
    -p "$MLDB_TEST_POSTGRES_PORT" -U "$MLDB_TEST_POSTGRES_ADMIN_USER" -d postgres \
    -c "select rolsuper from pg_roles where rolname = current_user" | grep -qx t
}
pg_wrong_password_refused() {
  ! PGPASSWORD=wrong PGCONNECT_TIMEOUT=5 psql -X -qAt -h 127.0.0.1 -p "$MLDB_TEST_POSTGRES_PORT" \
    -U mldb -d mldb_test -c 'select 1'
}
mongo_ping() { node "$(cat "$STATEDIR/mongo/install")/ping.mjs" "$MLDB_TEST_MONGO" 3000; }
not() { ! "$@"; }
no_process() {
  local pid
  for pid in "$@"; do
    # A zombie (already exited, not yet reaped by init) has an empty command line.
    [[ -z $(tr -d '\0' <"/proc/$pid/cmdline" 2>/dev/null) ]] || return 1
  done
}

t0=$(now)
"$HERE/services.sh" start "$STATEDIR"
t_start=$(elapsed "$t0")

set -a
# shellcheck disable=SC1091
. "$STATEDIR/services.env"
set +a

check "services.env names the state dir" test "$MLDB_TEST_SERVICES_DIR" = "$(cd "$STATEDIR" && pwd -P)"
check "PostgreSQL: mldb logs in with its password into mldb_test" pg_user_ok "select current_user || '@' || current_database()" "mldb@mldb_test"
check "PostgreSQL: mldb can create a table" pg_user_ok "create table check_t(x int); insert into check_t values (7); select x from check_t" 7
check "PostgreSQL: the admin connection is a superuser" pg_admin_is_superuser
check "PostgreSQL: a wrong password is refused" pg_wrong_password_refused
check "PostgreSQL: listens on 127.0.0.1 only" only_loopback "$MLDB_TEST_POSTGRES_PORT"
check "Redis standalone: PING" pong "$(port_of "$MLDB_TEST_REDIS")"
check "Redis auth: PING without password is refused" noauth "$(port_of "$MLDB_TEST_REDIS_AUTH")"
check "Redis auth: PING with the password" pong "$(port_of "$MLDB_TEST_REDIS_AUTH")" -a "$MLDB_TEST_REDIS_PASSWORD" --no-auth-warning
IFS=, read -r -a cluster <<<"$MLDB_TEST_REDIS_CLUSTER"
check "Redis Cluster: three nodes listed" test "${#cluster[@]}" -eq 3
for node in "${cluster[@]}"; do
  check "Redis Cluster $node: PING" pong "$(port_of "$node")"
  check "Redis Cluster $node: cluster_state:ok" cluster_ok "$(port_of "$node")"
done
for key in a b c d e f; do
  check "Redis Cluster: SET/GET $key through redirects" cluster_roundtrip "$(port_of "${cluster[0]}")" "$key"
done
if [[ $MLDB_TEST_MONGO_KIND == wire ]]; then
  check "MongoDB wire server: ping" mongo_ping
  check "MongoDB wire server: probe (all supported features work)" "$HERE/mongo.sh" probe "$STATEDIR"
fi

# Stop and restart each server, as tests that cut a server mid-load do.
t1=$(now)
"$HERE/postgres.sh" stop-server "$STATEDIR"
check "PostgreSQL: port closed after stop-server" not listening "$MLDB_TEST_POSTGRES_PORT"
"$HERE/postgres.sh" start-server "$STATEDIR"
check "PostgreSQL: data kept across stop-server/start-server" pg_user_ok "select x from check_t" 7
"$HERE/redis.sh" stop-server "$STATEDIR"
check "Redis: standalone port closed after stop-server" not listening "$(port_of "$MLDB_TEST_REDIS")"
"$HERE/redis.sh" start-server "$STATEDIR"
check "Redis standalone: PING after restart" pong "$(port_of "$MLDB_TEST_REDIS")"
check "Redis Cluster: cluster_state:ok after restart" cluster_ok "$(port_of "${cluster[1]}")"
if [[ $MLDB_TEST_MONGO_KIND == wire ]]; then
  "$HERE/mongo.sh" stop-server "$STATEDIR"
  check "MongoDB wire server: refuses connections when stopped" bash -c "! node '$(cat "$STATEDIR/mongo/install")/ping.mjs' '$MLDB_TEST_MONGO' 500"
  "$HERE/mongo.sh" start-server "$STATEDIR"
  check "MongoDB wire server: ping after restart" mongo_ping
fi
t_restart=$(elapsed "$t1")

# Everything that runs now must be gone after stop.
pids=()
pg_pid=$(head -n 1 "$(cat "$STATEDIR/postgres/pgroot")/data/postmaster.pid")
pids+=("$pg_pid")
for f in "$STATEDIR"/redis/*/redis.pid "$STATEDIR"/mongo/server.pid; do
  [[ -s $f ]] && pids+=("$(cat "$f")")
done
ports=("$MLDB_TEST_POSTGRES_PORT" "$(port_of "$MLDB_TEST_REDIS")" "$(port_of "$MLDB_TEST_REDIS_AUTH")")
for node in "${cluster[@]}"; do ports+=("$(port_of "$node")" $(($(port_of "$node") + 10000))); done
[[ $MLDB_TEST_MONGO_KIND == wire ]] && ports+=("$(printf '%s' "$MLDB_TEST_MONGO" | sed -E 's#^mongodb://[^/]*:([0-9]+)/.*#\1#')")

t2=$(now)
"$HERE/services.sh" stop "$STATEDIR"
t_stop=$(elapsed "$t2")

check "stop: the state dir is gone" test ! -e "$STATEDIR"
check "stop: no server process is left (pids ${pids[*]})" no_process "${pids[@]}"
for port in "${ports[@]}"; do
  check "stop: port $port is free" not listening "$port"
done
check "stop: a second stop is a no-op" "$HERE/services.sh" stop "$STATEDIR"

echo "timings: start ${t_start}s, stop-server/start-server round ${t_restart}s, stop ${t_stop}s"
echo "services: $passed passed, $failed failed"
((failed == 0))
