"""Auction load: bidders hammering one hot English lot, and watchers of its live stream.

usage: python3 benches/auction_load.py URL ADMIN_TOKEN [BIDDERS] [WATCHERS] [SECONDS]

Sets up a university with one published achievement and BIDDERS verified enterprises, puts
an English lot up (opening in a few seconds, a 100-fen step), registers every bidder with a
held deposit, opens WATCHERS streams of the lot (`GET /api/v1/auctions/{id}/events`), then
lets every bidder bid for SECONDS: each bids the lowest acceptable amount it knows (from its
last answer: 201, or 409 `bid_too_low` with `min_next_fen`). Prints accepted bids per second,
the latency of bid requests (p50/p99, accepted and refused alike), and the delivery lag of
bid events to the watchers (receipt time − the bid's `accepted_at`, p50/p99).
"""
import datetime
import json
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request

URL, ADMIN = sys.argv[1], sys.argv[2]
BIDDERS = int(sys.argv[3]) if len(sys.argv) > 3 else 50
WATCHERS = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
SECONDS = float(sys.argv[5]) if len(sys.argv) > 5 else 20
PASSWORD = "Tea-kettle-Orbit-19"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(n):
    first17 = f"9133010600{n:07d}"
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return first17 + ALPHABET[(31 - total % 31) % 31]


def call(method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(URL + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def member(n, role, kind):
    email = f"{role}{n}@bench.example"
    status, _ = call("POST", "/api/v1/auth/register", body={
        "email": email, "password": PASSWORD, "display_name": f"bench{n}", "role": role,
        "organization": {"name": f"基准机构{n}", "kind": kind, "credit_code": credit_code(n), "region_code": "330106"}})
    assert status == 201, status
    _, tokens = call("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD})
    _, me = call("GET", "/api/v1/me", tokens["access_token"])
    org = me["user"]["organization_id"]
    call("POST", f"/api/v1/admin/organizations/{org}/verify", ADMIN, {"verified": True})
    return tokens["access_token"], org


def instant(seconds):
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)).isoformat()


uni_token, uni_org = member(1, "university", "university")
_, achievement = call("POST", "/api/v1/achievements?publish=true", ADMIN, {
    "title": "一种高能量密度锂离子电池正极材料的制备方法", "org_id": uni_org,
    "summary": "本成果提出一种富锂锰基正极材料的共沉淀制备工艺，通过表面包覆提高循环稳定性，适用于动力电池和储能系统。",
    "keywords": ["锂离子电池", "正极材料"], "technology_field": "new_energy", "maturity": "pilot",
    "ip_type": "invention_patent", "cooperation_modes": ["transfer"], "asking_price_fen": 50_000_000,
    "patents": [], "contact": {"name": "张工", "email": "zhang@bench.example", "phone": "13800138000"},
    "region_code": "330106", "trl": 6})
bidders = [member(100 + n, "enterprise", "enterprise") for n in range(BIDDERS)]
opens_in = 8 + BIDDERS * 0.05
_, lot = call("POST", "/api/v1/auctions", ADMIN, {
    "achievement_id": achievement["id"], "type": "english", "starting_price_fen": 1_000_000,
    "increment_fen": 100, "deposit_fen": 100_000, "extension_secs": 0,
    "starts_at": instant(opens_in), "ends_at": instant(opens_in + SECONDS + 30)})
lot_id = lot["id"]
call("POST", f"/api/v1/auctions/{lot_id}/submit", ADMIN, {})
call("POST", f"/api/v1/auctions/{lot_id}/announce", ADMIN, {})
for token, _ in bidders:
    _, reg = call("POST", f"/api/v1/auctions/{lot_id}/registrations", token, {})
    call("POST", f"/api/v1/auctions/{lot_id}/registrations/{reg['id']}/deposit", ADMIN, {"status": "held"})

lags = []
lags_lock = threading.Lock()
stop = threading.Event()


def watch():
    try:
        with urllib.request.urlopen(URL + f"/api/v1/auctions/{lot_id}/events", timeout=SECONDS + 120) as stream:
            kind = None
            for raw in stream:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "bid":
                    accepted = datetime.datetime.fromisoformat(json.loads(line[6:])["accepted_at"].replace("Z", "+00:00"))
                    lag = time.time() - accepted.timestamp()
                    with lags_lock:
                        lags.append(lag)
                if stop.is_set():
                    return
    except Exception as error:  # noqa: BLE001 - a watcher that fails is reported, not fatal
        print(f"watcher: {error}", file=sys.stderr)


watchers = [threading.Thread(target=watch, daemon=True) for _ in range(WATCHERS)]
for thread in watchers:
    thread.start()
while True:
    _, seen = call("GET", f"/api/v1/auctions/{lot_id}")
    if seen["status"] == "open":
        break
    time.sleep(0.2)

latencies, accepted = [], [0]
lock = threading.Lock()


def bid(token):
    rng = random.Random(token)
    next_amount = 1_000_000
    deadline = time.monotonic() + SECONDS
    while time.monotonic() < deadline:
        start = time.perf_counter()
        # Bidders jump ahead by a random number of steps, as eager bidders do.
        amount = next_amount + 100 * rng.randrange(BIDDERS)
        status, body = call("POST", f"/api/v1/auctions/{lot_id}/bids", token, {"amount_fen": amount})
        elapsed = time.perf_counter() - start
        with lock:
            latencies.append(elapsed)
            if status == 201:
                accepted[0] += 1
        if status == 201:
            next_amount = body["amount_fen"] + 100
        elif status == 409 and body.get("min_next_fen"):
            next_amount = body["min_next_fen"]
        else:
            raise SystemExit(f"bid answered {status}: {body}")


threads = [threading.Thread(target=bid, args=(token,)) for token, _ in bidders]
began = time.monotonic()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
took = time.monotonic() - began
time.sleep(1.5)
stop.set()


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


_, final = call("GET", f"/api/v1/auctions/{lot_id}")
print(f"bidders={BIDDERS} watchers={WATCHERS} seconds={took:.1f}")
print(f"accepted bids: {accepted[0]} ({accepted[0] / took:.0f}/s); bid requests: {len(latencies)} ({len(latencies) / took:.0f}/s)")
print(f"bid latency: p50 {pct(latencies, 0.5) * 1000:.1f} ms, p99 {pct(latencies, 0.99) * 1000:.1f} ms")
print(f"final price {final['current_price_fen']} fen after {final['bid_count']} bids")
expected = accepted[0] * WATCHERS
print(f"stream lag over {len(lags)} deliveries (of {expected} expected): p50 {pct(lags, 0.5) * 1000:.0f} ms, p99 {pct(lags, 0.99) * 1000:.0f} ms, median {statistics.median(lags) * 1000 if lags else float('nan'):.0f} ms")
