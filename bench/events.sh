#!/usr/bin/env bash
# bench/events.sh: live-event delivery to open pages, within one process and
# relayed to a second process over PostgreSQL LISTEN/NOTIFY, against the
# same-process delivery measured in the same run (bench/events.mjs says how).
#
#   bench/events.sh                     # prints the report, appends it to bench/README.md
#   BENCH_APPEND=0 bench/events.sh      # print only
#
# Starts a throwaway PostgreSQL cluster in /tmp (tests/pg/cluster.sh) and two
# servers on 127.0.0.1; everything is stopped on exit.
# Environment (defaults): BENCH_EVENT_STREAMS=500 (per process),
# BENCH_EVENT_ROUNDS=40 (two events each), BENCH_BIN=build/xiangcun (built
# when the default), BENCH_APPEND=1.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BENCH_BIN:-build/xiangcun}
APPEND=${BENCH_APPEND:-1}
[ -n "${BENCH_BIN:-}" ] || make -s build/xiangcun >&2

PGDIR=$(mktemp -d /tmp/xc-bench-pg.XXXXXX)
rmdir "$PGDIR"
trap 'tests/pg/cluster.sh stop "$PGDIR" >/dev/null 2>&1 || true' EXIT
XC_PG_URL=$(tests/pg/cluster.sh start "$PGDIR")
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
RES=$(XC_PG_URL=$XC_PG_URL XC_BACKEND=pg XC_BIN=$BIN node bench/events.mjs)
jf() { node -e 'const o = JSON.parse(process.argv[1]); console.log(o[process.argv[2]])' "$RES" "$1"; }

CPU=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
PG_V=$(psql -X -A -t "$XC_PG_URL" -c 'SHOW server_version')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
[ -z "$(git status --porcelain -- src 2>/dev/null)" ] || COMMIT="$COMMIT+dirty src"
{
  echo "### $(date -u '+%Y-%m-%d %H:%M UTC') — live events across processes, PostgreSQL, commit $COMMIT"
  echo
  echo "Machine: $(nproc) cores, $CPU, Linux $(uname -r); load average $LOAD_BEFORE before the run. PostgreSQL $PG_V (throwaway cluster, Unix socket); both servers, PostgreSQL and the node client on the same $(nproc) cores."
  echo
  echo '| where the pages are | streams | events | last page had it, p50 ms | p99 ms | ratio (same process ÷ this) |'
  echo '| --- | ---: | ---: | ---: | ---: | ---: |'
  echo "| the process that made the change (ceiling) | $(jf streams) | $(jf events) | $(jf local_p50) | $(jf local_p99) | 1 |"
  echo "| another process, relayed by LISTEN/NOTIFY | $(jf streams) | $(jf events) | $(jf relayed_p50) | $(jf relayed_p99) | **$(jf ratio)** |"
  echo
  echo "- each event: a spot check asked through process A, then cancelled (two events per round), timed from sending the request until the last of the streams had it; the streams are county auditors' (50 per account), the same number on each process"
  echo
} >/tmp/xc-bench-events.md
cat /tmp/xc-bench-events.md
if [ "$APPEND" = 1 ]; then
  cat /tmp/xc-bench-events.md >>bench/README.md
  echo "(appended to bench/README.md)" >&2
fi
rm -f /tmp/xc-bench-events.md
