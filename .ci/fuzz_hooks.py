"""Schemathesis hooks of the CI fuzz run (loaded through SCHEMATHESIS_HOOKS).

`before_call` signs every request in with the administrator's token ($FUZZ_ADMIN_TOKEN) and
adds the request headers
.ci/fuzz_seed.py chose for some operations (read from $FUZZ_HEADERS_FILE:
{"METHOD /path": {header: value}}), such as another role's token. They go on the case, not
in `--header` or the config's `headers`: those win over the case, and in Schemathesis 4.32.5
the config's per-operation headers leak into the requests of other operations. `after_call` counts the status codes every operation answered, in every phase; at exit the
counts are written as JSON to $FUZZ_STATUS_FILE for `.ci/fuzz_coverage.py`. For debugging,
FUZZ_TRACE="METHOD /path;…" prints the body sent to those operations and what they answered.
"""

import atexit
import json
import os
import threading
from collections import defaultdict

import schemathesis

_lock = threading.Lock()
_counts = defaultdict(lambda: defaultdict(int))
# Operations whose requests and answers are printed (`;`-separated labels), for debugging.
_TRACE = set(filter(None, os.environ.get("FUZZ_TRACE", "").split(";")))


_headers = None


def _call_headers():
    global _headers
    if _headers is None:
        path = os.environ.get("FUZZ_HEADERS_FILE")
        _headers = json.load(open(path, encoding="utf-8")) if path else {}
    return _headers


def _label(case):
    return f"{case.operation.method.upper()} {case.operation.path}"


@schemathesis.hook
def before_call(context, case, kwargs):
    # Like `--header`, the token replaces whatever Authorization the case was generated with.
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    token = os.environ.get("FUZZ_ADMIN_TOKEN")
    if token:
        headers["Authorization"] = "Bearer " + token
    headers.update(_call_headers().get(_label(case), {}))
    case.headers = headers


@schemathesis.hook
def after_call(context, case, response):
    label = _label(case)
    with _lock:
        _counts[label][str(response.status_code)] += 1
    if label in _TRACE:
        print(f"[trace] {label} {str(case.body)[:200]} -> {response.status_code} {response.text[:300]}", flush=True)


@atexit.register
def _dump():
    path = os.environ.get("FUZZ_STATUS_FILE")
    if not path:
        return
    with _lock:
        data = {label: dict(codes) for label, codes in _counts.items()}
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=1, sort_keys=True)
