#!/usr/bin/env python3
"""Side-by-side analytics benchmark: Cortex vs DuckDB on the shared generator's data, one run, one machine.

  python3 -m venv .venv-bench-analytics && .venv-bench-analytics/bin/pip install -r tools/bench/analytics/requirements.txt
  .venv-bench-analytics/bin/python tools/bench/analytics/compare.py --data DIR [--queries FILE] [--reps 5]
        [--cortex .build/release/cortex] [--write-docs]

DIR is a folder written by the shared gen.py (events.csv/.parquet, conversations.csv/.parquet, meta.json).
In this one invocation:
  1. DuckDB (2 threads, the anchors' "duckdb-2t" configuration: native tables, explicit DDL, loaded from
     CSV with read_csv) loads both tables (timed: CSV ingest rate) and runs every query once to warm up
     and --reps times (median); the duckdb variant of a query is used where the file has one;
  2. cortex bench analytics --json --results on the same folder (fresh store; bulk CSV load, then the
     same queries, same parameters, same warm-up and reps);
  3. DuckDB runs the queries a second time; its figure per query is the mean of its two medians, so
     drift of the shared machine hits both engines alike;
  4. every Cortex result is compared with DuckDB's (floats within 1e-6 relative; bools as 0/1);
     ratios Cortex / DuckDB per query, geometric mean, tenant-scoped median-tenant ratios, storage
     bytes per event row, CSV ingest rates; a Markdown report on stdout.
--write-docs replaces the text between <!-- analytics-bench:begin --> and <!-- analytics-bench:end -->
in docs/benchmarks.md. Progress goes to stderr.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DAY_MS = 86_400_000

EVENTS_DDL = """CREATE TABLE events (tenant_id INTEGER, conversation_id BIGINT, ts BIGINT, event_type VARCHAR,
  channel VARCHAR, pattern_hash BIGINT, latency_ms INTEGER, tokens_in INTEGER, tokens_out INTEGER, rating TINYINT,
  country VARCHAR)"""
CONVERSATIONS_DDL = """CREATE TABLE conversations (tenant_id INTEGER, conversation_id BIGINT, user_profile_id BIGINT,
  started_at BIGINT, duration_s INTEGER, message_count INTEGER, success_score FLOAT, lead_generated BOOLEAN,
  appointment_booked BOOLEAN, pattern_hash BIGINT, channel VARCHAR, country VARCHAR)"""


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def parse_queries(path):
    text = open(path).read()
    blocks = re.split(r"^-- name:\s*(\S+)\s*$", text, flags=re.M)
    queries = []
    for name, body in zip(blocks[1::2], blocks[2::2]):
        parts = re.split(r"^-- variant:\s*(\w+)\s*$", body, flags=re.M)

        def clean(s):
            lines = [ln for ln in s.splitlines() if not ln.strip().startswith("--")]
            return "\n".join(lines).strip().rstrip(";").strip()
        sql = {"default": clean(parts[0])}
        for engine, vbody in zip(parts[1::2], parts[2::2]):
            sql[engine] = clean(vbody)
        queries.append((name, sql.get("duckdb", sql["default"])))
    return queries


def runs(queries, meta):
    p = meta["params"]
    base = {"now_ms": p["now_ms"], "d30_ms": p["now_ms"] - 30 * DAY_MS, "h24_ms": p["now_ms"] - DAY_MS,
            "lookup_tenant": p["lookup_tenant"], "conv_id": p["lookup_conversation_id"]}
    out = []
    for name, sql in queries:
        if "$tenant" in sql:
            for label in ("heavy", "median"):
                out.append((f"{name}[{label}]", sql, dict(base, tenant=p[f"tenant_{label}"])))
        else:
            out.append((name, sql, dict(base)))
    return out


def norm(v):
    if isinstance(v, bool):
        return int(v)
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v == int(v) and abs(v) < 2**53:
        return v
    return v


def match(a, b):
    a, b = norm(a), norm(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))
    return str(a) == str(b)


def duck_load(data, db_path):
    con = duckdb.connect(db_path)
    con.execute("SET threads TO 2")
    con.execute("SET preserve_insertion_order = true")
    rates = {}
    for table, ddl in (("events", EVENTS_DDL), ("conversations", CONVERSATIONS_DDL)):
        con.execute(ddl)
        started = time.perf_counter()
        con.execute(f"INSERT INTO {table} SELECT * FROM read_csv('{data}/{table}.csv', header=true, nullstr='')")
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - started
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        rates[table] = {"rows": rows, "seconds": seconds}
        log(f"duckdb load {table}: {rows} rows in {seconds:.2f} s")
    return con, rates


def duck_queries(con, plan, reps):
    out = {}
    for name, sql, params in plan:
        used = {k: v for k, v in params.items() if "$" + k in sql}
        con.execute(sql, used).fetchall()
        times = []
        result = None
        for _ in range(reps):
            started = time.perf_counter()
            result = con.execute(sql, used).fetchall()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        out[name] = {"median_ms": times[len(times) // 2], "rows": result}
    return out


def duck_append(con, data, meta, batch_rows, batches):
    """DuckDB's live-append rate in the anchors' way: 1,000-row Arrow batches (the first events, shifted 90
    days into the future onto new conversation ids), one INSERT … SELECT per batch (autocommit)."""
    import pyarrow.parquet as pq
    import pyarrow as pa
    table = pq.ParquetFile(os.path.join(data, "events.parquet")).read_row_group(0).slice(0, batch_rows)
    shift = meta["window"]["days"] * DAY_MS
    cols = {name: table.column(name) for name in table.column_names}
    cols["ts"] = pa.array(table.column("ts").to_numpy() + shift, pa.int64())
    cols["conversation_id"] = pa.array(table.column("conversation_id").to_numpy() + meta["rows"]["conversations"], pa.int64())
    batch = pa.table(cols)
    latencies = []
    for _ in range(batches):
        started = time.perf_counter()
        con.register("batch", batch)
        con.execute("INSERT INTO events SELECT * FROM batch")
        con.unregister("batch")
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    return {"rows_per_s": batch_rows * batches / sum(latencies), "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)] * 1000}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--queries", default=os.path.join(ROOT, "..", "shared", "bench", "analytics", "queries.sql"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--cortex", default=os.path.join(ROOT, ".build", "release", "cortex"))
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    data = os.path.abspath(args.data)
    meta = json.load(open(os.path.join(data, "meta.json")))
    plan = runs(parse_queries(args.queries), meta)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="duck-") as tmp:
        con, duck_rates = duck_load(data, os.path.join(tmp, "bench.duckdb"))
        duck_bytes = os.path.getsize(os.path.join(tmp, "bench.duckdb"))
        log("duckdb queries, round 1")
        first = duck_queries(con, plan, args.reps)
        log("cortex bench analytics")
        command = [args.cortex, "bench", "analytics", "--dataset", data, "--queries", args.queries,
                   "--reps", str(args.reps), "--json", "--results"]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        log("duckdb queries, round 2")
        second = duck_queries(con, plan, args.reps)
        log("duckdb live appends")
        duck_appends = duck_append(con, data, meta, 1000, 200)
    cortex_loads, cortex_queries, cortex_appends = {}, {}, {}
    for line in output.splitlines():
        obj = json.loads(line)
        if obj["phase"] == "load":
            cortex_loads[obj["table"]] = obj
        elif obj["phase"] == "query":
            cortex_queries[obj["name"]] = obj
        elif obj["phase"] == "append":
            cortex_appends[obj["appenders"]] = obj
    rows, ratios, failures = [], [], []
    for name, _, _ in plan:
        d_ms = (first[name]["median_ms"] + second[name]["median_ms"]) / 2
        c = cortex_queries.get(name)
        if c is None:
            failures.append(f"{name}: cortex did not run it")
            continue
        expected = first[name]["rows"]
        got = c["result"]
        ok = len(expected) == len(got) and all(len(x) == len(y) and all(match(a, b) for a, b in zip(x, y))
                                               for x, y in zip(expected, got))
        if not ok:
            failures.append(f"{name}: result differs from DuckDB's ({len(got)} vs {len(expected)} rows)")
        ratio = c["median_ms"] / d_ms
        ratios.append((name, ratio))
        rows.append(f"| {name} | {len(got)} | {c['median_ms']:.3f} | {d_ms:.2f} | {ratio:.3f} | {'yes' if ok else '**no**'} |")
    geo = math.exp(sum(math.log(max(r, 1e-9)) for _, r in ratios) / max(len(ratios), 1))
    median_tenant = [r for n, r in ratios if n.endswith("[median]")]
    ev = cortex_loads.get("events", {})
    total_rows = sum(x.get("rows", 0) for x in cortex_loads.values())
    total_seconds = sum(x.get("seconds", 0) for x in cortex_loads.values())
    duck_rows = sum(x["rows"] for x in duck_rates.values())
    duck_seconds = sum(x["seconds"] for x in duck_rates.values())
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = [f"### Analytics: Cortex vs DuckDB (2 threads), {meta['rows']['events']:,} events + {meta['rows']['conversations']:,} conversations",
          "",
          f"{now}, commit `{commit}`, {platform.machine()}, 2 cores shared; load average {load_before:.2f} at start, "
          f"{os.getloadavg()[0]:.2f} at end. Command: `{os.path.relpath(sys.argv[0], ROOT)} --data <gen.py --scale "
          f"{meta['scale']} folder> --reps {args.reps}` (DuckDB {duckdb.__version__} twice around Cortex; its figure is "
          f"the mean of the two medians). Cortex median of {args.reps} after one warm-up, in process, once the live-append "
          f"test's background seal has finished; DuckDB execute + fetch from Python.",
          "",
          "| query | rows | Cortex ms | DuckDB ms | ratio | same result |",
          "|---|--:|--:|--:|--:|:-:|", *rows, "",
          f"- geometric mean of the ratios: **{geo:.3f}** (target ≤ 0.5); slowest ratio {max(r for _, r in ratios):.3f} "
          f"({max(ratios, key=lambda x: x[1])[0]}; target ≤ 1)",
          f"- median-tenant queries: ratios {', '.join(f'{r:.3f}' for r in median_tenant)} (target ≤ 0.2 each)",
          f"- storage: events {ev.get('bytes_on_disk', 0) / max(ev.get('rows', 1), 1):.2f} bytes/row "
          f"(DuckDB's file here: {duck_bytes / max(duck_rows, 1):.1f} bytes/row over both tables; target ≤ 12 for events)",
          f"- bulk CSV load, both tables: Cortex {total_rows / max(total_seconds, 1e-9) / 1e6:.2f} M rows/s, "
          f"DuckDB {duck_rows / max(duck_seconds, 1e-9) / 1e6:.2f} M rows/s (ratio "
          f"{(total_rows / max(total_seconds, 1e-9)) / (duck_rows / max(duck_seconds, 1e-9)):.2f}; target ≥ 1.5)",
          ]
    for appenders, obj in sorted(cortex_appends.items()):
        md.append(f"- live appends, {appenders} appender(s), 1,000-row batches each fsynced before the next: Cortex "
                  f"{obj['rows_per_s'] / 1e3:,.0f}k rows/s (batch p50 {obj['batch_p50_ms']:.2f} ms, p99 {obj['batch_p99_ms']:.2f} ms)")
    md.append(f"- DuckDB live appends, 1,000-row Arrow batches, one INSERT each (autocommit): {duck_appends['rows_per_s'] / 1e3:,.0f}k rows/s "
              f"(p50 {duck_appends['p50_ms']:.2f} ms, p99 {duck_appends['p99_ms']:.2f} ms); targets: one Cortex appender ≥ this, "
              f"eight ≥ 1M rows/s")
    if failures:
        md += ["", "**Mismatches / failures:**", *[f"- {f}" for f in failures]]
    report = "\n".join(md) + "\n"
    print(report)
    if args.write_docs:
        path = os.path.join(ROOT, "docs", "benchmarks.md")
        text = open(path).read() if os.path.exists(path) else ""
        begin, end = "<!-- analytics-bench:begin -->", "<!-- analytics-bench:end -->"
        block = f"{begin}\n{report}{end}"
        if begin in text and end in text:
            text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
        else:
            text = text.rstrip() + "\n\n## Analytics store\n\n" + block + "\n"
        open(path, "w").write(text)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
