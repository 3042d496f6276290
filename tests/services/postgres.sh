#!/usr/bin/env bash
# Throwaway PostgreSQL server for MlDb tests.
#
#   postgres.sh start        <statedir>  install if missing, initdb, start, create role mldb + db mldb_test
#   postgres.sh stop-server  <statedir>  stop the server, keep its data and port
#   postgres.sh start-server <statedir>  start the stopped server again (same data, same port)
#   postgres.sh stop         <statedir>  stop the server and delete everything it had
#   postgres.sh install                  only install PostgreSQL if it is missing
#
# Binds 127.0.0.1 only, on a free port, with scram-sha-256 password authentication and
# no Unix socket. As root, initdb and the server run as the "postgres" user. Writes
# <statedir>/postgres/service.env (see README.md). Quiet unless something fails.
set -euo pipefail

# shellcheck disable=SC2034 # used by lib.sh
SVC_NAME=postgres
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() { svc_die "usage: postgres.sh start|stop|stop-server|start-server <statedir> | postgres.sh install"; }

PG_BIN=
pg_find_bindir() {
  local d
  if [[ -n ${MLDB_PG_BINDIR:-} ]]; then
    [[ -x $MLDB_PG_BINDIR/initdb ]] || svc_die "MLDB_PG_BINDIR=$MLDB_PG_BINDIR has no initdb"
    PG_BIN=$MLDB_PG_BINDIR
    return 0
  fi
  while IFS= read -r d; do
    if [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres && -x $d/psql ]]; then
      PG_BIN=$d
      return 0
    fi
  done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r)
  return 1
}

# Lists the Debian clusters that are running ("ver/name"), if postgresql-common is there.
pg_online_clusters() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 0
  pg_lsclusters -h 2>/dev/null | awk '$4 ~ /^online/ { print $1 "/" $2 }'
}

pg_ensure_installed() {
  pg_find_bindir && return 0
  local before after c
  before=$(pg_online_clusters)
  svc_apt_install postgresql
  pg_find_bindir || svc_die "PostgreSQL installed, but no initdb/pg_ctl/postgres/psql under /usr/lib/postgresql/*/bin"
  # The package must not leave the distro's own cluster running.
  after=$(pg_online_clusters)
  for c in $after; do
    if [[ " $before " != *" $c "* ]]; then
      svc_as_root pg_ctlcluster "${c%%/*}" "${c#*/}" stop >/dev/null 2>&1 || svc_log "could not stop the distro cluster $c"
    fi
  done
}

STATEDIR='' DIR='' PGROOT='' OWNER=''
pg_load_state() {
  DIR=$STATEDIR/postgres
  PGROOT=$(cat "$DIR/pgroot" 2>/dev/null || true)
  OWNER=$(cat "$DIR/owner" 2>/dev/null || true)
  PG_BIN=$(cat "$DIR/bindir" 2>/dev/null || true)
}

# Runs a command as the user that owns the cluster (root never runs initdb or postgres).
as_owner() {
  if [[ $OWNER == "$(id -un)" ]]; then
    (cd / && "$@")
  else
    (cd / && runuser -u "$OWNER" -- "$@")
  fi
}

pg_pid() {
  local pid
  pid=$(head -n 1 "$PGROOT/data/postmaster.pid" 2>/dev/null) || return 1
  svc_pid_matches "$pid" postgres || return 1
  printf '%s\n' "$pid"
}

pg_running() { [[ -n $PGROOT ]] && pg_pid >/dev/null; }

pg_answers() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(cat "$DIR/port")" -t 2 >/dev/null 2>&1
}

pg_write_conf() {
  local port=$1
  cat >"$PGROOT/data/mldb.conf" <<EOF
# Written by tests/services/postgres.sh: a throwaway test server.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
password_encryption = 'scram-sha-256'
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
lc_messages = 'C'
timezone = 'UTC'
EOF
  chown "$OWNER" "$PGROOT/data/mldb.conf"
  printf '%s\n' "$port" >"$DIR/port"
}

# Starts the server; prints why on failure. Returns 2 when the port was taken.
pg_ctl_start() {
  local offset
  offset=$(stat -c %s "$PGROOT/server.log" 2>/dev/null || echo 0)
  : >"$DIR/pg_ctl.log"
  if as_owner "$PG_BIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 60 -s start >>"$DIR/pg_ctl.log" 2>&1 && pg_answers; then
    return 0
  fi
  if tail -c "+$((offset + 1))" "$PGROOT/server.log" 2>/dev/null |
      grep -qE 'could not bind|Address already in use|could not create any TCP/IP sockets'; then
    return 2
  fi
  return 1
}

pg_fail() {
  svc_show_log "$DIR/pg_ctl.log" 10
  [[ -n $PGROOT ]] && svc_show_log "$PGROOT/server.log" 30
  svc_log "$*"
  cmd_stop >/dev/null 2>&1 || true
  exit 1
}

pg_write_env() {
  local port admin_pw user_pw
  port=$(cat "$DIR/port")
  admin_pw=$(cat "$DIR/admin_password")
  user_pw=$(cat "$DIR/password")
  svc_write_env "$DIR/service.env" \
    "MLDB_TEST_POSTGRES=Host=127.0.0.1;Port=$port;Username=mldb;Password=$user_pw;Database=mldb_test" \
    "MLDB_TEST_POSTGRES_ADMIN=Host=127.0.0.1;Port=$port;Username=postgres;Password=$admin_pw;Database=postgres" \
    "MLDB_TEST_POSTGRES_HOST=127.0.0.1" \
    "MLDB_TEST_POSTGRES_PORT=$port" \
    "MLDB_TEST_POSTGRES_USER=mldb" \
    "MLDB_TEST_POSTGRES_PASSWORD=$user_pw" \
    "MLDB_TEST_POSTGRES_DATABASE=mldb_test" \
    "MLDB_TEST_POSTGRES_ADMIN_USER=postgres" \
    "MLDB_TEST_POSTGRES_ADMIN_PASSWORD=$admin_pw" \
    "MLDB_TEST_POSTGRES_URL=postgresql://mldb:$user_pw@127.0.0.1:$port/mldb_test"
}

cmd_start() {
  STATEDIR=$(svc_statedir "$1" create)
  pg_load_state
  if [[ -s $DIR/service.env && -d $PGROOT/data ]]; then
    # Already initialised: make sure it runs.
    pg_running && pg_answers && return 0
    cmd_start_server
    return 0
  fi
  # A half-made earlier attempt is thrown away.
  if [[ -d $DIR ]]; then cmd_stop; fi
  pg_ensure_installed
  mkdir -p "$DIR"
  printf '%s\n' "$PG_BIN" >"$DIR/bindir"

  if ((EUID == 0)); then
    OWNER=postgres
    if ! id -u postgres >/dev/null 2>&1; then
      useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres ||
        svc_die "cannot create the postgres user"
    fi
    # The postgres user needs to reach its folder inside the state dir.
    chmod go+x "$STATEDIR" "$DIR"
  else
    OWNER=$(id -un)
  fi
  printf '%s\n' "$OWNER" >"$DIR/owner"

  PGROOT=$DIR/pg
  mkdir -p "$PGROOT"
  chown "$OWNER" "$PGROOT"
  chmod 700 "$PGROOT"
  if ! as_owner test -w "$PGROOT" -a -x "$PGROOT"; then
    # A parent of the state dir is closed to the postgres user: keep the cluster in /tmp.
    rmdir "$PGROOT"
    PGROOT=$(mktemp -d "${TMPDIR:-/tmp}/mldb-pg.XXXXXX")
    chown "$OWNER" "$PGROOT"
    chmod 700 "$PGROOT"
    as_owner test -w "$PGROOT" || svc_die "user $OWNER cannot write to $PGROOT"
  fi
  printf '%s\n' "$PGROOT" >"$DIR/pgroot"

  svc_random_hex 16 >"$DIR/admin_password"
  svc_random_hex 16 >"$DIR/password"
  chmod 600 "$DIR/admin_password" "$DIR/password"
  (umask 077 && cp "$DIR/admin_password" "$PGROOT/pwfile")
  chown "$OWNER" "$PGROOT/pwfile"

  if ! as_owner "$PG_BIN/initdb" -D "$PGROOT/data" -U postgres --pwfile="$PGROOT/pwfile" \
      --auth-host=scram-sha-256 --auth-local=peer -E UTF8 --locale=C --no-sync \
      >"$DIR/initdb.log" 2>&1; then
    svc_show_log "$DIR/initdb.log" 30
    svc_log "initdb failed"
    cmd_stop >/dev/null 2>&1 || true
    exit 1
  fi
  rm -f "$PGROOT/pwfile"
  cat >"$PGROOT/data/pg_hba.conf" <<'EOF'
# Written by tests/services/postgres.sh: password (scram) logins over 127.0.0.1 only.
# TYPE  DATABASE  USER  ADDRESS       METHOD
host    all       all   127.0.0.1/32  scram-sha-256
EOF
  chown "$OWNER" "$PGROOT/data/pg_hba.conf"
  printf "\ninclude 'mldb.conf'\n" >>"$PGROOT/data/postgresql.conf"

  local attempt rc
  for attempt in 1 2 3; do
    svc_free_port
    pg_write_conf "$SVC_PORT"
    rc=0
    pg_ctl_start || rc=$?
    ((rc == 0)) && break
    ((rc == 2 && attempt < 3)) || pg_fail "PostgreSQL did not start"
  done

  local admin_pw user_pw
  admin_pw=$(cat "$DIR/admin_password")
  user_pw=$(cat "$DIR/password")
  if ! PGPASSWORD=$admin_pw PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
      -h 127.0.0.1 -p "$(cat "$DIR/port")" -U postgres -d postgres \
      -c "CREATE ROLE mldb LOGIN PASSWORD '$user_pw'" \
      -c "CREATE DATABASE mldb_test OWNER mldb" >"$DIR/bootstrap.log" 2>&1; then
    svc_show_log "$DIR/bootstrap.log" 20
    pg_fail "could not create role mldb and database mldb_test"
  fi
  pg_write_env
}

cmd_stop_server() {
  STATEDIR=$(svc_statedir "${1:-$STATEDIR}") || return 0
  pg_load_state
  [[ -n $PGROOT && -d $PGROOT/data ]] || return 0
  local pid
  pid=$(pg_pid) || return 0
  if ! as_owner "$PG_BIN/pg_ctl" -D "$PGROOT/data" -m fast -w -t 30 -s stop >/dev/null 2>&1; then
    as_owner "$PG_BIN/pg_ctl" -D "$PGROOT/data" -m immediate -w -t 10 -s stop >/dev/null 2>&1 || true
  fi
  svc_kill "$pid" postgres || svc_die "PostgreSQL (pid $pid) did not stop"
}

cmd_start_server() {
  if [[ -z $STATEDIR ]]; then
    STATEDIR=$(svc_statedir "$1") || svc_die "no state in $1: run 'postgres.sh start' first"
    pg_load_state
  fi
  [[ -n $PGROOT && -d $PGROOT/data && -s $DIR/port ]] || svc_die "no PostgreSQL in $STATEDIR: run 'postgres.sh start' first"
  if pg_running; then
    return 0
  fi
  local rc=0
  pg_ctl_start || rc=$?
  if ((rc != 0)); then
    svc_show_log "$DIR/pg_ctl.log" 10
    svc_show_log "$PGROOT/server.log" 30
    ((rc == 2)) && svc_die "port $(cat "$DIR/port") is taken by another process; PostgreSQL cannot restart on it"
    svc_die "PostgreSQL did not restart"
  fi
}

cmd_stop() {
  STATEDIR=$(svc_statedir "${1:-$STATEDIR}") || return 0
  pg_load_state
  [[ -d $DIR ]] || return 0
  cmd_stop_server "$STATEDIR"
  if [[ -n $PGROOT && $PGROOT != "$DIR"/* && -d $PGROOT && $(basename -- "$PGROOT") == mldb-pg.* ]]; then
    rm -rf -- "$PGROOT"
  fi
  rm -rf -- "$DIR"
  svc_remove_statedir_if_empty "$STATEDIR"
}

if [[ ${1:-} == install && $# == 1 ]]; then
  pg_ensure_installed
  exit 0
fi
(($# == 2)) || usage
case $1 in
  start) cmd_start "$2" ;;
  stop) cmd_stop "$2" ;;
  stop-server) cmd_stop_server "$2" ;;
  start-server) cmd_start_server "$2" ;;
  *) usage ;;
esac
