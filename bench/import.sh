#!/usr/bin/env bash
# bench/import.sh: import throughput, measured against a ceiling. bench/run
# calls it (BENCH_IMPORT_ROWS, default 1000000; 0 skips it) with its server
# running; it needs:
#
#   bench/import.sh ROWS BASE TOKEN WORKDIR SERVER_PID
#   (BENCH_BACKEND and, for pg, XIANGCUN_DB from the environment)
#
#  1. fetches the import template (GET /api/v1/imports/template.csv) and the
#     org tree, and writes a CSV of ROWS member rows with the template's header
#     (bench/import-csv.mjs: ~3 members per household, valid unique GB 11643
#     ID numbers);
#  2. times POST /api/v1/imports?mode=commit of that file until the job reports
#     done (bench/import-run.mjs polls GET /api/v1/imports/{id}), sampling the
#     server's RSS; checks that every row was imported. It gives up after
#     BENCH_IMPORT_TIMEOUT seconds (default 3600) and reports how far the job
#     got (the job keeps running until the server stops, which rolls it back);
#  3. times the same file again (BENCH_IMPORT_AGAIN=1, the default): a re-import
#     must change nothing, so this is validation plus comparison;
#  4. the ceiling (measured first, on a quiet server): sqlite3's own
#     `.import --csv` of the same file into a plain table with the same columns
#     (a fresh database file in WORKDIR, one transaction, WAL, synchronous=FULL
#     like the server); on PostgreSQL also psql's `\copy` into a plain table of
#     the bench database.
#
# Prints markdown lines for the report on stdout (a table and notes), progress
# on stderr. When the server has no import endpoint, or the import fails, it
# says so on stdout and exits 0 (the rest of the benchmark stands).
set -uo pipefail
cd "$(dirname "$0")/.."

ROWS=$1 BASE=$2 TOKEN=$3 W=$4 SRV=$5
BACKEND=${BENCH_BACKEND:-sqlite}
AGAIN=${BENCH_IMPORT_AGAIN:-1}
TIMEOUT=${BENCH_IMPORT_TIMEOUT:-3600}
AUTH="Authorization: Bearer $TOKEN"
log() { printf '== %s\n' "$*" >&2; }
ms() { local ns; ns=$(date +%s%N); echo $((ns / 1000000)); }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
num() { node -e "console.log(Math.round(Number(process.argv[1])).toLocaleString('en-US'))" "$1"; }
jf() { node -e "const j=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'));const v=j$2;console.log(v===undefined||v===null?'':v)" "$1"; }
skip() {   # skip REASON: say so in the report and stop here
  log "import: skipped: $1"
  echo "- **import: not measured** — $1"
  echo
  exit 0
}

mkdir -p "$W"
# ---- 1. the file
code=$(curl -s -o "$W/template.csv" -w '%{http_code}' -H "$AUTH" "$BASE/api/v1/imports/template.csv")
[ "$code" = 200 ] || skip "the server has no import endpoint (GET /api/v1/imports/template.csv answered $code)"
curl -sf -H "$AUTH" -o "$W/org.json" "$BASE/api/v1/org" || skip "GET /api/v1/org failed"
log "import: writing a CSV of $ROWS member rows"
t=$(ms)
STATS=$(node bench/import-csv.mjs --rows "$ROWS" --template "$W/template.csv" --org "$W/org.json" --out "$W/import.csv") ||
  skip "bench/import-csv.mjs could not write the file"
GEN_MS=$(( $(ms) - t ))
echo "$STATS" >"$W/csv.json"
HH=$(jf "$W/csv.json" .households)
BYTES=$(jf "$W/csv.json" .bytes)
NCOLS=$(head -n 1 "$W/import.csv" | awk -F, '{print NF}')

# ---- 2. the ceilings first (a timed-out import would still be running during them)
log "import: sqlite3 .import --csv of the same file"
COLDEFS=$(head -n 1 "$W/import.csv" | sed 's/^\xEF\xBB\xBF//; s/\r$//' | awk -F, '{for (i = 1; i <= NF; i++) printf "%s\"%s\" TEXT", (i > 1 ? ", " : ""), $i}')
rm -f "$W/ceiling.db"
sqlite3 -batch "$W/ceiling.db" "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE import_ceiling ($COLDEFS);" >/dev/null
t=$(ms)
sqlite3 -batch "$W/ceiling.db" ".import --csv --skip 1 $W/import.csv import_ceiling" >"$W/ceiling.err" 2>&1
SQ_MS=$(( $(ms) - t ))
SQ_ROWS=$(sqlite3 -batch "$W/ceiling.db" "SELECT COUNT(*) FROM import_ceiling")
[ "$SQ_ROWS" = "$ROWS" ] || log "import: sqlite3 .import loaded $SQ_ROWS rows of $ROWS: $(head -n 3 "$W/ceiling.err")"
rm -f "$W/ceiling.db" "$W/ceiling.db-wal" "$W/ceiling.db-shm"
PG_MS="" PG_ROWS=""
if [ "$BACKEND" = pg ]; then
  log "import: psql \\copy of the same file"
  psql -X -q -v ON_ERROR_STOP=1 "$XIANGCUN_DB" -c "CREATE TABLE bench_import_ceiling ($COLDEFS)" >/dev/null
  t=$(ms)
  psql -X -q -v ON_ERROR_STOP=1 "$XIANGCUN_DB" -c "\\copy bench_import_ceiling FROM '$W/import.csv' WITH (FORMAT csv, HEADER true)" >/dev/null
  PG_MS=$(( $(ms) - t ))
  PG_ROWS=$(psql -X -q -At "$XIANGCUN_DB" -c "SELECT COUNT(*) FROM bench_import_ceiling")
  psql -X -q "$XIANGCUN_DB" -c "DROP TABLE bench_import_ceiling" >/dev/null
fi

# ---- 3. through the API, with the server's RSS sampled every 100 ms
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
RSS0=$(rss_kib "$SRV")
sample() {
  local max=0 v
  while kill -0 "$SRV" 2>/dev/null; do
    v=$(rss_kib "$SRV"); [ "${v:-0}" -gt "$max" ] && max=$v && echo "$max" >"$1"
    sleep 0.1
  done
}
run_import() {   # run_import NAME: the JSON result in $W/NAME.json, peak RSS in $W/NAME.rss
  echo 0 >"$W/$1.rss"
  sample "$W/$1.rss" & local sp=$!
  node bench/import-run.mjs "$BASE" "$TOKEN" "$W/import.csv" commit "$TIMEOUT" >"$W/$1.json" 2>"$W/$1.err"
  local rc=$?
  kill "$sp" 2>/dev/null; wait "$sp" 2>/dev/null
  return $rc
}
log "import: POST /api/v1/imports?mode=commit ($(mib $((BYTES / 1024))) MiB)"
run_import first || skip "bench/import-run.mjs failed: $(tail -n 3 "$W/first.err")"
HTTP=$(jf "$W/first.json" .http_status)
[ "$HTTP" = 202 ] || skip "POST /api/v1/imports?mode=commit answered $HTTP: $(jf "$W/first.json" .answer | head -c 300)"
STATUS=$(jf "$W/first.json" .status)
CREATED=$(jf "$W/first.json" .members_created)
PROGRESS=$(jf "$W/first.json" ".progress.map(([t, p, n]) => Math.round(t / 1000) + ' s ' + p + ' ' + n).join(', ')")
case "$STATUS" in
  done) [ "$CREATED" = "$ROWS" ] || skip "the import job is done but created $CREATED members of $ROWS rows" ;;
  timeout) log "import: not done after $TIMEOUT s ($(jf "$W/first.json" .phase), rows_done $(jf "$W/first.json" .rows_done))"; AGAIN=0 ;;
  *) skip "the import job ended '$STATUS' (error: $(jf "$W/first.json" '.error?.code') $(jf "$W/first.json" '.error?.message'); rows_bad $(jf "$W/first.json" .rows_bad)) after $(jf "$W/first.json" .total_ms) ms" ;;
esac
API_MS=$(jf "$W/first.json" .total_ms)
log "import: $(num "$(awk -v r="$ROWS" -v t="$API_MS" 'BEGIN {print r * 1000 / t}')") rows/s$([ "$STATUS" = done ] || echo ' at most')"

if [ "$AGAIN" = 1 ]; then
  log "import: the same file again (must change nothing)"
  run_import again || true
fi

# ---- the report
rate() { awk -v r="$1" -v t="$2" 'BEGIN {printf "%.0f", (t > 0) ? r * 1000 / t : 0}'; }
secs() { awk -v t="$1" 'BEGIN {printf "%.1f", t / 1000}'; }
API_RATE=$(rate "$ROWS" "$API_MS")
SQ_RATE=$(rate "$SQ_ROWS" "$SQ_MS")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3g", (b > 0) ? a / b : 0}'; }
echo '| import (CSV, one member per row) | rows | households | s | rows/s | ceiling | s | rows/s | ratio | peak RSS MiB |'
echo '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |'
LT=""; [ "$STATUS" = done ] || LT="< "   # a timed-out import: its rate is below rows/timeout
printf '| POST /api/v1/imports?mode=commit → %s | %s | %s | %s%s | %s%s | sqlite3 `.import --csv` | %s | %s | **%s%s** | %s |\n' \
  "$([ "$STATUS" = done ] && echo done || echo '**not done (timeout)**')" "$ROWS" "$HH" "$([ "$STATUS" = done ] || echo '> ')" \
  "$(secs "$API_MS")" "$LT" "$API_RATE" "$(secs "$SQ_MS")" "$SQ_RATE" "$LT" "$(ratio "$API_RATE" "$SQ_RATE")" \
  "$(mib "$(cat "$W/first.rss")")"
if [ -n "$PG_MS" ]; then
  PG_RATE=$(rate "$PG_ROWS" "$PG_MS")
  printf '| (the same) | | | | | psql `\\copy` | %s | %s | **%s%s** | |\n' "$(secs "$PG_MS")" "$PG_RATE" "$LT" "$(ratio "$API_RATE" "$PG_RATE")"
fi
if [ "$AGAIN" = 1 ] && [ "$(jf "$W/again.json" .status)" = done ]; then
  A_MS=$(jf "$W/again.json" .total_ms)
  A_RATE=$(rate "$ROWS" "$A_MS")
  printf '| the same file again (changes nothing) | %s | | %s | %s | sqlite3 `.import --csv` | %s | %s | **%s** | %s |\n' \
    "$ROWS" "$(secs "$A_MS")" "$A_RATE" "$(secs "$SQ_MS")" "$SQ_RATE" "$(ratio "$A_RATE" "$SQ_RATE")" "$(mib "$(cat "$W/again.rss")")"
fi
echo
echo "- import file: $(num "$ROWS") member rows in $(num "$HH") households, $NCOLS columns (the template's header), $(mib $((BYTES / 1024))) MiB, written in $GEN_MS ms (\`bench/import-csv.mjs\`)"
if [ "$STATUS" = done ]; then
  echo "- first import: upload + parse until the 202 $(jf "$W/first.json" .post_ms) ms, validating $(jf "$W/first.json" .validating_ms) ms, then (one transaction) writing the households $(jf "$W/first.json" .quiet_ms) ms (the job shows no progress meanwhile: still \"validating\", every row done) and the members (phase \"writing\") $(jf "$W/first.json" .writing_ms) ms; job: $(jf "$W/first.json" .households_created) households and $(jf "$W/first.json" .members_created) members created, $(jf "$W/first.json" .rows_bad) bad rows; server RSS $(mib "$RSS0") MiB before"
else
  echo "- **the import did not finish within BENCH_IMPORT_TIMEOUT=$TIMEOUT s**: the job was $(jf "$W/first.json" .phase) with rows_done $(jf "$W/first.json" .rows_done) of $ROWS (upload + parse until the 202 $(jf "$W/first.json" .post_ms) ms, validating $(jf "$W/first.json" .validating_ms) ms, households $(jf "$W/first.json" .quiet_ms) ms, members $(jf "$W/first.json" .writing_ms) ms so far); it was left running, and stopping the server at the end of the run rolls back what is unfinished"
fi
echo "- progress (time since the upload began, phase, rows_done): $PROGRESS"
if [ "$AGAIN" = 1 ]; then
  if [ "$(jf "$W/again.json" .status)" = done ]; then
    echo "- re-import: $(jf "$W/again.json" .unchanged) rows unchanged, $(jf "$W/again.json" .households_created) households / $(jf "$W/again.json" .members_created) members created, $(jf "$W/again.json" .members_updated) members updated (validating $(jf "$W/again.json" .validating_ms) ms, then $(jf "$W/again.json" .quiet_ms) + $(jf "$W/again.json" .writing_ms) ms)"
  else
    echo "- **re-import did not finish**: $(head -c 400 "$W/again.json") $(tail -n 2 "$W/again.err" 2>/dev/null)"
  fi
fi
[ "$SQ_ROWS" = "$ROWS" ] || echo "- **sqlite3 .import loaded $SQ_ROWS rows of $ROWS**: $(head -n 2 "$W/ceiling.err" | tr '\n' ' ')"
echo "- ratio = API rows/s ÷ ceiling rows/s; the ceiling stores the text of the cells and nothing else (no validation, no encryption, no audit)"
echo
