#!/usr/bin/env bash
# Per-request overhead: `GET /api/v1/achievements/{id}` on techmarket (SQLite) against its
# ceiling, a bare actix-web + diesel server (`benches/bare_server.rs`) reading the same row of
# the same database file, side by side in one run: anonymous, then signed in (an access token;
# the bare server checks its signature and expiry, nothing more).
#
# usage: benches/overhead.sh [SECONDS]   (wrk -t2 -c16, default 10 s per row)
# Needs: wrk (apt-get install wrk), python3.
set -euo pipefail
SECONDS_PER_ROW=${1:-10}
source "$(dirname "$0")/serve.sh" sqlite
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
curl -fs -XPOST "$URL/api/v1/auth/register" -H 'content-type: application/json' -d '{"email":"uni@bench.example","password":"Tea-kettle-Orbit-19","display_name":"bench","role":"university","organization":{"name":"基准大学","kind":"university","credit_code":"91350100M000100Y43","region_code":"330106"}}' > /dev/null
ORG=$(curl -fs "$URL/api/v1/organizations" | json "['items'][0]['id']")
python3 benches/gen_corpus.py 1000 "$WORK/corpus.ndjson"
curl -fs -XPOST "$URL/api/v1/achievements/import?org_id=$ORG&publish=true" -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/x-ndjson' --data-binary "@$WORK/corpus.ndjson" > /dev/null
ID=$(curl -fs "$URL/api/v1/achievements?limit=1" | json "['items'][0]['id']")
BARE_BIN=$(cargo bench --bench bare_server --no-run --message-format=json 2>/dev/null \
    | python3 -c "import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get('reason') == 'compiler-artifact' and m['target']['name'] == 'bare_server' and m.get('executable'):
        print(m['executable'])")
BARE_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BARE_BIN" "$WORK/data/techmarket.db" "127.0.0.1:$BARE_PORT" > "$WORK/bare.log" 2>&1 &
BARE=$!
trap 'kill $BARE 2>/dev/null; bench_cleanup' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$BARE_PORT/api/v1/achievements/$ID" > /dev/null && break; sleep 0.2; done
echo "row: $(curl -fs "$URL/api/v1/achievements/$ID" | wc -c) bytes from techmarket, $(curl -fs "http://127.0.0.1:$BARE_PORT/api/v1/achievements/$ID" | wc -c) from the bare server"
measure() { # name url [header]
    local out
    if [[ -n "${3:-}" ]]; then
        out=$(wrk -t2 -c16 -d"${SECONDS_PER_ROW}s" --latency -H "$3" "$2")
    else
        out=$(wrk -t2 -c16 -d"${SECONDS_PER_ROW}s" --latency "$2")
    fi
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
    p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
    p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
    echo "$1: $rps req/s, p50 $p50, p99 $p99" >&2
    echo "$rps"
}
for who in anonymous signed-in; do
    header=""
    [[ $who == signed-in ]] && header="authorization: Bearer $TOKEN"
    bare=$(measure "bare $who" "http://127.0.0.1:$BARE_PORT/api/v1/achievements/$ID" "$header")
    ours=$(measure "techmarket $who" "$URL/api/v1/achievements/$ID" "$header")
    python3 -c "print(f'$who: techmarket serves {$ours/$bare:.0%} of the bare server')"
done
