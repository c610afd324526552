#!/usr/bin/env bash
# Libraries benchmark: import rate, list/search latency under load, process memory, with
# 100,000 published achievements (recombined CSL sentences) on SQLite or PostgreSQL.
#
# usage: benches/libraries.sh sqlite|postgres [COUNT]
# Needs: a release build (built here), wrk (apt-get install wrk), python3; for postgres a
# server on 127.0.0.1:5432 where role postgres may create databases.
set -euo pipefail
BACKEND=${1:-sqlite}
COUNT=${2:-100000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/techmarket"
WORK=$(mktemp -d /tmp/techmarket-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export TECHMARKET_DATA_DIR="$WORK/data" TECHMARKET_BIND="127.0.0.1:$PORT" TECHMARKET_JWT_SECRET=bench-secret-bench-secret-bench-secret-0
export TECHMARKET_LOGIN_RATE_PER_MINUTE=1000 TECHMARKET_LOGIN_ACCOUNT_RATE_PER_MINUTE=1000 RUST_LOG=warn
# One access token serves the whole run (an import of 1,000,000 lines outlasts the default 15 minutes).
export TECHMARKET_ACCESS_TOKEN_TTL_SECS=14400
unset DATABASE_URL
if [[ "$BACKEND" == postgres ]]; then
    DBNAME="tm_bench_$$"
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DBNAME"
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DBNAME"
fi
cleanup() {
    local status=$?
    [[ $status -ne 0 && -f "$WORK/server.log" ]] && tail -20 "$WORK/server.log" >&2
    [[ -n "${SERVER:-}" ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    [[ "$BACKEND" == postgres ]] && psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)"
    rm -rf "$WORK"
}
trap cleanup EXIT
URL="http://127.0.0.1:$PORT"
echo "bench-admin-Pass-2026" | "$BIN" create-admin --email bench@admin.example > /dev/null
"$BIN" serve > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -fs "$URL/healthz" > /dev/null && break; sleep 0.2; done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
TOKEN=$(curl -fs -XPOST "$URL/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"bench@admin.example","password":"bench-admin-Pass-2026"}' | json "['access_token']")
curl -fs -XPOST "$URL/api/v1/auth/register" -H 'content-type: application/json' -d '{"email":"uni@bench.example","password":"Tea-kettle-Orbit-19","display_name":"bench","role":"university","organization":{"name":"基准大学","kind":"university","credit_code":"91350100M000100Y43","region_code":"330106"}}' > /dev/null
ORG=$(curl -fs "$URL/api/v1/organizations" | json "['items'][0]['id']")
python3 benches/gen_corpus.py "$COUNT" "$WORK/corpus.ndjson"
split -l 10000 -d "$WORK/corpus.ndjson" "$WORK/chunk-"
# Resident memory, and the heap part of it (anonymous pages: RSS minus mapped files such as
# the search index and SQLite's file).
rss() { awk '/VmRSS/ {r=$2} /RssAnon/ {a=$2} END {printf "%.0f MiB (heap %.0f MiB)", r/1024, a/1024}' "/proc/$SERVER/status"; }
echo "backend=$BACKEND records=$COUNT machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "rss before import: $(rss)"
START=$(date +%s.%N)
for chunk in "$WORK"/chunk-*; do
    curl -fsS -XPOST "$URL/api/v1/achievements/import?org_id=$ORG&publish=true" -H "authorization: Bearer $TOKEN" \
        -H 'content-type: application/x-ndjson' --data-binary "@$chunk" > /dev/null
done
END=$(date +%s.%N)
python3 -c "print(f'import: {$COUNT} lines in {$END-$START:.1f} s = {$COUNT/($END-$START):.0f} lines/s')"
echo "rss after import: $(rss)"
cat > "$WORK/search.lua" <<'LUA'
-- 锂离子电池正极材料, 印染废水深度处理, 机器人焊缝跟踪, 猕猴桃保鲜, 图像识别, 故障诊断, 有限元分析, 土壤重金属 (percent-encoded)
local queries = {"%E9%94%82%E7%A6%BB%E5%AD%90%E7%94%B5%E6%B1%A0%E6%AD%A3%E6%9E%81%E6%9D%90%E6%96%99", "%E5%8D%B0%E6%9F%93%E5%BA%9F%E6%B0%B4%E6%B7%B1%E5%BA%A6%E5%A4%84%E7%90%86", "%E6%9C%BA%E5%99%A8%E4%BA%BA%E7%84%8A%E7%BC%9D%E8%B7%9F%E8%B8%AA", "%E7%8C%95%E7%8C%B4%E6%A1%83%E4%BF%9D%E9%B2%9C", "%E5%9B%BE%E5%83%8F%E8%AF%86%E5%88%AB", "%E6%95%85%E9%9A%9C%E8%AF%8A%E6%96%AD", "%E6%9C%89%E9%99%90%E5%85%83%E5%88%86%E6%9E%90", "%E5%9C%9F%E5%A3%A4%E9%87%8D%E9%87%91%E5%B1%9E"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/achievements?limit=20&q=" .. queries[(i % #queries) + 1])
end
LUA
run_wrk() {
    local name=$1; shift
    local out
    out=$(wrk --latency -t"$(( CONNS < 2 ? 1 : 2 ))" -c"$CONNS" -d"${DURATION:-15s}" "$@")
    python3 - "$name" "$out" <<'PY'
import re, sys
name, out = sys.argv[1], sys.argv[2]
def grab(label):
    m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\b", out, re.M)
    if not m: return "?"
    v = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    return f"{v:.2f} ms"
rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
print(f"{name}: p50 {grab('50%')}, p99 {grab('99%')}, {rps.group(1) if rps else '?'} req/s, non-2xx {errors.group(1) if errors else 0}")
PY
}
for CONNS in 1 8; do
    run_wrk "list page (c=$CONNS)" "$URL/api/v1/achievements?limit=20"
    run_wrk "list filtered (c=$CONNS)" "$URL/api/v1/achievements?limit=20&technology_field=new_materials&maturity=pilot"
    run_wrk "q search (c=$CONNS)" -s "$WORK/search.lua" "$URL"
    run_wrk "q search filtered, price order (c=$CONNS)" "$URL/api/v1/achievements?limit=20&q=%E9%94%82%E7%A6%BB%E5%AD%90%E7%94%B5%E6%B1%A0&region=33&maturity=pilot&sort=price_asc"
done
echo "rss after load: $(rss)"

# Matching: one demand matched against the whole corpus.
ENT_TOKEN_BODY='{"email":"ent@bench.example","password":"Tea-kettle-Orbit-19","display_name":"bench","role":"enterprise","organization":{"name":"基准企业","kind":"enterprise","credit_code":"91110000600037341L","region_code":"110108"}}'
curl -fs -XPOST "$URL/api/v1/auth/register" -H 'content-type: application/json' -d "$ENT_TOKEN_BODY" > /dev/null
ENT_TOKEN=$(curl -fs -XPOST "$URL/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"ent@bench.example","password":"Tea-kettle-Orbit-19"}' | json "['access_token']")
DEMAND=$(curl -fs -XPOST "$URL/api/v1/demands" -H "authorization: Bearer $ENT_TOKEN" -H 'content-type: application/json' \
    -d '{"title":"高镍三元正极循环寿命衰减快，寻求包覆改性方案","description":"高镍正极材料在高温循环后容量保持率低，希望合作开发表面包覆或掺杂改性工艺，能在现有烧结线上放大。","keywords":["高镍正极","包覆改性","锂离子电池"],"technology_field":"new_energy","budget_max_fen":300000000,"cooperation_modes":["joint_development","license"]}' | json "['id']")
curl -fs -XPOST "$URL/api/v1/demands/$DEMAND/submit" -H "authorization: Bearer $ENT_TOKEN" > /dev/null
curl -fs -XPOST "$URL/api/v1/demands/$DEMAND/approve" -H "authorization: Bearer $TOKEN" > /dev/null
for CONNS in 1 8; do
    run_wrk "demand matches (c=$CONNS)" -H "authorization: Bearer $TOKEN" "$URL/api/v1/demands/$DEMAND/matches?limit=10"
done
echo "rss after matching: $(rss)"
echo "index size: $(du -sh "$TECHMARKET_DATA_DIR/index" | cut -f1)"
kill "$SERVER" && wait "$SERVER" 2>/dev/null || true
SERVER=
START=$(date +%s.%N)
"$BIN" reindex > /dev/null
END=$(date +%s.%N)
python3 -c "print(f'reindex: {$COUNT} records in {$END-$START:.1f} s = {$COUNT/($END-$START):.0f} records/s (whole command, database read included)')"
# A fresh start over the same data: what the server holds for the corpus itself, without what
# the import and the load left in the allocator.
"$BIN" serve > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 600); do curl -fs "$URL/healthz" > /dev/null && break; sleep 0.5; done
for _ in $(seq 50); do curl -fs "$URL/api/v1/achievements?limit=20" > /dev/null; curl -fs "$URL/api/v1/achievements?limit=20&q=%E5%9B%BE%E5%83%8F%E8%AF%86%E5%88%AB" > /dev/null; done
echo "rss after a restart and 100 lists: $(rss)"
