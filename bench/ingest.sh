#!/usr/bin/env bash
# bench/ingest.sh: OsmAnd / Traccar Client ingest throughput in durable points
# per second, against a ceiling measured in the same run. bench/run calls it
# after its own server has stopped (BENCH_INGEST=0 skips it); it also runs on
# its own:
#
#   bench/ingest.sh                      # prints the report, appends it to bench/README.md
#   BENCH_APPEND=0 bench/ingest.sh       # print only
#   BENCH_BACKEND=pg bench/ingest.sh     # the server on a throwaway PostgreSQL cluster
#
#  1. A throwaway data folder: `xiangcun migrate` + `xiangcun demo`, plus
#     BENCH_INGEST_DEVICES generated secretaries spread over the demo's villages
#     (SQL, reusing the demo admin's password hash, as bench/gen.mjs does).
#  2. `xiangcun serve` on 127.0.0.1 with the OsmAnd listener
#     (XIANGCUN_OSMAND_LISTEN) on another loopback port. bench/ingest-setup.mjs
#     draws a 1.5 km geofence around each village (admin) and has each
#     secretary sign in and register one phone (POST /api/v1/duty/devices).
#  3. The ceiling (bench/ingest_ceiling.c, built here against the system
#     SQLite and libsodium), on a copy of the server's database while the server
#     is idle: the same INSERT into checkin with a freshly encrypted position of
#     the same size, the server's pragmas, one transaction per point; and once a
#     batched reference, 1000 points per transaction (BENCH_INGEST_BATCH_POINTS;
#     0 skips it).
#  4. Per form in BENCH_INGEST_FORMS — `get` (OsmAnd query string), `json`
#     (Traccar Client 9 body), `form` (form-encoded POST) — a warm-up, then
#     BENCH_INGEST_ROUNDS rounds of: the ceiling for BENCH_DURATION/ROUNDS s,
#     then wrk (bench/osmand.lua, BENCH_CONNECTIONS connections) against the
#     listener for as long. The disk's flush rate drifts within seconds on a
#     shared VM; interleaving gives both sides the same conditions. Durable
#     points = rows added to `checkin` while wrk ran (counted in the database,
#     not from wrk's answers).
#
# Prints a markdown section (machine, versions, table, notes) on stdout,
# progress on stderr. Only 127.0.0.1 is targeted; everything started here is
# stopped and the folder removed on exit.
#
# Environment (defaults): BENCH_INGEST_DEVICES=200, BENCH_INGEST_FORMS="get json",
# BENCH_INGEST_CEILING_POINTS=1000000 (at most per ceiling round; each stops
# after its slice), BENCH_INGEST_BATCH_POINTS=200000,
# BENCH_DURATION=10 (seconds of wrk per form, as much again for the ceiling),
# BENCH_INGEST_ROUNDS=5, BENCH_WARMUP=2, BENCH_THREADS=2, BENCH_CONNECTIONS=64,
# BENCH_TIMEOUT=30, BENCH_BACKEND=sqlite, BENCH_BIN=build/xiangcun (built when
# the default), BENCH_ACCESS_LOG=1, BENCH_APPEND=1, BENCH_KEEP=0.
set -euo pipefail
cd "$(dirname "$0")/.."

DEVICES=${BENCH_INGEST_DEVICES:-200}
FORMS=${BENCH_INGEST_FORMS:-get json}
CEIL_POINTS=${BENCH_INGEST_CEILING_POINTS:-1000000}
BATCH_POINTS=${BENCH_INGEST_BATCH_POINTS:-200000}
DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_INGEST_ROUNDS:-5}
WARMUP=${BENCH_WARMUP:-2}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
TIMEOUT=${BENCH_TIMEOUT:-30}
BACKEND=${BENCH_BACKEND:-sqlite}
BIN=${BENCH_BIN:-build/xiangcun}
APPEND=${BENCH_APPEND:-1}
PASSWORD='Bench#Pass2026'
RADIUS_M=1500

die() { echo "bench/ingest.sh: $*" >&2; exit 1; }
log() { printf '== ingest: %s\n' "$*" >&2; }
for c in wrk curl node cc sqlite3; do command -v "$c" >/dev/null || die "$c is missing (scripts/deps bench)"; done
case "$BACKEND" in sqlite | pg) ;; *) die "BENCH_BACKEND is sqlite or pg" ;; esac
[ "$DURATION" -ge 1 ] && [ "$ROUNDS" -ge 1 ] || die "BENCH_DURATION and BENCH_INGEST_ROUNDS must be at least 1"
[ "$ROUNDS" -le "$DURATION" ] || ROUNDS=$DURATION   # slices of at least 1 s
SLICE=$((DURATION / ROUNDS))
for f in $FORMS; do case "$f" in get | json | form) ;; *) die "BENCH_INGEST_FORMS: get, json or form, not $f" ;; esac; done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$BIN" = build/xiangcun ]; then make --no-print-directory -j"$(nproc)" all >/dev/null; fi
[ -x "$BIN" ] || die "no binary at $BIN"

TMP=$(mktemp -d /tmp/xc-ingest.XXXXXX)
chmod 755 "$TMP"   # PostgreSQL runs as the postgres user when started as root
cp "$BIN" "$TMP/xiangcun"   # a private copy: another build must not swap it mid-run
BIN=$TMP/xiangcun
SRV_PID="" SAMPLER_PID="" PG_STARTED=""
cleanup() {
  local rc=$?
  for p in $SAMPLER_PID $SRV_PID; do kill "$p" 2>/dev/null || true; done
  for p in $SAMPLER_PID $SRV_PID; do wait "$p" 2>/dev/null || true; done
  [ -z "$PG_STARTED" ] || tests/pg/cluster.sh stop "$TMP/pg" >/dev/null 2>&1 || true
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench/ingest.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
ms() { local ns; ns=$(date +%s%N); echo $((ns / 1000000)); }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
jf() { node -e "const j=JSON.parse(process.argv[1]);const v=j$2;console.log(v===undefined||v===null?'':typeof v==='object'?JSON.stringify(v):v)" "$1"; }

# ---------------------------------------------------------------- data
log "build the ceiling program"
cc -O2 -std=c11 -Wall -Wextra -Werror bench/ingest_ceiling.c -lsqlite3 -lsodium -o "$TMP/ingest_ceiling" ||
  die "cannot build bench/ingest_ceiling.c (libsqlite3-dev, libsodium-dev)"

export XIANGCUN_DATA_DIR=$TMP/data
export XIANGCUN_DEMO_PASSWORD=$PASSWORD
export XIANGCUN_ACCESS_LOG=${BENCH_ACCESS_LOG:-1}
export XIANGCUN_PER_IP_LIMIT=100000
unset XIANGCUN_CLOCK_FILE XIANGCUN_FAULT_DB XIANGCUN_FAULT_DB_EVERY
if [ "$BACKEND" = pg ]; then
  log "PostgreSQL cluster"
  XIANGCUN_DB=$(tests/pg/cluster.sh start "$TMP/pg") || die "cannot start PostgreSQL"
  PG_STARTED=1
  sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$XIANGCUN_DB" -c "$1"; }
else
  XIANGCUN_DB="sqlite:$XIANGCUN_DATA_DIR/xiangcun.db"
  sql() { sqlite3 -batch "$XIANGCUN_DATA_DIR/xiangcun.db" "$1"; }
fi
export XIANGCUN_DB

log "seed: migrate, demo county, $DEVICES secretaries"
"$BIN" migrate >/dev/null
"$BIN" demo >/dev/null
# Secretaries duty1..dutyN round-robin over the villages (the same SQL on both back ends).
SECRETARIES_SQL="WITH RECURSIVE n(i) AS (SELECT 1 WHERE $DEVICES > 0 UNION ALL SELECT i + 1 FROM n WHERE i < $DEVICES),
  v AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM org_node WHERE level = 'village'),
  vc AS (SELECT COUNT(*) AS c FROM v),
  a AS (SELECT password_hash, created_at FROM app_user WHERE login = 'admin')
INSERT INTO app_user (login, display_name, role, org_id, password_hash, created_at, updated_at)
SELECT 'duty' || CAST(n.i AS TEXT), '第一书记' || CAST(n.i AS TEXT), 'secretary', v.id, a.password_hash, a.created_at, a.created_at
FROM n CROSS JOIN vc CROSS JOIN a JOIN v ON v.k = n.i % vc.c"
sql "$SECRETARIES_SQL" >/dev/null
sql "SELECT u.login || '|' || CAST(u.org_id AS TEXT) FROM app_user u WHERE u.login LIKE 'duty%' ORDER BY u.id" >"$TMP/secretaries"
# Village centres: the mean location of the demo households in their groups, when any.
sql "SELECT CAST(v.id AS TEXT) || '|' || COALESCE(CAST(AVG(h.lat) AS TEXT), '') || '|' || COALESCE(CAST(AVG(h.lon) AS TEXT), '')
     FROM org_node v LEFT JOIN org_node g ON g.parent_id = v.id LEFT JOIN household h ON h.org_id = g.id AND h.lat IS NOT NULL
     WHERE v.level = 'village' GROUP BY v.id ORDER BY v.id" >"$TMP/villages"
N_SECRETARIES=$(wc -l <"$TMP/secretaries")
[ "$N_SECRETARIES" -eq "$DEVICES" ] || die "generated $N_SECRETARIES secretaries, wanted $DEVICES"

# ---------------------------------------------------------------- server
PORT=$(free_port)
OPORT=$(free_port)
while [ "$OPORT" = "$PORT" ]; do OPORT=$(free_port); done
export XIANGCUN_LISTEN=127.0.0.1:$PORT
export XIANGCUN_OSMAND_LISTEN=127.0.0.1:$OPORT
log "xiangcun on 127.0.0.1:$PORT, OsmAnd listener on 127.0.0.1:$OPORT"
"$BIN" serve >"$TMP/server.log" 2>&1 &
SRV_PID=$!
BASE=http://127.0.0.1:$PORT
for _ in $(seq 1 300); do
  curl -sf -o /dev/null "$BASE/healthz" && break
  kill -0 "$SRV_PID" 2>/dev/null || { tail -n 20 "$TMP/server.log" >&2; die "the server exited"; }
  sleep 0.05
done
curl -sf -o /dev/null "$BASE/healthz" || die "the server did not answer"

log "geofences, $DEVICES sign-ins and device registrations"
SETUP=$(node bench/ingest-setup.mjs "$BASE" "$PASSWORD" "$TMP/villages" "$TMP/secretaries" "$TMP/devices" "$RADIUS_M") ||
  die "registering devices failed: $SETUP"
N_DEVICES=$(wc -l <"$TMP/devices")
N_FENCES=$(sql "SELECT COUNT(*) FROM geofence")
N_VILLAGES=$(wc -l <"$TMP/villages")

# Where the devices report: the listener, else (no listener in this build) the API route.
OSMAND_URL=http://127.0.0.1:$OPORT/
OSMAND_WHERE="the OsmAnd listener (XIANGCUN_OSMAND_LISTEN)"
read -r FIRST_ID FIRST_LAT FIRST_LON <"$TMP/devices"
probe() { curl -s -o /dev/null -w '%{http_code}' "${1}?id=$FIRST_ID&lat=$FIRST_LAT&lon=$FIRST_LON&timestamp=$(date +%s)&accuracy=10" || true; }
code=$(probe "$OSMAND_URL")
if [ "$code" != 200 ]; then
  log "the listener answered '$code'; trying GET /api/v1/osmand"
  OSMAND_URL=$BASE/api/v1/osmand
  OSMAND_WHERE="\`/api/v1/osmand\` on the main port (the listener answered '$code')"
  code=$(probe "$OSMAND_URL")
  [ "$code" = 200 ] || die "GET /api/v1/osmand answered $code for a registered device: $(curl -s "$OSMAND_URL?id=$FIRST_ID&lat=$FIRST_LAT&lon=$FIRST_LON")"
fi

# ---------------------------------------------------------------- the ceiling
# On a copy of the server's database (same schema, demo data, devices), run
# while the server is idle. The disk's flush rate moves with the neighbours, so
# the one-transaction-per-point ceiling is measured for as long as each wrk run,
# right before and right after it (ceiling BEFORE|AFTER FORM); the batched
# reference once.
CEIL_DB=$TMP/ceiling.db
if [ "$BACKEND" = sqlite ]; then
  sqlite3 -batch "$XIANGCUN_DATA_DIR/xiangcun.db" ".backup '$CEIL_DB'"
else   # a SQLite database of the same schema: migrate + demo + the same secretaries (no devices)
  ( export XIANGCUN_DATA_DIR=$TMP/ceildata XIANGCUN_DB="sqlite:$CEIL_DB"
    mkdir -p "$XIANGCUN_DATA_DIR"; "$BIN" migrate >/dev/null && "$BIN" demo >/dev/null ) || die "cannot make the ceiling's database"
  sqlite3 -batch "$CEIL_DB" "$SECRETARIES_SQL"
fi
ceiling() {   # ceiling SECONDS: one transaction per point → "points ms" on stdout
  local j
  j=$("$TMP/ingest_ceiling" "$CEIL_DB" "$CEIL_POINTS" 1 "$1") || die "ingest_ceiling failed"
  echo "$(jf "$j" .points) $(jf "$j" .ms)"
}
BATCH=""
if [ "$BATCH_POINTS" != 0 ]; then
  BATCH=$("$TMP/ingest_ceiling" "$CEIL_DB" "$BATCH_POINTS" 1000) || die "ingest_ceiling (batched) failed"
  log "ceiling, batched: $(jf "$BATCH" .rate) points/s"
fi

# ---------------------------------------------------------------- wrk
# wrk's summary → "rps p50_ms p99_ms requests non2xx socket_errors seconds"
parse_wrk() {
  awk '
    function ms(s) {
      if (s ~ /us$/) return substr(s, 1, length(s) - 2) / 1000
      if (s ~ /ms$/) return substr(s, 1, length(s) - 2) + 0
      if (s ~ /m$/)  return substr(s, 1, length(s) - 1) * 60000
      if (s ~ /s$/)  return substr(s, 1, length(s) - 1) * 1000
      return s + 0
    }
    /Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    / requests in / { total = $1; t = $4; sub(/,$/, "", t); secs = ms(t) / 1000 }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { gsub(/,/, ""); errs = $4 + $6 + $8 + $10 }
    END { printf "%s %.3f %.3f %d %d %d %.3f\n", rps, p50, p99, total, non2xx, errs, secs }' "$1"
}
points() { sql "SELECT COUNT(*) FROM checkin"; }
# Wait until the server has stored what wrk left in flight: the count stops moving.
settle() {
  local a b
  a=$(points)
  for _ in $(seq 1 100); do sleep 0.3; b=$(points); [ "$b" = "$a" ] && return; a=$b; done
}
sample_rss() {   # sample_rss FILE: the server's peak VmRSS so far (KiB) in FILE, every 100 ms
  local max v
  max=$(cat "$1")
  while kill -0 "$SRV_PID" 2>/dev/null; do
    v=$(rss_kib "$SRV_PID"); [ "${v:-0}" -gt "$max" ] && max=$v && echo "$max" >"$1"
    sleep 0.1
  done
}
RSS_IDLE=$(rss_kib "$SRV_PID")
# Per form: a warm-up, then ROUNDS rounds of [ceiling SLICE s, server SLICE s]
# (the disk's flush rate drifts within seconds on a shared VM: interleaving
# gives both sides the same conditions). Sums per form in $TMP/res-FORM:
# "answers non2xx errors wrk_s durable late ceil_points ceil_ms p50_median p99_max ceil_min ceil_max".
for form in $FORMS; do
  log "$form: $ROUNDS rounds of ceiling ${SLICE} s + wrk -t$THREADS -c$CONNS -d${SLICE}s (+${WARMUP} s warm-up)"
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout "${TIMEOUT}s" -s bench/osmand.lua "$OSMAND_URL" -- "$TMP/devices" "$form" >/dev/null 2>&1 || true
  settle
  echo 0 >"$TMP/rss-$form"
  : >"$TMP/rounds-$form"
  for round in $(seq 1 "$ROUNDS"); do
    read -r cpts cms < <(ceiling "$SLICE")
    before=$(points)
    sample_rss "$TMP/rss-$form" & SAMPLER_PID=$!
    wrk -t"$THREADS" -c"$CONNS" -d"${SLICE}s" --timeout "${TIMEOUT}s" --latency -s bench/osmand.lua "$OSMAND_URL" -- "$TMP/devices" "$form" \
      >"$TMP/wrk-$form-$round.txt" 2>&1 || { cat "$TMP/wrk-$form-$round.txt" >&2; die "wrk failed for $form"; }
    after=$(points)
    kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
    settle
    settled=$(points)
    # round: "rps p50 p99 answers non2xx errors secs durable late ceil_points ceil_ms"
    echo "$(parse_wrk "$TMP/wrk-$form-$round.txt") $((after - before)) $((settled - after)) $cpts $cms" >>"$TMP/rounds-$form"
    log "$form round $round: ceiling $(awk -v n="$cpts" -v t="$cms" 'BEGIN {printf "%.0f", n * 1000 / t}') points/s, server $((after - before)) points"
  done
  P50=$(cut -d' ' -f2 "$TMP/rounds-$form" | sort -g | awk '{v[NR] = $1} END {printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
  awk -v p50="$P50" '{a += $4; n2 += $5; er += $6; s += $7; d += $8; l += $9; cp += $10; cm += $11
        if ($3 > p99) p99 = $3; c = $10 * 1000 / $11; if (NR == 1 || c < cmin) cmin = c; if (c > cmax) cmax = c}
       END {printf "%d %d %d %.3f %d %d %d %.1f %s %.3f %.0f %.0f\n", a, n2, er, s, d, l, cp, cm, p50, p99, cmin, cmax}' \
    "$TMP/rounds-$form" >"$TMP/res-$form"
done
rm -f "$CEIL_DB" "$CEIL_DB-wal" "$CEIL_DB-shm"
FLAGS=$(sql "SELECT CASE WHEN flags = '' THEN '(none)' ELSE flags END || ' ' || CAST(COUNT(*) AS TEXT) FROM checkin GROUP BY flags ORDER BY COUNT(*) DESC" | paste -sd ',' | sed 's/,/, /g')
INSIDE=$(sql "SELECT COALESCE(CAST(inside AS TEXT), 'null') || ' ' || CAST(COUNT(*) AS TEXT) FROM checkin GROUP BY inside ORDER BY inside" | paste -sd ',' | sed 's/,/, /g')
SEEN=$(sql "SELECT COUNT(*) FROM duty_device WHERE last_seen_at IS NOT NULL")
TOTAL=$(points)
kill -TERM "$SRV_PID"; wait "$SRV_PID" || die "the server did not stop cleanly: $(tail -n 5 "$TMP/server.log")"
SRV_PID=""

# ---------------------------------------------------------------- report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3g", (b > 0) ? a / b : 0}'; }
CPU=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
FS=$(df -T "$TMP" | awk 'NR == 2 {print $2}')
WRK_V=$( { wrk -v 2>&1 || true; } | awk 'NR == 1 {print $2}')
SQLITE_V=$(sqlite3 --version | awk '{print $1}')
PG_V=""
[ "$BACKEND" = pg ] && PG_V=", PostgreSQL $(sql "SHOW server_version")"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
[ -z "$(git status --porcelain -- src 2>/dev/null)" ] || COMMIT="$COMMIT+dirty src"
label() {
  case "$1" in
    get) echo 'GET `/?id=…&lat=…&lon=…&timestamp=…&accuracy=…` (OsmAnd)' ;;
    json) echo 'POST `/` JSON body (Traccar Client 9)' ;;
    form) echo 'POST `/` form-encoded (OsmAnd)' ;;
  esac
}
{
  echo "### $(date -u '+%Y-%m-%d %H:%M UTC') — OsmAnd ingest, $BACKEND, $N_DEVICES devices, commit $COMMIT"
  echo
  echo "Machine: $(nproc) cores, $CPU, Linux $(uname -r), data on $FS; load average $LOAD_BEFORE before the run."
  echo "Versions: SQLite $SQLITE_V, wrk $WRK_V$PG_V. Load per form: $WARMUP s of warm-up, then $ROUNDS × (ceiling ${SLICE} s, \`wrk -t$THREADS -c$CONNS -d${SLICE}s --latency -s bench/osmand.lua\`) against $OSMAND_WHERE; wrk and xiangcun on the same $(nproc) cores, xiangcun with ${XIANGCUN_THREADS:-$(nproc)} threads."
  echo
  echo '| run | durable points | s | points/s | p50 ms | p99 ms | non-2xx + errors | ceiling points/s (min–max of rounds) | ratio | peak RSS MiB |'
  echo '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  for form in $FORMS; do
    read -r tot non2xx errs secs durable _ cpts cms p50 p99 cmin cmax <"$TMP/res-$form"
    rate=$(awk -v n="$durable" -v s="$secs" 'BEGIN {printf "%.0f", (s > 0) ? n / s : 0}')
    crate=$(awk -v n="$cpts" -v t="$cms" 'BEGIN {printf "%.0f", (t > 0) ? n * 1000 / t : 0}')
    printf '| %s | %s | %.1f | **%s** | %s | %s | %s | %s (%s–%s) | **%s** | %s |\n' "$(label "$form")" "$durable" "$secs" "$rate" \
      "$p50" "$p99" "$((non2xx + errs))" "$crate" "$cmin" "$cmax" "$(ratio "$rate" "$crate")" "$(mib "$(cat "$TMP/rss-$form")")"
  done
  [ -z "$BATCH" ] || printf '| reference only: `bench/ingest_ceiling`, 1000 points per transaction (not durable per point) | %s | %.1f | %.0f | | | | | | |\n' \
    "$(jf "$BATCH" .points)" "$(awk -v t="$(jf "$BATCH" .ms)" 'BEGIN {print t / 1000}')" "$(jf "$BATCH" .rate)"
  echo
  echo "- setup: $N_SECRETARIES generated secretaries over $N_VILLAGES villages, $N_DEVICES devices registered through the API ($(jf "$SETUP" .sign_in_ms) ms for the sign-ins and registrations: $(jf "$SETUP" .devices)), $N_FENCES of $N_VILLAGES villages with a ${RADIUS_M} m circle geofence (PUT answers $(jf "$SETUP" .geofences))$([ -n "$(jf "$SETUP" .geofence_error)" ] && echo ": $(jf "$SETUP" .geofence_error)"); 90% of the devices report from inside their fence"
  for form in $FORMS; do
    read -r tot non2xx errs secs durable late _ <"$TMP/res-$form"
    echo "- $form: wrk read $tot answers ($non2xx non-2xx, $errs socket errors); $durable rows added to checkin while wrk ran, $late more from requests still in flight when it stopped (not counted)"
  done
  echo "- after all runs: $TOTAL check-ins; inside the fence: $INSIDE; flags: $FLAGS; $SEEN devices with last_seen_at; server RSS $(mib "$RSS_IDLE") MiB idle before the runs"
  [ "$BACKEND" = sqlite ] || echo "- the ceiling is SQLite's (a migrated demo database of the same schema), the server wrote to PostgreSQL"
  echo "- $ROUNDS rounds per form, each \`bench/ingest_ceiling\` for ${SLICE} s (server idle) then wrk for ${SLICE} s; durable points = rows in \`checkin\` counted in the database right before and right after each wrk run, summed, ÷ wrk's summed run time; p50 = median of the rounds' p50, p99 = the worst round's; ceiling = the same INSERT as the server, a freshly encrypted position, the server's pragmas, one \`BEGIN IMMEDIATE … COMMIT\` per point, in one process on a copy of the server's database (no HTTP, no parsing, no device, settings, previous-point or geofence lookup), its points summed ÷ its time summed; ratio = server points/s ÷ ceiling points/s"
  echo
} >"$TMP/report.md"
cat "$TMP/report.md"
if [ "$APPEND" = 1 ]; then
  cat "$TMP/report.md" >>bench/README.md
  echo "(appended to bench/README.md)" >&2
fi
