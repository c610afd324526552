#!/usr/bin/env bash
# Attachment benchmark: CLIENTS clients upload ROUNDS distinct 20 MiB PDF files each at once,
# then download them all at once; prints throughput (MiB/s over the wall time of each phase),
# per-request medians, and the server's resident memory (sampled every 50 ms while uploading,
# and its peak VmHWM).
#
# usage: benches/attachments.sh sqlite|postgres [CLIENTS] [ROUNDS] [MIB]
# Storage is the data folder (TECHMARKET_STORAGE_URL may be exported to bench S3).
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${2:-8}
ROUNDS=${3:-4}
MIB=${4:-20}
source "$(dirname "$0")/serve.sh" "${1:-sqlite}"
FILES="$WORK/files"
mkdir -p "$FILES"
for c in $(seq "$CLIENTS"); do
    for r in $(seq "$ROUNDS"); do
        { printf '%%PDF-1.7\n%% client %s round %s\n' "$c" "$r"; head -c "$((MIB * 1048576 - 64))" /dev/urandom; } > "$FILES/c$c-r$r.pdf"
    done
done
report() {
    python3 - "$@" <<'PY'
import statistics, sys
path, start, end, clients, rounds, mib, what = sys.argv[1:]
rows = [line.split() for line in open(path)]
codes = {}
for code, _ in rows:
    codes[code] = codes.get(code, 0) + 1
times = sorted(float(t) for _, t in rows)
wall = float(end) - float(start)
total = int(clients) * int(rounds) * int(mib)
print(f"{what}: {len(rows)} x {mib} MiB by {clients} clients in {wall:.2f} s = {total / wall:.0f} MiB/s; "
      f"per request median {statistics.median(times) * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms; statuses {codes}")
PY
}
rss_sampler() {
    local max=0
    while kill -0 "$SERVER" 2>/dev/null && [[ ! -e "$WORK/stop-sampling" ]]; do
        local rss
        rss=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")
        ((rss > max)) && max=$rss && echo "$max" > "$WORK/rss-max"
        sleep 0.05
    done
}
echo "idle VmRSS: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$SERVER/status")"
rss_sampler &
SAMPLER=$!
start=$(date +%s.%N)
ls "$FILES"/*.pdf | xargs -P "$CLIENTS" -I{} curl -s -o "{}.json" -w '%{http_code} %{time_total}\n' \
    -XPOST "$URL/api/v1/attachments?filename=report.pdf" -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/pdf' --data-binary @{} > "$WORK/uploads.txt"
end=$(date +%s.%N)
touch "$WORK/stop-sampling"
wait "$SAMPLER" || true
report "$WORK/uploads.txt" "$start" "$end" "$CLIENTS" "$ROUNDS" "$MIB" upload
echo "server VmRSS max while uploading: $(awk '{printf "%.1f MiB", $1/1024}' "$WORK/rss-max")"
ids=$(python3 -c "import json,glob; print(' '.join(json.load(open(p))['id'] for p in glob.glob('$FILES/*.json')))")
start=$(date +%s.%N)
echo $ids | tr ' ' '\n' | xargs -P "$CLIENTS" -I{} curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
    "$URL/api/v1/attachments/{}" -H "authorization: Bearer $TOKEN" > "$WORK/downloads.txt"
end=$(date +%s.%N)
report "$WORK/downloads.txt" "$start" "$end" "$CLIENTS" "$ROUNDS" "$MIB" download
echo "server VmHWM (peak since start): $(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$SERVER/status")"
