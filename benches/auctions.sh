#!/usr/bin/env bash
# Auction benchmark: accepted bids per second and bid latency with BIDDERS concurrent bidders
# on one hot English lot, and the live stream's delivery lag to WATCHERS watchers.
#
# usage: benches/auctions.sh sqlite|postgres [BIDDERS] [WATCHERS] [SECONDS]
# Needs: release builds of the server and of the load generator benches/auction_load.rs (both
# built here, before the server starts); for postgres a server on 127.0.0.1:5432 where role
# postgres may create databases.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --quiet --bench auction_load --no-run
export TECHMARKET_AUCTION_NOTICE_SECS=0
source "$(dirname "$0")/serve.sh" "${1:-sqlite}"
cargo bench --quiet --bench auction_load -- "$URL" "$TOKEN" "${2:-50}" "${3:-1000}" "${4:-20}"
echo "server VmRSS after: $(awk '/VmRSS/ {print $2/1024 " MiB"}' "/proc/$SERVER/status")"
