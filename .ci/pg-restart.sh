#!/usr/bin/env bash
# PostgreSQL restarted under write load: requests fail fast with 503 problem+json while it is
# down, the service recovers by itself within 5 s after it is back, and no acknowledged write is
# lost (issue 11, section 5).
#
# Runs against a throw-away PostgreSQL cluster of its own (initdb on a free local port, run as
# the `postgres` OS user), so stopping it disturbs nothing else on the machine. Builds nothing:
# expects the debug binary (CI_TECHMARKET_BIN, else $CARGO_TARGET_DIR/debug/techmarket).
#
#     bash .ci/pg-restart.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/techmarket-ci-target}"
BIN="${CI_TECHMARKET_BIN:-$CARGO_TARGET_DIR/debug/techmarket}"
[[ -x "$BIN" ]] || {
	echo "[pg-restart] no binary at $BIN (cargo build first)" >&2
	exit 1
}
PG_BIN="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d | sort -V | tail -n 1)"
[[ -x "$PG_BIN/initdb" ]] || {
	echo "[pg-restart] initdb not found under /usr/lib/postgresql" >&2
	exit 1
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

WORK="$(mktemp -d /tmp/techmarket-pg-restart.XXXXXX)"
chmod 0755 "$WORK"
PGDATA="$WORK/pgdata"
PG_PORT="$(free_port)"
APP_PORT="$(free_port)"
SERVER_PID=""
as_postgres() { runuser -u postgres -- "$@"; }
pg_ctl() { as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -w -t 60 "$@"; }

cleanup() {
	local rc=$?
	if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	pg_ctl stop -m immediate >/dev/null 2>&1 || true
	if [[ $rc -ne 0 ]]; then
		echo "===== server log: errors and warnings =====" >&2
		grep -E "ERROR|WARN" "$WORK/server.log" | tail -n 40 >&2 || true
		echo "===== server log (last 30 lines) =====" >&2
		tail -n 30 "$WORK/server.log" >&2 || true
	fi
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT

PGRUN="$WORK/pgrun" # socket and log, writable by the postgres user
mkdir -p "$PGDATA" "$PGRUN" && chown postgres: "$PGDATA" "$PGRUN"
as_postgres "$PG_BIN/initdb" -D "$PGDATA" -U postgres -A trust >/dev/null
pg_ctl -o "-p $PG_PORT -k $PGRUN -c listen_addresses=127.0.0.1" -l "$PGRUN/pg.log" start >/dev/null
DB_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"

export DATABASE_URL="$DB_URL"
export TECHMARKET_BIND="127.0.0.1:$APP_PORT"
export TECHMARKET_DATA_DIR="$WORK/data"
export TECHMARKET_JWT_SECRET="pg-restart-check-secret-0123456789abcdef"
export TECHMARKET_DELIVER_WEBHOOKS=false
export TECHMARKET_LOGIN_RATE_PER_MINUTE=1000
mkdir -p "$TECHMARKET_DATA_DIR"
(cd "$WORK" && exec "$BIN" serve >"$WORK/server.log" 2>&1) &
SERVER_PID=$!
BASE="http://127.0.0.1:$APP_PORT"
for _ in $(seq 1 120); do
	curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
	sleep 0.5
done
curl -fsS "$BASE/readyz" >/dev/null

# A university member who writes achievement drafts.
EMAIL="restart@example.edu.cn"
PASSWORD="Tea-kettle-Orbit-19"
curl -fsS -o /dev/null -H 'content-type: application/json' "$BASE/api/v1/auth/register" -d "{
  \"email\": \"$EMAIL\", \"password\": \"$PASSWORD\", \"display_name\": \"重启检验\", \"role\": \"university\",
  \"organization\": {\"name\": \"重启检验大学\", \"kind\": \"university\", \"credit_code\": \"91330106009990001P\", \"region_code\": \"330106\"}}"
TOKEN="$(curl -fsS -H 'content-type: application/json' "$BASE/api/v1/auth/login" \
	-d "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"

python3 "$ROOT/.ci/pg_restart.py" --base "$BASE" --token "$TOKEN" --duration-secs 30 \
	--stop-marker "$WORK/stopped" --up-marker "$WORK/up" &
DRIVER=$!
sleep 6
echo "[pg-restart] stopping PostgreSQL (fast) under load"
pg_ctl stop -m fast >/dev/null
touch "$WORK/stopped"
sleep 6
echo "[pg-restart] starting PostgreSQL again"
pg_ctl -o "-p $PG_PORT -k $PGRUN -c listen_addresses=127.0.0.1" -l "$PGRUN/pg.log" start >/dev/null
touch "$WORK/up"
wait "$DRIVER"
echo "[pg-restart] OK"
