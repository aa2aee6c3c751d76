#!/usr/bin/env bash
# tests/pg/cluster.sh: a throwaway PostgreSQL cluster for the test suite.
#
#   tests/pg/cluster.sh start DIR   create (or reuse) a cluster in DIR and print
#                                   its connection URL on stdout
#   tests/pg/cluster.sh stop DIR    stop it and remove DIR
#
# The cluster listens only on a Unix socket inside DIR (no TCP), trusts local
# connections, and holds an empty database "xiangcun". Each cluster has its own
# socket directory, so parallel clusters never clash; the port (which only
# names the socket file) is still picked at random and remembered in DIR.
# PostgreSQL refuses to run as root: as root, the server runs as the
# "postgres" OS user. PG_BIN overrides where the server binaries are.
set -euo pipefail

die() { echo "cluster.sh: $*" >&2; exit 1; }

usage() { echo "usage: tests/pg/cluster.sh start|stop DIR" >&2; exit 2; }

MARKER=".xiangcun-test-cluster"

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then
    [ -x "$PG_BIN/pg_ctl" ] || die "PG_BIN=$PG_BIN has no pg_ctl"
    echo "$PG_BIN"; return
  fi
  local d
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ ! -x "$d/pg_ctl" ]; then
    die "no PostgreSQL server under /usr/lib/postgresql/*/bin (install the postgresql package: scripts/deps test)"
  fi
  echo "$d"
}

# Run a server program as the user that owns the cluster.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Percent-encode a path for the query part of a libpq URL.
urlencode() {
  local s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      [A-Za-z0-9/._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

url_for() {
  local dir=$1 port=$2
  printf 'postgresql:///xiangcun?host=%s&port=%s&user=postgres\n' "$(urlencode "$dir")" "$port"
}

is_running() {
  [ -f "$1/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

show_log() {
  [ -f "$1/server.log" ] && tail -n 20 "$1/server.log" >&2
  return 0
}

start() {
  local dir=$1 port
  # A Unix socket path (DIR/.s.PGSQL.NNNNN) is limited to 107 bytes.
  [ $((${#dir} + 18)) -le 107 ] || die "$dir is too long for a Unix socket path; use a shorter one"
  if [ -e "$dir" ] && [ ! -f "$dir/$MARKER" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
    die "$dir exists and is not a test cluster; refusing to use it"
  fi
  mkdir -p "$dir"
  touch "$dir/$MARKER"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (install the postgresql package)"
    chown postgres: "$dir"
    chmod 0755 "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "the postgres user cannot write $dir (is a parent directory closed to it?)"
  fi
  if [ -f "$dir/port" ]; then
    port=$(cat "$dir/port")
  else
    port=$((20000 + RANDOM % 40000))
    echo "$port" >"$dir/port"
  fi

  if is_running "$dir"; then
    url_for "$dir" "$port"; return
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    rm -rf "$dir/data"
    as_pg "$BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
      >"$dir/initdb.log" 2>&1 || { tail -n 20 "$dir/initdb.log" >&2; die "initdb failed (log: $dir/initdb.log)"; }
    cat >>"$dir/data/postgresql.conf" <<CONF
# added by tests/pg/cluster.sh
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
fsync = on
synchronous_commit = on
max_connections = 200
log_min_messages = warning
CONF
  fi
  if [ "$(id -u)" = 0 ]; then touch "$dir/server.log" && chown postgres: "$dir/server.log"; fi
  as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s start >/dev/null 2>&1 ||
    { show_log "$dir"; die "the server did not start (log: $dir/server.log)"; }
  local i
  for ((i = 0; i < 100; i++)); do
    "$BIN/pg_isready" -q -h "$dir" -p "$port" -U postgres && break
    sleep 0.1
  done
  "$BIN/pg_isready" -q -h "$dir" -p "$port" -U postgres || { show_log "$dir"; die "the server is not accepting connections"; }

  local psql=("$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres)
  if [ "$("${psql[@]}" -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'xiangcun'")" != 1 ]; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE xiangcun" >/dev/null ||
      die "could not create database xiangcun"
  fi
  # A role named after the OS user, so plain psql -h DIR -p PORT xiangcun works too.
  local me
  me=$(id -un)
  if [ "$me" != postgres ]; then
    "${psql[@]}" -d postgres -v me="$me" >/dev/null <<'SQL' || die "could not create role $me"
SELECT format('CREATE ROLE %I SUPERUSER LOGIN', :'me')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'me') \gexec
SQL
  fi
  url_for "$dir" "$port"
}

stop() {
  local dir=$1
  [ -e "$dir" ] || return 0
  [ -f "$dir/$MARKER" ] || die "$dir is not a test cluster made by this script; not removing it"
  if is_running "$dir"; then
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >/dev/null 2>&1 ||
      { show_log "$dir"; die "could not stop the server in $dir"; }
  fi
  rm -rf "$dir"
}

[ $# -eq 2 ] || usage
[ -n "$2" ] || usage
BIN=$(find_bin)
DIR=$(realpath -m -- "$2")
[ "$DIR" != / ] || die "refusing to use /"
cd /   # the postgres user may not be able to enter the caller's directory
case "$1" in
  start) start "$DIR" ;;
  stop) stop "$DIR" ;;
  *) usage ;;
esac
