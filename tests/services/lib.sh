# shellcheck shell=bash
# Shared helpers for tests/services/*.sh (sourced, not run).
# Every helper is quiet on success; failures go to stderr prefixed with "$SVC_NAME:".

SVC_NAME=${SVC_NAME:-services}
SVC_MARKER=.mldb-test-services
# Ports handed out by this process, so one start never uses a port twice.
SVC_TAKEN_PORTS=" "

svc_log() { printf '%s: %s\n' "$SVC_NAME" "$*" >&2; }
svc_die() { svc_log "$*"; exit 1; }

# Prints the last lines of a log file to stderr (used when a server fails to start).
svc_show_log() {
  local file=$1 lines=${2:-30}
  if [[ -s $file ]]; then
    printf '%s: --- last %s lines of %s ---\n' "$SVC_NAME" "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2 || true
    printf '%s: ---\n' "$SVC_NAME" >&2
  fi
}

# svc_statedir DIR [create]: prints DIR as an absolute path; with "create", makes it
# (and its marker file, which lets "stop" delete it) when missing.
svc_statedir() {
  local dir=$1 create=${2:-}
  [[ -n $dir ]] || svc_die "a state directory argument is required"
  local bad=$'[\'"$`\\]' # any of: ' " $ ` \
  if [[ $dir =~ $bad || $dir == *$'\n'* ]]; then
    svc_die "state directory must not contain quotes, \$, \` or \\: $dir"
  fi
  if [[ -n $create ]]; then
    mkdir -p -- "$dir"
    [[ -e $dir/$SVC_MARKER ]] || : >"$dir/$SVC_MARKER"
  fi
  [[ -d $dir ]] || return 1
  (cd -- "$dir" && pwd -P)
}

# Removes a state directory, but only one that these scripts created (marker file),
# and never the root or a home directory.
svc_remove_statedir() {
  local dir=$1
  [[ -d $dir ]] || return 0
  case $dir in / | /root | /home | /tmp | "${HOME:-/nonexistent}") return 0 ;; esac
  if [[ -e $dir/$SVC_MARKER ]]; then
    rm -rf -- "$dir"
  fi
}

# Random lowercase hex string of 2*N characters (safe in URLs, connection strings, env files).
svc_random_hex() { head -c "${1:-16}" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# True when something on this machine uses TCP port $1 (listening or connected).
svc_port_in_use() {
  local port=$1
  if command -v ss >/dev/null 2>&1; then
    [[ -n $(ss -Htan "( sport = :$port )" 2>/dev/null) ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

# svc_free_port [bus]: sets SVC_PORT to an unused port in 20000-22767, below the kernel's
# ephemeral range (32768+) so that outgoing connections do not grab it. With "bus",
# port+10000 (a Redis Cluster bus port, 30000-32767) must be free as well.
svc_free_port() {
  local bus=${1:-} port tries=0
  while ((tries++ < 500)); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 2768))
    [[ $SVC_TAKEN_PORTS == *" $port "* ]] && continue
    svc_port_in_use "$port" && continue
    if [[ -n $bus ]]; then
      [[ $SVC_TAKEN_PORTS == *" $((port + 10000)) "* ]] && continue
      svc_port_in_use $((port + 10000)) && continue
      SVC_TAKEN_PORTS+="$((port + 10000)) "
    fi
    SVC_TAKEN_PORTS+="$port "
    # shellcheck disable=SC2034 # read by the scripts that source this file
    SVC_PORT=$port
    return 0
  done
  svc_die "no free TCP port found in 20000-22767"
}

# True when process $1 is alive and its command line contains $2.
svc_pid_matches() {
  local pid=$1 pattern=$2 cmdline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$pattern"* ]]
}

# svc_wait_gone PID PATTERN SECONDS: waits for the process to exit; false on timeout.
svc_wait_gone() {
  local pid=$1 pattern=$2 secs=$3 i
  for ((i = 0; i < secs * 10; i++)); do
    svc_pid_matches "$pid" "$pattern" || return 0
    sleep 0.1
  done
  ! svc_pid_matches "$pid" "$pattern"
}

# svc_kill PID PATTERN: SIGTERM, then SIGKILL after 10 s. Only touches a process whose
# command line contains PATTERN, so a recycled pid is never killed.
svc_kill() {
  local pid=$1 pattern=$2
  svc_pid_matches "$pid" "$pattern" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  svc_wait_gone "$pid" "$pattern" 10 && return 0
  kill -KILL "$pid" 2>/dev/null || true
  svc_wait_gone "$pid" "$pattern" 5
}

# Runs a command as root (directly, or through passwordless sudo).
svc_as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    svc_die "root (or passwordless sudo) is needed to run: $*"
  fi
}

# svc_apt_install PKG...: installs Debian packages non-interactively. A temporary
# /usr/sbin/policy-rc.d (exit 101) keeps the packages' own services from starting
# while they install; it is removed afterwards unless it was already there.
svc_apt_install() {
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/mldb-apt.XXXXXX")
  if ! svc_as_root bash -c '
      set -uo pipefail
      log=$1; shift
      policy=/usr/sbin/policy-rc.d
      if [[ ! -e $policy ]]; then
        trap "rm -f $policy" EXIT
        printf "#!/bin/sh\nexit 101\n" >"$policy" && chmod 755 "$policy"
      fi
      export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a
      opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=600
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
      apt-get install "${opts[@]}" "$@" >>"$log" 2>&1 && exit 0
      apt-get update -q -o DPkg::Lock::Timeout=600 >>"$log" 2>&1
      apt-get install "${opts[@]}" "$@" >>"$log" 2>&1
    ' svc-apt "$log" "$@"; then
    svc_show_log "$log" 40
    rm -f "$log"
    svc_die "apt-get install $* failed"
  fi
  rm -f "$log"
}

# svc_write_env FILE NAME=VALUE...: writes KEY='value' lines (read by bash with
# `set -a; . FILE` and by PowerShell/C# by stripping the single quotes).
svc_write_env() {
  local file=$1 kv tmp
  shift
  tmp="$file.tmp.$$"
  : >"$tmp"
  for kv in "$@"; do
    case ${kv#*=} in
      *"'"* | *$'\n'*) rm -f "$tmp"; svc_die "value of ${kv%%=*} contains a quote or newline" ;;
    esac
    printf "%s='%s'\n" "${kv%%=*}" "${kv#*=}" >>"$tmp"
  done
  chmod 600 "$tmp"
  mv -f "$tmp" "$file"
}

# After one service's "stop": removes the state dir when nothing but the marker is left.
svc_remove_statedir_if_empty() {
  local dir=$1 entries
  [[ -d $dir && -e $dir/$SVC_MARKER ]] || return 0
  entries=$(find "$dir" -mindepth 1 -maxdepth 1 ! -name "$SVC_MARKER" -print -quit)
  [[ -z $entries ]] && svc_remove_statedir "$dir"
  return 0
}
