#!/usr/bin/env python3
"""Per-operation coverage of a Schemathesis run: which operations ever answered a 2xx.

Usage: fuzz_coverage.py OPENAPI_JSON STATUS_JSON MIN_PERCENT

Prints one line per operation of the spec (the status codes it answered, `ok` when one was
2xx), then the totals; exits non-zero when fewer than MIN_PERCENT of the operations got a 2xx.
"""

import json
import sys

spec_path, status_path, minimum = sys.argv[1], sys.argv[2], float(sys.argv[3])
spec = json.load(open(spec_path, encoding="utf-8"))
statuses = json.load(open(status_path, encoding="utf-8"))
methods = ("get", "put", "post", "delete", "patch", "head", "options")
operations = [
    f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item if method in methods
]
reached = 0
cases = 0
for label in sorted(operations, key=lambda l: (l.split(" ", 1)[1], l)):
    codes = statuses.get(label, {})
    cases += sum(codes.values())
    ok = any(code.startswith("2") for code in codes)
    reached += ok
    shown = ", ".join(f"{code}×{count}" for code, count in sorted(codes.items())) or "never called"
    print(f"{'ok  ' if ok else 'MISS'} {label:<75} {shown}")
share = 100.0 * reached / len(operations) if operations else 100.0
print(f"\noperations with a 2xx: {reached}/{len(operations)} ({share:.1f}%), {cases} calls")
if share < minimum:
    sys.exit(f"fuzz coverage {share:.1f}% is below the required {minimum:.0f}%")
