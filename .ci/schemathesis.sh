#!/usr/bin/env bash
# API fuzzing of techmarket with Schemathesis.
#
# Builds the debug binary, starts `techmarket serve` on a free local port against a
# throw-away SQLite data dir, logs in as a freshly created admin, seeds a market through the
# API (.ci/fuzz_seed.py, which also writes the Schemathesis config handing every operation
# real ids) and runs Schemathesis over the whole OpenAPI spec served by the app, stateful
# phase included. Then prints which operations answered a 2xx (.ci/fuzz_coverage.py, from
# the counts .ci/fuzz_hooks.py records). Exits non-zero on any Schemathesis failure or
# error, on a timeout, on too little coverage, or if the server cannot be brought up.
#
# Called by .ci/run; can also be run on its own from anywhere inside the clone:
#     bash .ci/schemathesis.sh
#
# Tunables (environment):
#   CARGO_TARGET_DIR              cargo target dir (default /var/tmp/techmarket-ci-target)
#   CI_TECHMARKET_BIN             use this binary instead of building one with `cargo build`
#   CI_SCHEMATHESIS_VENV          venv holding Schemathesis (default /var/tmp/techmarket-ci-venv)
# (Deliberately not TECHMARKET_*: the app reads every TECHMARKET_* variable as configuration.)
#   SCHEMATHESIS_MAX_EXAMPLES     max generated cases per operation and phase (default 30)
#   SCHEMATHESIS_SEED             unset (default): deterministic generation (the same cases on
#                                 every run); set to an integer to run randomized with that seed
#   SCHEMATHESIS_WORKERS          concurrent workers (default 2)
#   SCHEMATHESIS_TIME_LIMIT       hard wall-clock bound of the Schemathesis run, seconds (default 1200)
#   SCHEMATHESIS_REPORT_DIR       where the JUnit report goes (default $CARGO_TARGET_DIR/schemathesis-report)
#   SCHEMATHESIS_EXTRA_ARGS       extra arguments appended to `schemathesis run` (word-split),
#                                 e.g. "--exclude-path /api/v1/auth/logout"
#   SCHEMATHESIS_PHASES           phases to run (default examples,coverage,fuzzing,stateful)
#   SCHEMATHESIS_MIN_COVERAGE     least share of operations that must answer a 2xx at least once,
#                                 percent (default 90)
#   SERVER_START_TIMEOUT          seconds to wait for /healthz and /readyz (default 90)
#   KEEP_FUZZ_WORKDIR=1           keep the temp dir (data dir, server log) for inspection
set -euo pipefail

# Pinned Schemathesis. The CLI flags below are written against this exact version (4.x;
# 3.x used different flag names). To upgrade: bump the version, refresh CONSTRAINTS from
# `pip freeze` of a scratch venv, and re-check `schemathesis run --help`.
SCHEMATHESIS_VERSION="4.32.5"
CONSTRAINTS="$(
	cat <<'EOF'
anyio==4.16.0
certifi==2026.10.18
charset-normalizer==3.5.2
click==8.5.1
graphql-core==3.3.2
harfile==0.6.0
hypothesis==6.170.15
hypothesis-graphql==0.13.5
idna==3.20
iniconfig==2.3.1
jsonschema_rs==0.60.3
markdown-it-py==4.3.0
MarkupSafe==3.0.4
mdurl==0.1.2
packaging==26.3
pluggy==1.7.0
Pygments==2.21.0
pyrate-limiter==4.5.1
pytest==9.2.0
PyYAML==6.0.3
requests==2.34.2
rich==15.0.0
sortedcontainers==2.4.0
typing_extensions==4.16.0
urllib3==2.8.0
Werkzeug==3.1.9
EOF
)"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/techmarket-ci-target}"
VENV="${CI_SCHEMATHESIS_VENV:-/var/tmp/techmarket-ci-venv}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-30}"
SEED="${SCHEMATHESIS_SEED:-}"
WORKERS="${SCHEMATHESIS_WORKERS:-2}"
TIME_LIMIT="${SCHEMATHESIS_TIME_LIMIT:-1200}"
PHASES="${SCHEMATHESIS_PHASES:-examples,coverage,fuzzing,stateful}"
MIN_COVERAGE="${SCHEMATHESIS_MIN_COVERAGE:-90}"
REPORT_DIR="${SCHEMATHESIS_REPORT_DIR:-$CARGO_TARGET_DIR/schemathesis-report}"
START_TIMEOUT="${SERVER_START_TIMEOUT:-90}"
ADMIN_EMAIL="admin@ci.example"

step_start=$SECONDS
step() {
	printf '\n--- [schemathesis] %s (+%ss)\n' "$*" "$((SECONDS - step_start))"
}
die() {
	printf '\n[schemathesis] ERROR: %s\n' "$*" >&2
	exit 1
}

WORK=""
SERVER_PID=""
SERVER_LOG=""

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "[schemathesis] server did not stop on SIGTERM; sending SIGKILL" >&2
			kill -KILL "$SERVER_PID" 2>/dev/null
		fi
		wait "$SERVER_PID" 2>/dev/null
	fi
	if [[ $rc -ne 0 && -n "$SERVER_LOG" && -f "$SERVER_LOG" ]]; then
		echo
		echo "===== techmarket server log (last 200 lines of $SERVER_LOG) =====" >&2
		tail -n 200 "$SERVER_LOG" >&2
		echo "===== end of server log =====" >&2
	fi
	if [[ -n "$WORK" && -d "$WORK" ]]; then
		if [[ "${KEEP_FUZZ_WORKDIR:-0}" == 1 ]]; then
			echo "[schemathesis] kept work dir $WORK" >&2
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v python3 >/dev/null || die "python3 not found"
command -v curl >/dev/null || die "curl not found"

# --------------------------------------------------------------------------- venv
step "Schemathesis $SCHEMATHESIS_VERSION in $VENV"
stamp="$(printf 'schemathesis==%s\n%s\n%s\n' "$SCHEMATHESIS_VERSION" "$CONSTRAINTS" "$(python3 -c 'import sys; print(sys.version)')" | sha256sum | cut -d' ' -f1)"
mkdir -p "$(dirname "$VENV")"
(
	# Serialise concurrent CI runs sharing the venv.
	flock -w 600 9 || die "could not lock $VENV.lock"
	if [[ -x "$VENV/bin/schemathesis" && -f "$VENV/.techmarket-ci-stamp" ]] &&
		[[ "$(cat "$VENV/.techmarket-ci-stamp")" == "$stamp" ]] &&
		"$VENV/bin/schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION"; then
		echo "reusing existing venv"
	else
		echo "creating venv"
		rm -rf "$VENV"
		python3 -m venv "$VENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
		printf '%s\n' "$CONSTRAINTS" >"$VENV/constraints.txt"
		"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
			-c "$VENV/constraints.txt" "schemathesis==$SCHEMATHESIS_VERSION"
		printf '%s\n' "$stamp" >"$VENV/.techmarket-ci-stamp"
	fi
) 9>"$VENV.lock"
ST="$VENV/bin/schemathesis"
"$ST" --version

# --------------------------------------------------------------------------- binary
if [[ -n "${CI_TECHMARKET_BIN:-}" ]]; then
	step "using CI_TECHMARKET_BIN=$CI_TECHMARKET_BIN"
	BIN="$CI_TECHMARKET_BIN"
else
	step "cargo build (target dir $CARGO_TARGET_DIR)"
	cargo build
	BIN="$CARGO_TARGET_DIR/debug/techmarket"
fi
[[ -x "$BIN" ]] || die "binary $BIN not found or not executable"
BIN="$(realpath "$BIN")" # the server runs from the temp dir

# --------------------------------------------------------------------------- server
WORK="$(mktemp -d "${TMPDIR:-/tmp}/techmarket-fuzz.XXXXXX")"
chmod 700 "$WORK"
DATA_DIR="$WORK/data"
mkdir -p "$DATA_DIR"
SERVER_LOG="$WORK/server.log"
: >"$SERVER_LOG"

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"

# The server and the admin CLI share this environment and run from the temp dir (so a
# techmarket.toml in the clone is not read). DATABASE_URL and TECHMARKET_CONFIG are removed
# so that the CI environment cannot point the fuzzer at a real database or config: the app
# then uses SQLite (techmarket.db) inside the temp data dir.
unset DATABASE_URL TECHMARKET_CONFIG
export TECHMARKET_DATA_DIR="$DATA_DIR"
export TECHMARKET_BIND="127.0.0.1:$PORT"
export TECHMARKET_ENV=development
export TECHMARKET_LOG_FORMAT=text
TECHMARKET_JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
export TECHMARKET_JWT_SECRET
export TECHMARKET_LOGIN_RATE_PER_MINUTE=1000000
export TECHMARKET_LOGIN_ACCOUNT_RATE_PER_MINUTE=1000000
export TECHMARKET_REGISTER_RATE_PER_MINUTE=1000000
# The fuzzer may register webhooks at arbitrary addresses: deliveries stay queued, nothing leaves the machine.
export TECHMARKET_DELIVER_WEBHOOKS=false
# Auctions the seed puts up open seconds after their announcement (the 7-day notice is
# the production default).
export TECHMARKET_AUCTION_NOTICE_SECS=0
# The access token must outlive the whole run (default TTL is 15 minutes).
export TECHMARKET_ACCESS_TOKEN_TTL_SECS=$((TIME_LIMIT + 3600))
export RUST_BACKTRACE=1

ADMIN_PASSWORD="$(python3 -c 'import secrets; print("Ci#" + secrets.token_urlsafe(24) + "-9zQ")')"

step "techmarket migrate"
(cd "$WORK" && "$BIN" migrate </dev/null >>"$SERVER_LOG" 2>&1) || die "techmarket migrate failed"

step "techmarket create-admin --email $ADMIN_EMAIL"
printf '%s\n' "$ADMIN_PASSWORD" | (cd "$WORK" && "$BIN" create-admin --email "$ADMIN_EMAIL" >>"$SERVER_LOG" 2>&1) ||
	die "techmarket create-admin failed"

step "techmarket serve on $BASE"
echo "----- serve -----" >>"$SERVER_LOG"
cd "$WORK"
"$BIN" serve </dev/null >>"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
cd "$ROOT"

wait_for() { # wait_for PATH: until GET PATH answers 200, the server dies, or START_TIMEOUT runs out
	local path=$1 deadline=$((SECONDS + START_TIMEOUT))
	until curl -fsS -o /dev/null --max-time 2 "$BASE$path" 2>/dev/null; do
		kill -0 "$SERVER_PID" 2>/dev/null || die "server exited before $path answered 200"
		((SECONDS < deadline)) || die "$BASE$path did not answer 200 within ${START_TIMEOUT}s"
		sleep 0.5
	done
	echo "$path: 200"
}
wait_for /healthz
wait_for /readyz

# --------------------------------------------------------------------------- login
step "log in as $ADMIN_EMAIL"
ADMIN_EMAIL="$ADMIN_EMAIL" ADMIN_PASSWORD="$ADMIN_PASSWORD" python3 -c '
import json, os
print(json.dumps({"email": os.environ["ADMIN_EMAIL"], "password": os.environ["ADMIN_PASSWORD"]}))
' >"$WORK/login-request.json"
login_status="$(curl -sS --max-time 30 -o "$WORK/login-response.json" -w '%{http_code}' \
	-H 'Content-Type: application/json' --data-binary "@$WORK/login-request.json" \
	"$BASE/api/v1/auth/login")" || die "login request failed"
if [[ "$login_status" != 200 ]]; then
	echo "login response body:" >&2
	cat "$WORK/login-response.json" >&2 || true
	die "POST /api/v1/auth/login returned HTTP $login_status"
fi
TOKEN="$(python3 -c '
import json, sys
body = json.load(open(sys.argv[1]))
token = body.get("access_token")
if not isinstance(token, str) or not token:
    sys.exit("no access_token in login response: %r" % sorted(body))
print(token)
' "$WORK/login-response.json")" || die "could not read access_token from the login response"
echo "got an access token (token_type $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("token_type"))' "$WORK/login-response.json"))"

# --------------------------------------------------------------------------- seed
step "seed a market through the API"
# The generated config gives every operation real ids; a schemathesis.toml in the clone, if
# any, comes first.
CONFIG="$WORK/schemathesis.toml"
if [[ -f "$ROOT/schemathesis.toml" ]]; then
	cat "$ROOT/schemathesis.toml" >"$CONFIG"
fi
python3 "$ROOT/.ci/fuzz_seed.py" "$BASE" "$TOKEN" "$WORK/seed.toml" "$WORK/seed-headers.json" ||
	die "seeding the market failed"
cat "$WORK/seed.toml" >>"$CONFIG"
CONFIG_ARGS=(--config-file "$CONFIG")
export SCHEMATHESIS_HOOKS="$ROOT/.ci/fuzz_hooks.py"
export FUZZ_STATUS_FILE="$REPORT_DIR/statuses.json"
export FUZZ_HEADERS_FILE="$WORK/seed-headers.json"
# The hooks sign the requests in (see .ci/fuzz_hooks.py for why not `--header`).
export FUZZ_ADMIN_TOKEN="$TOKEN"

# --------------------------------------------------------------------------- fuzz
EXTRA_ARGS=()
if [[ -n "${SCHEMATHESIS_EXTRA_ARGS:-}" ]]; then
	read -r -a EXTRA_ARGS <<<"$SCHEMATHESIS_EXTRA_ARGS"
fi
mkdir -p "$REPORT_DIR"
rm -f "$REPORT_DIR/junit.xml" "$FUZZ_STATUS_FILE"

# Deterministic mode ignores --seed, so it is one or the other.
if [[ -n "$SEED" ]]; then
	GENERATION_ARGS=(--seed "$SEED")
	generation_desc="seed $SEED"
else
	GENERATION_ARGS=(--generation-deterministic)
	generation_desc="deterministic"
fi
CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"
ST_CMD=(
	"$ST" "${CONFIG_ARGS[@]}" run "$BASE/api-spec/openapi.json"
	--origin "$BASE"
	--checks "$CHECKS"
	--max-examples "$MAX_EXAMPLES"
	--phases "$PHASES"
	"${GENERATION_ARGS[@]}"
	--workers "$WORKERS"
	--request-timeout 30
	--wait-for-schema 30
	# A lot's live stream (Server-Sent Events) lasts until the lot closes: it is not a
	# request/response operation to fuzz; tests/api/auctions.rs covers it.
	--exclude-path "/api/v1/auctions/{id}/events"
	--report junit --report-junit-path "$REPORT_DIR/junit.xml"
	"${EXTRA_ARGS[@]}"
)

step "schemathesis run (phases ${PHASES}, max ${MAX_EXAMPLES} examples/operation, ${WORKERS} workers, ${generation_desc}, hard limit ${TIME_LIMIT}s)"
printf '%q ' "${ST_CMD[@]}"
echo

# Run from the temp dir so Schemathesis/Hypothesis leave no files in the clone.
# `timeout` is the global bound: SIGINT first (Schemathesis prints its summary), SIGKILL 60s later.
st_rc=0
fuzz_start=$SECONDS
(cd "$WORK" && timeout --signal=INT --kill-after=60 "$TIME_LIMIT" "${ST_CMD[@]}") || st_rc=$?

echo "JUnit report: $REPORT_DIR/junit.xml; schemathesis ran $((SECONDS - fuzz_start))s"
step "coverage: operations that answered a 2xx"
coverage_rc=0
if [[ -f "$FUZZ_STATUS_FILE" ]]; then
	curl -fsS --max-time 30 -o "$WORK/openapi.json" "$BASE/api-spec/openapi.json" || die "could not fetch the spec"
	python3 "$ROOT/.ci/fuzz_coverage.py" "$WORK/openapi.json" "$FUZZ_STATUS_FILE" "$MIN_COVERAGE" || coverage_rc=$?
else
	echo "no status counts recorded ($FUZZ_STATUS_FILE)" >&2
	coverage_rc=1
fi
if [[ $st_rc -eq 124 || $st_rc -eq 137 ]]; then
	die "schemathesis did not finish within ${TIME_LIMIT}s (SCHEMATHESIS_TIME_LIMIT)"
elif [[ $st_rc -ne 0 ]]; then
	die "schemathesis reported failures or errors (exit code $st_rc)"
fi
kill -0 "$SERVER_PID" 2>/dev/null || die "the server died during the fuzz run"
[[ $coverage_rc -eq 0 ]] || die "too few operations answered a 2xx (SCHEMATHESIS_MIN_COVERAGE=${MIN_COVERAGE}%)"
step "schemathesis passed"
