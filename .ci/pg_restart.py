#!/usr/bin/env python3
"""PostgreSQL restarted under write load (issue 11, section 5).

Drives a running techmarket server (its base URL and an organization member's bearer token
are given) with a steady loop of writes — achievement drafts with unique titles — while the
calling script stops and restarts the server's PostgreSQL cluster. Then checks:

* no answer is a 500, and every failure while the database is down is a 503
  ``application/problem+json`` answered within ``--fail-fast-secs``;
* after the database is back (the caller touches ``--up-marker`` when it is), the service
  accepts writes again within ``--recover-secs`` by itself;
* every write acknowledged with 201 is still there afterwards (read back one by one).

Standard library only; it talks to 127.0.0.1 only. Exit status 0 when every check holds.
"""

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request


def call(base, token, method, path, body=None, timeout=30.0):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("content-type", "application/json")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
            return response.status, response.headers.get("content-type", ""), payload, time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type", ""), error.read(), time.monotonic() - started
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        return None, "", str(error).encode(), time.monotonic() - started


def achievement(n):
    return {
        "title": f"一种在数据库重启期间持续写入的测试成果{n:05d}",
        "summary": "本成果用于检验数据库重启期间服务快速失败、自动恢复，且已确认的写入不会丢失。",
        "keywords": ["重启", "写入", "恢复"],
        "technology_field": "new_materials",
        "maturity": "pilot",
        "ip_type": "invention_patent",
        "cooperation_modes": ["transfer"],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--up-marker", required=True, help="file the caller creates once PostgreSQL is back")
    parser.add_argument("--stop-marker", required=True, help="file the caller creates once PostgreSQL is stopped")
    parser.add_argument("--duration-secs", type=float, default=40.0)
    parser.add_argument("--fail-fast-secs", type=float, default=3.0)
    parser.add_argument("--recover-secs", type=float, default=5.0)
    args = parser.parse_args()

    acknowledged = []  # (id, title)
    outcomes = []  # (time, status, content_type, latency)
    problems = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.duration_secs
    counter = iter(range(1_000_000))

    def worker():
        while time.monotonic() < deadline:
            with lock:
                n = next(counter)
            body = achievement(n)
            status, content_type, payload, latency = call(args.base, args.token, "POST", "/api/v1/achievements", body)
            at = time.monotonic()
            with lock:
                outcomes.append((at, status, content_type, latency))
                if status == 201:
                    acknowledged.append((json.loads(payload)["id"], body["title"]))
                elif status == 503:
                    if not content_type.startswith("application/problem+json"):
                        problems.append(f"503 without problem+json: {content_type!r}")
                else:
                    problems.append(f"unexpected answer {status}: {payload[:300]!r}")
            if status != 201:
                time.sleep(0.05)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stopped_at = os.path.getmtime(args.stop_marker) if os.path.exists(args.stop_marker) else None
    up_at = os.path.getmtime(args.up_marker) if os.path.exists(args.up_marker) else None
    if stopped_at is None or up_at is None:
        problems.append("the database was not stopped and restarted during the run")
    # Map wall-clock marker times onto the monotonic clock of the outcomes.
    offset = time.time() - time.monotonic()
    failures = [o for o in outcomes if o[1] != 201]
    slow = [o for o in failures if o[3] > args.fail_fast_secs]
    if slow:
        problems.append(f"{len(slow)} failed requests took longer than {args.fail_fast_secs}s (slowest {max(o[3] for o in slow):.1f}s)")
    recovered_after = None
    if up_at is not None:
        up_mono = up_at - offset
        after = [o for o in outcomes if o[0] >= up_mono and o[1] == 201]
        if after:
            recovered_after = min(o[0] for o in after) - up_mono
            if recovered_after > args.recover_secs:
                problems.append(f"recovered {recovered_after:.1f}s after PostgreSQL was back (limit {args.recover_secs}s)")
        else:
            problems.append("no write succeeded after PostgreSQL was back")
    down_failures = [o for o in failures if o[1] == 503]
    if stopped_at is not None and not down_failures:
        problems.append("no 503 while PostgreSQL was down")

    missing = []
    for record_id, title in acknowledged:
        status, _, payload, _ = call(args.base, args.token, "GET", f"/api/v1/achievements/{record_id}")
        if status != 200 or json.loads(payload).get("title") != title:
            missing.append(record_id)
    if missing:
        problems.append(f"{len(missing)} acknowledged writes are missing, e.g. {missing[:3]}")

    print(
        f"writes: {len(outcomes)} answered, {len(acknowledged)} acknowledged, {len(down_failures)} answered 503 "
        f"(slowest failure {max((o[3] for o in failures), default=0):.2f}s); "
        f"recovered {recovered_after if recovered_after is None else round(recovered_after, 2)}s after restart; "
        f"{len(acknowledged) - len(missing)}/{len(acknowledged)} acknowledged writes read back"
    )
    if stopped_at is not None:
        stop_mono = stopped_at - offset
        for at, status, _, latency in failures[:10]:
            print(f"  failure {status} answered {at - stop_mono:+.2f}s after the stop, took {latency:.2f}s")
    for problem in problems[:20]:
        print(f"FAIL: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
