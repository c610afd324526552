#!/usr/bin/env bash
# The attachment tests on S3-compatible object storage. Starts a moto server (PyPI, in a venv
# of its own) on a free port of 127.0.0.1, creates a bucket on it, and runs
# `cargo test --test api attachments` with TEST_STORAGE_URL pointing there (AWS_ENDPOINT,
# AWS_ALLOW_HTTP and dummy credentials, as a production S3-compatible store is configured).
# The server is stopped on exit. Called by .ci/run; can also be run alone from the clone:
#     bash .ci/s3.sh
#
# Environment:
#   CARGO_TARGET_DIR   cargo target dir (default /var/tmp/techmarket-ci-target)
#   CI_MOTO_VENV       venv holding moto (default /var/tmp/techmarket-ci-moto-venv)
#   MOTO_START_TIMEOUT seconds to wait for the server (default 60)
# (Deliberately not TECHMARKET_*: the app reads every TECHMARKET_* variable as configuration.)
set -euo pipefail

MOTO_VERSION="5.2.5"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/techmarket-ci-target}"
VENV="${CI_MOTO_VENV:-/var/tmp/techmarket-ci-moto-venv}"
BUCKET=techmarket-ci

mkdir -p "$(dirname "$VENV")"
(
	# Serialise concurrent CI runs sharing the venv.
	flock -w 600 9 || { echo "could not lock $VENV.lock" >&2; exit 1; }
	if [[ -x "$VENV/bin/moto_server" ]] &&
		"$VENV/bin/python" -c "import sys, moto; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
		echo "reusing moto $MOTO_VERSION in $VENV"
	else
		echo "installing moto $MOTO_VERSION in $VENV"
		rm -rf "$VENV"
		python3 -m venv "$VENV"
		"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
			"moto[server]==$MOTO_VERSION"
	fi
) 9>"$VENV.lock"

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
LOG="$(mktemp "${TMPDIR:-/tmp}/techmarket-moto.XXXXXX")"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
MOTO_PID=$!
stop() {
	kill "$MOTO_PID" 2>/dev/null || true
	wait "$MOTO_PID" 2>/dev/null || true
	rm -f "$LOG"
}
trap stop EXIT

deadline=$((SECONDS + ${MOTO_START_TIMEOUT:-60}))
until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/"; do
	if ! kill -0 "$MOTO_PID" 2>/dev/null || ((SECONDS >= deadline)); then
		echo "moto did not start on 127.0.0.1:$PORT" >&2
		tail -n 30 "$LOG" >&2 || true
		exit 1
	fi
	sleep 0.5
done
curl -fsS -o /dev/null -X PUT "http://127.0.0.1:$PORT/$BUCKET"
echo "moto $MOTO_VERSION on 127.0.0.1:$PORT, bucket $BUCKET"

AWS_ENDPOINT="http://127.0.0.1:$PORT" AWS_ALLOW_HTTP=true AWS_REGION=us-east-1 \
	AWS_ACCESS_KEY_ID=ci AWS_SECRET_ACCESS_KEY=ci \
	TEST_STORAGE_URL="s3://$BUCKET/run-$$" \
	cargo test --test api -- attachments vouchers </dev/null
