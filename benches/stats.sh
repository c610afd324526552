#!/usr/bin/env bash
# Statistics benchmark: the latency of every /api/v1/stats endpoint over a market of CONTRACTS
# registered contracts (default 100,000) and AUDIT audit rows (default 1,000,000), plus 50,000
# listings, 50,000 deals and 2,000 organizations, written straight into the tables by
# benches/gen_stats.py (seeded), on SQLite or PostgreSQL.
#
# usage: benches/stats.sh sqlite|postgres [CONTRACTS] [AUDIT]
#        (DURATION=10s per endpoint; CHARTS_DIR=dir keeps the SVG charts of the generated market)
# Needs: a release build (built here), wrk (apt-get install wrk), python3; for postgres a
# server on 127.0.0.1:5432 where role postgres may create databases.
set -euo pipefail
BACKEND=${1:-sqlite}
CONTRACTS=${2:-100000}
AUDIT=${3:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/techmarket"
WORK=$(mktemp -d /tmp/techmarket-stats-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export TECHMARKET_DATA_DIR="$WORK/data" TECHMARKET_BIND="127.0.0.1:$PORT" TECHMARKET_JWT_SECRET=bench-secret-bench-secret-bench-secret-0
export TECHMARKET_LOGIN_RATE_PER_MINUTE=1000 TECHMARKET_LOGIN_ACCOUNT_RATE_PER_MINUTE=1000 RUST_LOG=warn
unset DATABASE_URL
if [[ "$BACKEND" == postgres ]]; then
    DBNAME="tm_stats_bench_$$"
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DBNAME"
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DBNAME"
fi
cleanup() {
    [[ -n "${SERVER:-}" ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    [[ "$BACKEND" == postgres ]] && psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)"
    rm -rf "$WORK"
}
trap cleanup EXIT
"$BIN" migrate > /dev/null
START=$(date +%s.%N)
if [[ "$BACKEND" == postgres ]]; then
    python3 benches/gen_stats.py "$WORK/tsv" "$CONTRACTS" "$AUDIT"
    while read -r table columns; do
        psql -h 127.0.0.1 -U postgres -d "$DBNAME" -qc "\\copy $table ($columns) FROM '$WORK/tsv/$table.tsv'"
    done < "$WORK/tsv/order.txt"
    psql -h 127.0.0.1 -U postgres -d "$DBNAME" -qc "VACUUM ANALYZE"
    sql() { psql -h 127.0.0.1 -U postgres -d "$DBNAME" -Atc "$1"; }
else
    python3 benches/gen_stats.py "$WORK/tsv" "$CONTRACTS" "$AUDIT" --sqlite "$TECHMARKET_DATA_DIR/techmarket.db"
    sql() { sqlite3 "$TECHMARKET_DATA_DIR/techmarket.db" "$1"; }
fi
END=$(date +%s.%N)
python3 -c "print(f'generated and loaded in {$END-$START:.0f} s')"
# The rows were written straight into the tables: sum the registered contracts for the figures.
START=$(date +%s.%N)
"$BIN" rebuild-stats
END=$(date +%s.%N)
python3 -c "print(f'rebuild-stats: {$END-$START:.1f} s')"
echo "sums: $(sql 'SELECT COUNT(*) FROM stat_sums') facts: $(sql 'SELECT COUNT(*) FROM stat_facts')"
echo "rows: contracts=$(sql 'SELECT COUNT(*) FROM contracts') audit_log=$(sql 'SELECT COUNT(*) FROM audit_log') deals=$(sql 'SELECT COUNT(*) FROM deals') listings=$(sql 'SELECT COUNT(*) FROM listings')"
ORG=$(sql "SELECT buyer_org_id FROM contracts GROUP BY buyer_org_id ORDER BY COUNT(*) DESC LIMIT 1")
BROKER=$(sql "SELECT broker_id FROM deals WHERE broker_id IS NOT NULL LIMIT 1")
echo "bench-admin-Pass-2026" | "$BIN" create-admin --email bench@admin.example > /dev/null
"$BIN" serve > "$WORK/server.log" 2>&1 &
SERVER=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -fs "$URL/healthz" > /dev/null && break; sleep 0.2; done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
TOKEN=$(curl -fs -XPOST "$URL/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"bench@admin.example","password":"bench-admin-Pass-2026"}' | json "['access_token']")
echo "backend=$BACKEND machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
YEAR=$(date -u +%Y)
THIS_YEAR="from=$YEAR-01-01&to=$YEAR-12-31"
run_wrk() {
    local name=$1 path=$2 out
    out=$(wrk --latency -t1 -c"${CONNS:-1}" -d"${DURATION:-10s}" -H "authorization: Bearer $TOKEN" "$URL$path")
    python3 - "$name" "$out" <<'PY'
import re, sys
name, out = sys.argv[1], sys.argv[2]
def grab(label):
    m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\b", out, re.M)
    if not m: return "?"
    v = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    return f"{v:.1f} ms"
rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
print(f"| {name} | {grab('50%')} | {grab('99%')} | {rps.group(1) if rps else '?'} | {errors.group(1) if errors else 0} |")
PY
}
echo "| endpoint (1 client) | p50 | p99 | req/s | non-2xx |"
echo "| --- | ---: | ---: | ---: | ---: |"
run_wrk "overview, all time" "/api/v1/stats/overview"
run_wrk "overview, this year, region 33" "/api/v1/stats/overview?$THIS_YEAR&region=33"
run_wrk "overview, one organization" "/api/v1/stats/overview?org_id=$ORG"
run_wrk "contracts by type, this year (+ last year)" "/api/v1/stats/contracts?$THIS_YEAR"
run_wrk "contracts by region (city), this year, region 33" "/api/v1/stats/contracts?$THIS_YEAR&group_by=region&region=33"
run_wrk "contracts by technology field, this year" "/api/v1/stats/contracts?$THIS_YEAR&group_by=technology_field"
run_wrk "contracts by month, all time" "/api/v1/stats/contracts?group_by=month"
run_wrk "contracts by quarter, all time" "/api/v1/stats/contracts?group_by=quarter"
run_wrk "contracts by seller kind, this year" "/api/v1/stats/contracts?$THIS_YEAR&group_by=seller_kind"
run_wrk "contracts by type, one organization" "/api/v1/stats/contracts?$THIS_YEAR&org_id=$ORG"
run_wrk "funnel, all time" "/api/v1/stats/funnel"
run_wrk "funnel, this year, region 33" "/api/v1/stats/funnel?$THIS_YEAR&region=33"
run_wrk "funnel, one broker" "/api/v1/stats/funnel?broker_id=$BROKER"
run_wrk "libraries by month, all time" "/api/v1/stats/libraries"
run_wrk "libraries by technology field, this year" "/api/v1/stats/libraries?$THIS_YEAR&group_by=technology_field"
run_wrk "libraries by region, region 33" "/api/v1/stats/libraries?group_by=region&region=33"
run_wrk "brokers, top 10, this year" "/api/v1/stats/brokers?$THIS_YEAR"
run_wrk "brokers, top 10, all time" "/api/v1/stats/brokers"
run_wrk "contracts chart (SVG), by month" "/api/v1/stats/contracts/chart.svg?group_by=month"
run_wrk "funnel chart (SVG)" "/api/v1/stats/funnel/chart.svg"
run_wrk "libraries chart (SVG), by month" "/api/v1/stats/libraries/chart.svg"
CONNS=8 run_wrk "contracts by type, this year, 8 clients" "/api/v1/stats/contracts?$THIS_YEAR"
CONNS=8 run_wrk "overview, all time, 8 clients" "/api/v1/stats/overview"
if [[ -n "${CHARTS_DIR:-}" ]]; then
    mkdir -p "$CHARTS_DIR"
    for chart in "contracts/chart.svg?group_by=month" "contracts/chart.svg?$THIS_YEAR&group_by=technology_field" "funnel/chart.svg" "libraries/chart.svg?$THIS_YEAR"; do
        name=$(echo "$chart" | tr '/?&=' '____' | cut -c1-60)
        curl -fs -H "authorization: Bearer $TOKEN" "$URL/api/v1/stats/$chart" > "$CHARTS_DIR/$name.svg"
    done
fi
echo "rss after load: $(awk '/VmRSS/ {print $2/1024 " MiB"}' "/proc/$SERVER/status")"
