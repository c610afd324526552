#!/usr/bin/env bash
# Soak and flood benchmark (issue 11): the server's resident memory under a long mixed load,
# and under a flood of concurrent registrations (argon2id hashing).
#
# usage: benches/soak.sh sqlite|postgres [SOAK_SECS] [RECORDS]
#   SOAK_SECS  length of the mixed load (default 600: ten minutes)
#   RECORDS    published achievements loaded first (default 10000)
# Needs: a release build (built here), wrk (apt-get install wrk), python3; for postgres a server
# on 127.0.0.1:5432 where role postgres may create databases. Loopback only.
#
# Mixed load: wrk with 8 connections, one request in ten a write by a signed-in university
# member — an achievement draft created, and each created draft deleted again a few requests
# later, so the market's size stays steady as in a working day (edits, not a year of new
# records in ten minutes) — the rest list pages, filtered lists, q searches and single records.
# RSS (VmRSS, with its heap part RssAnon and its file-mapped part RssFile: SQLite's mmap and the
# index segments) is sampled every 10 s; after a one-minute warm-up it should stay flat (max
# within 10% of the post-warm-up minimum).
# Flood: 60 concurrent POST /api/v1/auth/register with distinct accounts, peak RSS sampled
# every 50 ms, and the answers counted (201, or 503 + Retry-After beyond the hashing bound).
set -euo pipefail
BACKEND=${1:-sqlite}
SOAK_SECS=${2:-600}
COUNT=${3:-10000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/techmarket"
WORK=$(mktemp -d /tmp/techmarket-soak.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export TECHMARKET_DATA_DIR="$WORK/data" TECHMARKET_BIND="127.0.0.1:$PORT" TECHMARKET_JWT_SECRET=bench-secret-bench-secret-bench-secret-0
export TECHMARKET_LOGIN_RATE_PER_MINUTE=100000 TECHMARKET_LOGIN_ACCOUNT_RATE_PER_MINUTE=100000
export TECHMARKET_REGISTER_RATE_PER_MINUTE=100000 RUST_LOG=warn TECHMARKET_DELIVER_WEBHOOKS=false
unset DATABASE_URL
if [[ "$BACKEND" == postgres ]]; then
	DBNAME="tm_soak_$$"
	psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DBNAME"
	export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DBNAME"
fi
cleanup() {
	[[ -n "${SERVER:-}" ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
	[[ "$BACKEND" == postgres ]] && psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)"
	rm -rf "$WORK"
}
trap cleanup EXIT
URL="http://127.0.0.1:$PORT"
echo "bench-admin-Pass-2026" | "$BIN" create-admin --email bench@admin.example >/dev/null
"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -fs "$URL/healthz" >/dev/null && break; sleep 0.2; done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
login() { curl -fs -XPOST "$URL/api/v1/auth/login" -H 'content-type: application/json' -d "{\"email\":\"$1\",\"password\":\"$2\"}" | json "['access_token']"; }
ADMIN=$(login bench@admin.example bench-admin-Pass-2026)
curl -fs -XPOST "$URL/api/v1/auth/register" -H 'content-type: application/json' -d '{"email":"uni@bench.example","password":"Tea-kettle-Orbit-19","display_name":"bench","role":"university","organization":{"name":"基准大学","kind":"university","credit_code":"91350100M000100Y43","region_code":"330106"}}' >/dev/null
MEMBER=$(login uni@bench.example Tea-kettle-Orbit-19)
ORG=$(curl -fs "$URL/api/v1/organizations" | json "['items'][0]['id']")
python3 benches/gen_corpus.py "$COUNT" "$WORK/corpus.ndjson"
split -l 10000 -d "$WORK/corpus.ndjson" "$WORK/chunk-"
for chunk in "$WORK"/chunk-*; do
	curl -fs -XPOST "$URL/api/v1/achievements/import?org_id=$ORG&publish=true" -H "authorization: Bearer $ADMIN" \
		-H 'content-type: application/x-ndjson' --data-binary "@$chunk" >/dev/null
done
ONE=$(curl -fs "$URL/api/v1/achievements?limit=1" | json "['items'][0]['id']")
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
rss_parts_kib() { awk '/VmRSS|RssAnon|RssFile/ {printf "%s ", $2}' "/proc/$SERVER/status"; }
echo "backend=$BACKEND records=$COUNT soak=${SOAK_SECS}s machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "rss after import: $(($(rss_kib) / 1024)) MiB"

cat >"$WORK/mixed.lua" <<LUA
-- 锂离子电池正极材料, 印染废水深度处理, 机器人焊缝跟踪, 猕猴桃保鲜 (percent-encoded)
local queries = {"%E9%94%82%E7%A6%BB%E5%AD%90%E7%94%B5%E6%B1%A0%E6%AD%A3%E6%9E%81%E6%9D%90%E6%96%99", "%E5%8D%B0%E6%9F%93%E5%BA%9F%E6%B0%B4%E6%B7%B1%E5%BA%A6%E5%A4%84%E7%90%86", "%E6%9C%BA%E5%99%A8%E4%BA%BA%E7%84%8A%E7%BC%9D%E8%B7%9F%E8%B8%AA", "%E7%8C%95%E7%8C%B4%E6%A1%83%E4%BF%9D%E9%B2%9C"}
local token = "$MEMBER"
local i = 0
local created = {}
response = function(status, headers, body)
  if status == 201 then
    local id = body:match('"id"%s*:%s*"([^"]+)"')
    if id then table.insert(created, id) end
  end
end
request = function()
  i = i + 1
  local k = i % 10
  if k == 5 and #created > 0 then
    local id = table.remove(created, 1)
    return wrk.format("DELETE", "/api/v1/achievements/" .. id, {["authorization"] = "Bearer " .. token})
  elseif k == 0 then
    local body = '{"title":"一种用于长时间混合负载测试的成果草稿' .. i .. '","summary":"本成果用于检验服务在长时间混合负载下内存保持平稳，不随请求数增长。","keywords":["负载","内存"],"technology_field":"new_materials","maturity":"pilot","ip_type":"invention_patent","cooperation_modes":["transfer"]}'
    return wrk.format("POST", "/api/v1/achievements", {["content-type"] = "application/json", ["authorization"] = "Bearer " .. token}, body)
  elseif k <= 3 then
    return wrk.format("GET", "/api/v1/achievements?limit=20&q=" .. queries[(i % #queries) + 1])
  elseif k <= 5 then
    return wrk.format("GET", "/api/v1/achievements?limit=20&technology_field=new_materials&maturity=pilot")
  elseif k <= 7 then
    return wrk.format("GET", "/api/v1/achievements/$ONE")
  else
    return wrk.format("GET", "/api/v1/achievements?limit=20")
  end
end
LUA
: >"$WORK/rss.txt"
(
	while kill -0 "$SERVER" 2>/dev/null; do
		echo "$(date +%s) $(rss_parts_kib)" >>"$WORK/rss.txt"
		sleep 10
	done
) &
SAMPLER=$!
wrk --latency -t2 -c8 -d"${SOAK_SECS}s" -s "$WORK/mixed.lua" "$URL" >"$WORK/wrk.txt"
kill "$SAMPLER" 2>/dev/null || true
grep -E "Requests/sec|Non-2xx|50%|99%" "$WORK/wrk.txt" | sed 's/^/  wrk: /'
python3 - "$WORK/rss.txt" <<'PY'
import sys
rows = [tuple(map(int, line.split())) for line in open(sys.argv[1]) if len(line.split()) == 4]
start = rows[0][0]
after = [row for row in rows if row[0] - start >= 60]
def line(name, column):
    values = sorted(row[column] for row in after)
    print(f"{name}: first {rows[0][column] // 1024} MiB; after the 1-minute warm-up: min {values[0] // 1024} MiB, "
          f"median {values[len(values) // 2] // 1024} MiB, max {values[-1] // 1024} MiB, last {after[-1][column] // 1024} MiB; "
          f"max/min = {values[-1] / values[0]:.3f}")
print(f"rss samples: {len(rows)}")
line("VmRSS", 1)
line("RssAnon (heap)", 2)
line("RssFile (mapped files)", 3)
PY

# Flood: 60 concurrent registrations.
python3 - "$URL" "$SERVER" <<'PY'
import json, sys, threading, time, urllib.request, urllib.error
url, pid = sys.argv[1], sys.argv[2]
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
before = rss(); peak = before; done = False; codes = {}; lock = threading.Lock()
def sample():
    global peak
    while not done:
        peak = max(peak, rss()); time.sleep(0.05)
def register(n):
    body = json.dumps({"email": f"flood{n}@bench.example", "password": "Tea-kettle-Orbit-19",
                       "display_name": f"洪峰{n}", "role": "broker"}).encode()
    req = urllib.request.Request(url + "/api/v1/auth/register", data=body, method="POST",
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r: code = r.status
    except urllib.error.HTTPError as e: code = e.code
    with lock: codes[code] = codes.get(code, 0) + 1
sampler = threading.Thread(target=sample); sampler.start()
started = time.monotonic()
threads = [threading.Thread(target=register, args=(n,)) for n in range(60)]
for t in threads: t.start()
for t in threads: t.join()
took = time.monotonic() - started
done = True; sampler.join()
print(f"60 concurrent registrations in {took:.1f} s: answers {dict(sorted(codes.items()))}; "
      f"rss before {before // 1024} MiB, peak {peak // 1024} MiB, after {rss() // 1024} MiB")
PY
