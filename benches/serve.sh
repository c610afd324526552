# Sourced by the benchmark scripts: builds the release binary and starts it on a fresh
# database, with an administrator (bench@admin.example) and sign-in limits out of the way.
#
# usage (after `set -euo pipefail`): source benches/serve.sh sqlite|postgres
# Sets ROOT, BIN, WORK, URL, SERVER and an EXIT trap that stops the server and drops the
# database; extra TECHMARKET_* settings may be exported before sourcing.
BACKEND=${1:-sqlite}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/techmarket"
WORK=$(mktemp -d /tmp/techmarket-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export TECHMARKET_DATA_DIR="$WORK/data" TECHMARKET_BIND="127.0.0.1:$PORT" TECHMARKET_JWT_SECRET=bench-secret-bench-secret-bench-secret-0
export TECHMARKET_LOGIN_RATE_PER_MINUTE=100000 TECHMARKET_LOGIN_ACCOUNT_RATE_PER_MINUTE=100000
export TECHMARKET_REGISTER_RATE_PER_MINUTE=100000 RUST_LOG=${RUST_LOG:-warn}
unset DATABASE_URL
if [[ "$BACKEND" == postgres ]]; then
    DBNAME="tm_bench_$$"
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DBNAME"
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DBNAME"
fi
bench_cleanup() {
    [[ -n "${SERVER:-}" ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    [[ "$BACKEND" == postgres ]] && psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)"
    rm -rf "$WORK"
}
trap bench_cleanup EXIT
URL="http://127.0.0.1:$PORT"
echo "bench-admin-Pass-2026" | "$BIN" create-admin --email bench@admin.example > /dev/null
"$BIN" serve > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -fs "$URL/healthz" > /dev/null && break; sleep 0.2; done
TOKEN=$(curl -fs -XPOST "$URL/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"bench@admin.example","password":"bench-admin-Pass-2026"}' | python3 -c "import json,sys; print(json.load(sys.stdin)['access_token'])")
echo "backend=$BACKEND machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
