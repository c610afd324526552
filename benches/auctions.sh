#!/usr/bin/env bash
# Auction benchmark: accepted bids per second and bid latency with BIDDERS concurrent bidders
# on one hot English lot, and the live stream's delivery lag to WATCHERS watchers.
#
# usage: benches/auctions.sh sqlite|postgres [BIDDERS] [WATCHERS] [SECONDS]
# Needs: a release build (built here), python3; for postgres a server on 127.0.0.1:5432 where
# role postgres may create databases.
set -euo pipefail
BACKEND=${1:-sqlite}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/techmarket"
WORK=$(mktemp -d /tmp/techmarket-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export TECHMARKET_DATA_DIR="$WORK/data" TECHMARKET_BIND="127.0.0.1:$PORT" TECHMARKET_JWT_SECRET=bench-secret-bench-secret-bench-secret-0
export TECHMARKET_LOGIN_RATE_PER_MINUTE=100000 TECHMARKET_LOGIN_ACCOUNT_RATE_PER_MINUTE=100000
export TECHMARKET_REGISTER_RATE_PER_MINUTE=100000 TECHMARKET_AUCTION_NOTICE_SECS=0 RUST_LOG=warn
unset DATABASE_URL
if [[ "$BACKEND" == postgres ]]; then
    DBNAME="tm_bench_$$"
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
echo "bench-admin-Pass-2026" | "$BIN" create-admin --email bench@admin.example > /dev/null
"$BIN" serve > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -fs "$URL/healthz" > /dev/null && break; sleep 0.2; done
TOKEN=$(curl -fs -XPOST "$URL/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"bench@admin.example","password":"bench-admin-Pass-2026"}' | python3 -c "import json,sys; print(json.load(sys.stdin)['access_token'])")
echo "backend=$BACKEND machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
python3 benches/auction_load.py "$URL" "$TOKEN" "${2:-50}" "${3:-1000}" "${4:-20}"
echo "server VmRSS after: $(awk '/VmRSS/ {print $2/1024 " MiB"}' "/proc/$SERVER/status")"
