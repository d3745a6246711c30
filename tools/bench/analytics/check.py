#!/usr/bin/env python3
"""Compare `cortex bench analytics --json --results` output with DuckDB's answers in expected_results.json.

  cortex bench analytics --dataset DIR --queries FILE --json --results > out.jsonl
  python3 tools/bench/analytics/check.py out.jsonl DIR/expected_results.json

expected_results.json is written beside the data by the shared bench.py (DuckDB's result per query run,
e.g. "q01_tenant_daily_30d[heavy]"). Floats must agree within 1e-6 relative; bools compare as 0/1.
Prints one line per query and exits 1 on any mismatch or missing query. Python stdlib only.
"""
import json
import sys


def norm(v):
    return int(v) if isinstance(v, bool) else v


def same(a, b):
    a, b = norm(a), norm(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))
    return a == b


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    got = {}
    for line in open(sys.argv[1]):
        obj = json.loads(line)
        if obj.get("phase") == "query":
            got[obj["name"]] = obj
    expected = json.load(open(sys.argv[2]))
    bad = 0
    for name, rows in expected.items():
        if "~" in name:  # the window-function forms (e.g. "~portable") are not part of the SQL subset
            continue
        mine = got.get(name)
        if mine is None:
            print(f"MISSING  {name}")
            bad += 1
            continue
        result = mine.get("result")
        if result is None:
            sys.exit("run cortex bench analytics with --results")
        first_diff = next((i for i, (x, y) in enumerate(zip(rows, result))
                           if len(x) != len(y) or not all(same(a, b) for a, b in zip(x, y))), None)
        if len(rows) != len(result) or first_diff is not None:
            bad += 1
            where = f"row {first_diff}: expected {rows[first_diff]}, got {result[first_diff]}" if first_diff is not None \
                else f"{len(result)} rows, expected {len(rows)}"
            print(f"DIFFERS  {name}: {where}")
        else:
            print(f"ok       {name} ({len(rows)} rows)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
