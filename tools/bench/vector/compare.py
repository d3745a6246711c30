#!/usr/bin/env python3
"""Side-by-side vector benchmark: Cortex vs hnswlib / faiss-hnsw / faiss-ivfpq / chroma, one run, one machine.

  nice -n 0 .venv-bench/bin/python tools/bench/vector/compare.py \\
        [--datasets clustered-384,clustered-1536 | --quick] [--ef 16,32,64,128,256] \\
        [--engines hnswlib,faiss-hnsw,faiss-ivfpq,chroma] [--nprobe 8,16,32,64,128] \\
        [--max-queries N] [--reps 3] [--cortex-first] [--write-docs] [--cortex BIN]

For each dataset (default clustered-384 and clustered-1536; --quick = tiny-384 only), back to back
in this one invocation:
  1. anchors.py --engines <--engines> (HNSW: M=16, efC=200, the --ef list; faiss-ivfpq: the
     --nprobe list, reported in the "ef" field; chroma: one Python API call per query), then
     cortex bench vector --json --metric cosine --m 16 --ef-construction 200 (same ef list)
     (--cortex-first swaps the order); the 1-minute load average is recorded before/after each;
  2. per engine, QPS at recall@10 = 0.95 and 0.99 by log-linear interpolation (log qps linear in
     recall) between the two consecutive ef points that bracket the target;
  3. a Markdown section (machine, load, commit, date, exact commands, per dataset one table of the
     ef-driven engines (cortex, hnswlib, faiss-hnsw, chroma) and a small one for faiss-ivfpq whose
     settings are nprobe values, the three target ratios marked met / not met plus informational
     ratios vs chroma and faiss-ivfpq, warnings), printed to stdout and saved as
     bench-data/vector/results/compare-<timestamp>.md;
  4. raw JSON lines per dataset in bench-data/vector/results/compare-<dataset>-<timestamp>.jsonl
     (a first "phase":"meta" line, then the anchors' lines, then cortex's lines with
     "engine":"cortex" added when the binary did not print an engine, then "phase":"summary" lines).
--write-docs replaces the text between <!-- vector-bench:begin --> and <!-- vector-bench:end -->
in docs/benchmarks.md (creating the file / appending the markers if missing); nothing outside the
markers is touched.

Datasets are L2-normalized, so cosine (Cortex) = inner product (anchors).  Progress goes to stderr.
Time: the anchors' part is dominated by the builds (clustered-384: ~1 CPU-min per HNSW engine, chroma
~1.5, IVF-PQ training); chroma's search sweep is ~reps x queries x efs calls of ~1-2 ms each.
Python: stdlib only (run it with .venv-bench/bin/python; anchors.py needs that venv's numpy/hnswlib/faiss).
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DATA = os.path.join(ROOT, "bench-data", "vector")
RESULTS = os.path.join(DATA, "results")
DOCS = os.path.join(ROOT, "docs", "benchmarks.md")
BEGIN, END = "<!-- vector-bench:begin -->", "<!-- vector-bench:end -->"

M, EFC = 16, 200
KNOWN_ANCHORS = ("hnswlib", "faiss-hnsw", "faiss-ivfpq", "chroma")
DEFAULT_ANCHORS = "hnswlib,faiss-hnsw,faiss-ivfpq,chroma"
NPROBE_ENGINES = ("faiss-ivfpq",)   # their "ef" field is nprobe: own table, not on the ef columns
CORTEX = "cortex"
TARGETS = (0.95, 0.99)
NEAREST = 0.95
# (label, numerator engine, denominator engine, quantity, comparison, target); comparison None =
# informational (no target; shown only when the denominator engine was run)
RATIOS = (
    ("Cortex QPS@0.95 ÷ hnswlib QPS@0.95", CORTEX, "hnswlib", "qps", ">=", 1.3),
    ("Cortex QPS@0.95 ÷ faiss-hnsw QPS@0.95", CORTEX, "faiss-hnsw", "qps", ">=", 1.0),
    ("Cortex build CPU s ÷ hnswlib build CPU s", CORTEX, "hnswlib", "build", "<=", 1.0),
    ("Cortex QPS@0.95 ÷ chroma QPS@0.95", CORTEX, "chroma", "qps", None, None),
    ("Cortex ÷ faiss-ivfpq QPS@0.95", CORTEX, "faiss-ivfpq", "qps", None, None),
)
LOAD_WARN = 1.5      # 1-minute load average on this 2-core box above which numbers are suspect
GAP_WARN = 0.20      # qps (CPU) vs qps_wall relative gap that indicates the process was starved


def log(msg):
    print(time.strftime("%H:%M:%S"), "compare:", msg, file=sys.stderr, flush=True)


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def ints(s):
    return [int(x) for x in s.split(",") if x.strip()]


def fmt_int(x):
    return "{:,.0f}".format(x)


def fmt_f(x, nd=2):
    return "—" if x is None else ("{:.%df}" % nd).format(x)


# ------------------------------------------------------------------ machine / provenance
def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return platform.processor() or "unknown", {}
    model, fields = None, {}
    for line in info.splitlines():
        if ":" not in line:
            continue
        k, v = (s.strip() for s in line.split(":", 1))
        if k == "model name" and model is None:
            model = v
        if k in ("cpu cores", "siblings", "cpu MHz") and k not in fields:
            fields[k] = v
        if k == "flags" and "flags" not in fields:
            flags = set(v.split())
            fields["flags"] = ",".join(f for f in ("avx2", "avx512f", "avx512_vnni", "avx512bw") if f in flags)
    return model or "unknown", fields


def git(*args):
    try:
        return subprocess.run(["git", "-C", ROOT] + list(args), capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def binary_id(path):
    """(mtime ISO, size, sha256[:12]) of the cortex binary, or None if it is missing."""
    try:
        st = os.stat(path)
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return {"mtime": datetime.datetime.fromtimestamp(st.st_mtime).strftime("%Y-%m-%d %H:%M:%S"), "mtime_epoch": int(st.st_mtime),
                "size": st.st_size, "sha256": h.hexdigest()[:12]}
    except OSError:
        return None


def wait_for_binary(path, tries=10, delay=60):
    for i in range(tries):
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return
        log("cortex binary %s missing (being rebuilt?); waiting %d s (%d/%d)" % (path, delay, i + 1, tries))
        time.sleep(delay)
    raise SystemExit("cortex binary not found: %s" % path)


def rel(p):
    return os.path.relpath(p, ROOT) if p.startswith(ROOT + os.sep) else p


# ------------------------------------------------------------------ running the two sides
def run_lines(cmd, label, env=None):
    """Run cmd, stream its stderr through, collect JSON lines from stdout."""
    l0, t0, started = loadavg(), time.time(), time.strftime("%Y-%m-%dT%H:%M:%S%z")
    log("%s: %s (load %s)" % (label, shlex.join(cmd), l0))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    recs, junk = [], []
    for line in p.stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
            if isinstance(rec, dict):
                recs.append(rec)
                continue
        except ValueError:
            pass
        junk.append(line)
    run = {"label": label, "cmd": cmd, "rc": p.returncode, "records": recs, "non_json_stdout": junk,
           "started": started, "seconds": round(time.time() - t0, 1), "loadavg_before": l0, "loadavg_after": loadavg()}
    log("%s: rc %d, %d JSON lines, %.0f s (load %s -> %s)"
        % (label, p.returncode, len(recs), run["seconds"], l0, run["loadavg_after"]))
    if junk:
        log("%s: %d non-JSON stdout lines ignored, first: %r" % (label, len(junk), junk[0][:200]))
    return run


def anchors_cmd(a, ddir, meta_path):
    cmd = [a.python, os.path.join(HERE, "anchors.py"), "--dataset", ddir, "--engines", ",".join(a.engines),
           "--ef", ",".join(map(str, a.ef)), "--reps", str(a.reps), "--meta", meta_path]
    if any(e in NPROBE_ENGINES for e in a.engines):
        cmd += ["--nprobe", ",".join(map(str, a.nprobe))]
    if a.max_queries:
        cmd += ["--max-queries", str(a.max_queries)]
    return cmd


def cortex_flags(binary):
    """Optional flags this cortex binary knows (its --help is read each time: it may be rebuilt)."""
    try:
        h = subprocess.run([binary, "bench", "vector", "--help"], capture_output=True, text=True, timeout=60)
        text = h.stdout + h.stderr
    except (OSError, subprocess.SubprocessError):
        text = ""
    return {f for f in ("--extended", "--threads") if f in text}


def cortex_cmd(a, ddir, flags=frozenset()):
    cmd = [a.cortex, "bench", "vector", "--dataset", ddir, "--metric", "cosine", "--m", str(M),
           "--ef-construction", str(EFC), "--ef", ",".join(map(str, a.ef))]
    if "--threads" in flags:
        cmd += ["--threads", "1"]
    if "--extended" in flags:  # build_cpu_s, qps_wall and a "reopen" line; without it build_s is wall time only
        cmd += ["--extended"]
    if a.max_queries:
        cmd += ["--max-queries", str(a.max_queries)]
    return cmd + ["--json"]


def run_anchors(a, ddir, meta_path):
    run = run_lines(anchors_cmd(a, ddir, meta_path), "anchors")
    run["meta"] = None
    try:
        with open(meta_path) as f:
            run["meta"] = json.load(f)
    except (OSError, ValueError) as e:
        log("anchors: no meta file (%s)" % e)
    if run["rc"] != 0:
        raise SystemExit("anchors.py failed (rc %d) on %s" % (run["rc"], ddir))
    return run


def run_cortex(a, ddir):
    for attempt in range(1 + a.cortex_retries):
        wait_for_binary(a.cortex)
        bid0 = binary_id(a.cortex)
        run = run_lines(cortex_cmd(a, ddir, cortex_flags(a.cortex)), "cortex")
        run["binary"], run["binary_after"] = bid0, binary_id(a.cortex)
        for r in run["records"]:
            r.setdefault("engine", CORTEX)
        ok = run["rc"] == 0 and any(r.get("phase") == "build" for r in run["records"]) \
            and any(r.get("phase") == "search" for r in run["records"])
        if ok:
            return run
        if attempt < a.cortex_retries:
            log("cortex run failed (rc %d, %d lines); binary may have been rebuilt under us; retry in 60 s"
                % (run["rc"], len(run["records"])))
            time.sleep(60)
    raise SystemExit("cortex bench vector failed (rc %d) on %s" % (run["rc"], ddir))


# ------------------------------------------------------------------ analysis
def curve(recs, engine):
    pts = [r for r in recs if r.get("engine") == engine and r.get("phase") == "search"
           and r.get("recall@10") is not None and r.get("qps")]
    return sorted(pts, key=lambda r: r["ef"])


def build_rec(recs, engine):
    b = [r for r in recs if r.get("engine") == engine and r.get("phase") == "build"]
    return b[-1] if b else None


def build_cpu(b):
    """(CPU s, wall s) of the build.  Cortex prints build_s = WALL seconds and, with --extended,
    build_cpu_s = CPU seconds; anchors print build_s = CPU seconds and build_wall_s = wall."""
    if b is None:
        return None, None
    if b.get("engine") == CORTEX or "build_cpu_s" in b:
        return b.get("build_cpu_s"), b.get("build_s")
    return b.get("build_s"), b.get("build_wall_s")


def knob(engine):
    return "nprobe" if engine in NPROBE_ENGINES else "ef"


def qps_at(pts, t, kn="ef"):
    """QPS at recall@10 = t.  Returns (value, kind, note): kind 'exact' (interpolated or hit),
    'lower' (true value >= value: already above t at the lowest ef), 'upper' (true value < value:
    t not reached even at the highest ef), or None (no data).  kn names the knob in the notes."""
    if not pts:
        return None, None, "no search lines"
    for p in pts:
        if p["recall@10"] == t:
            return p["qps"], "exact", "%s %d" % (kn, p["ef"])
    if pts[0]["recall@10"] > t:
        p = pts[0]
        return p["qps"], "lower", "no bracket: recall %.4f > %.2f already at lowest %s %d" % (p["recall@10"], t, kn, p["ef"])
    for lo, hi in zip(pts, pts[1:]):
        if lo["recall@10"] < t < hi["recall@10"]:
            f = (t - lo["recall@10"]) / (hi["recall@10"] - lo["recall@10"])
            v = math.exp(math.log(lo["qps"]) + f * (math.log(hi["qps"]) - math.log(lo["qps"])))
            return v, "exact", "%s %d–%d" % (kn, lo["ef"], hi["ef"])
    best = max(pts, key=lambda p: p["recall@10"])
    if best["recall@10"] < t:
        return pts[-1]["qps"], "upper", "no bracket: max recall %.4f < %.2f (%s %d)" % (best["recall@10"], t, kn, best["ef"])
    return None, None, "no bracketing pair of consecutive %s (recall not monotone in %s)" % (kn, kn)


def fmt_qps_at(v, kind, note):
    if kind == "exact":
        return "%s (%s)" % (fmt_int(v), note)
    if kind == "lower":
        return "≥ %s (%s)" % (fmt_int(v), note)
    if kind == "upper":
        return "< %s (%s)" % (fmt_int(v), note)
    return "n/a (%s)" % note


def ratio(num, den):
    """num/den with bound kinds -> (value, kind) where kind in exact/lower/upper/None."""
    (nv, nk), (dv, dk) = num, den
    if nv is None or dv is None or nk is None or dk is None or dv == 0:
        return None, None
    v = nv / dv
    if nk == "exact" and dk == "exact":
        return v, "exact"
    if nk in ("exact", "lower") and dk in ("exact", "upper"):
        return v, "lower"   # numerator >= or denominator <  ->  ratio >= v
    if nk in ("exact", "upper") and dk in ("exact", "lower"):
        return v, "upper"   # numerator < or denominator >=  ->  ratio <= v
    return v, None          # bounds in opposite directions: unknown


def verdict(v, kind, op, target):
    if op is None:  # informational: no target
        if v is None or kind is None:
            return "n/a", "informational"
        return ("" if kind == "exact" else "≥ " if kind == "lower" else "≤ ") + fmt_f(v), "informational"
    if v is None or kind is None:
        return "n/a", "unknown"
    met = v >= target if op == ">=" else v <= target
    if kind == "exact":
        return fmt_f(v), "met" if met else "not met"
    shown = ("≥ " if kind == "lower" else "≤ ") + fmt_f(v)
    # a bound decides only when it lies on the conclusive side
    if (op == ">=" and kind == "lower" and met) or (op == "<=" and kind == "upper" and met):
        return shown, "met"
    if (op == ">=" and kind == "upper" and not met) or (op == "<=" and kind == "lower" and not met):
        return shown, "not met"
    return shown, "unknown (bound only)"


def analyse(recs, engines):
    """Per engine (cortex first, then the anchors in --engines order)."""
    out = {}
    for e in engines:
        pts = curve(recs, e)
        b = build_rec(recs, e)
        cpu, wall = build_cpu(b)
        at = {t: qps_at(pts, t, knob(e)) for t in TARGETS}
        near = min(pts, key=lambda p: (abs(p["recall@10"] - NEAREST), -p["recall@10"])) if pts else None
        gaps = [(p["qps"] / p["qps_wall"] - 1.0, p["ef"]) for p in pts if p.get("qps_wall")]
        out[e] = {"points": pts, "build": b, "build_cpu_s": cpu, "build_wall_s": wall,
                  "bytes_per_vector_memory": b.get("bytes_per_vector_memory") if b else None,
                  "bytes_per_vector_disk": b.get("bytes_per_vector_disk") if b else None,
                  "at": at, "nearest": near, "max_gap": max(gaps) if gaps else None}
    return out


def ratios(an):
    res = []
    missing = {"at": {0.95: (None, None, "not run")}, "build_cpu_s": None}
    for label, ne, de, q, op, target in RATIOS:
        if op is None and de not in an:
            continue  # informational row for an engine that was not run
        x, y = an.get(ne, missing), an.get(de, missing)
        if q == "qps":
            num, den = x["at"][0.95][:2], y["at"][0.95][:2]
        else:
            num, den = (x["build_cpu_s"], "exact"), (y["build_cpu_s"], "exact")
        v, kind = ratio(num, den)
        shown, status = verdict(v, kind, op, target)
        res.append({"label": label, "value": v, "kind": kind, "shown": shown, "op": op, "target": target, "status": status})
    return res


def warnings(ds, an, arun, crun):
    w = []
    for run in (arun, crun):
        for key in ("loadavg_before", "loadavg_after"):
            if run[key][0] > LOAD_WARN:
                w.append("1-minute load %.2f %s the %s run (> %.1f on this box): other work competed for the CPUs."
                         % (run[key][0], "before" if key.endswith("before") else "after", run["label"], LOAD_WARN))
    meta = arun.get("meta") or {}
    for e, pe in (meta.get("per_engine") or {}).items():
        for key in ("loadavg_start", "loadavg_end"):
            if pe.get(key) and pe[key][0] > LOAD_WARN:
                w.append("1-minute load %.2f at %s of the %s part." % (pe[key][0], key.split("_")[1], e))
    for e in an:
        for p in an[e]["points"]:
            if p.get("qps_wall") and p["qps"] / p["qps_wall"] - 1.0 > GAP_WARN:
                w.append("%s %s %d: qps (CPU) %s vs qps_wall %s (+%.0f%%): the process waited for a CPU "
                         "(contention); the CPU-based qps is the one compared."
                         % (e, knob(e), p["ef"], fmt_int(p["qps"]), fmt_int(p["qps_wall"]), 100 * (p["qps"] / p["qps_wall"] - 1)))
            elif p.get("qps_wall") and p["qps_wall"] / p["qps"] - 1.0 > GAP_WARN:
                w.append("%s %s %d: qps (CPU) %s < qps_wall %s (CPU %.0f%% above wall): the process kept more than "
                         "one CPU busy (helper threads%s); the CPU-based qps charges for them."
                         % (e, knob(e), p["ef"], fmt_int(p["qps"]), fmt_int(p["qps_wall"]),
                            100 * (p["qps_wall"] / p["qps"] - 1), ": chroma's tokio / sqlite workers" if e == "chroma" else ""))
        cpu, wall = an[e]["build_cpu_s"], an[e]["build_wall_s"]
        if cpu and wall and wall / cpu - 1.0 > GAP_WARN:
            w.append("%s build: wall %.1f s vs CPU %.1f s (+%.0f%%): contention or I/O during the build."
                     % (e, wall, cpu, 100 * (wall / cpu - 1)))
    cp = an[CORTEX]["points"]
    for e in an:  # graph engines with the same M / efConstruction / ef list only
        if e == CORTEX or e in NPROBE_ENGINES:
            continue
        ap_ = an[e]["points"]
        if cp and ap_:
            cm, am = max(p["recall@10"] for p in cp), max(p["recall@10"] for p in ap_)
            if cm + 0.002 < am:
                w.append("Cortex's best recall@10 %.4f is below %s's %.4f: a correctness/graph-quality problem, not speed."
                         % (cm, e, am))
    b = an[CORTEX]["build"] or {}
    if b and b.get("build_cpu_s") is None:
        w.append("cortex printed no build_cpu_s (binary without --extended?): the build ratio cannot be computed.")
    if an[CORTEX]["points"] and not any(p.get("qps_wall") for p in an[CORTEX]["points"]):
        w.append("cortex printed no qps_wall: its CPU starvation cannot be checked.")
    if meta.get("n_base") and b.get("vectors") is not None and b["vectors"] != meta["n_base"]:
        w.append("cortex indexed %s vectors but the dataset has %s." % (b["vectors"], meta["n_base"]))
    if crun["binary"] != crun["binary_after"]:
        w.append("the cortex binary changed during the cortex run (%s -> %s): numbers may mix two builds."
                 % (crun["binary"], crun["binary_after"]))
    return w


# ------------------------------------------------------------------ Markdown
def md_table(ds, meta, an, efs, arun, crun):
    L = []
    shape = ""
    if meta:
        shape = " (%s × %d, %s queries)" % (fmt_int(meta["n_base"]), meta["dim"], fmt_int(meta["n_query"]))
    L.append("### %s%s" % (ds, shape))
    L.append("")
    ape = (arun.get("meta") or {}).get("per_engine") or {}
    parts = ["anchors %.2f → %.2f (%s)" % (arun["loadavg_before"][0], arun["loadavg_after"][0],
             ", ".join("%s %.2f → %.2f" % (e, ape[e]["loadavg_start"][0], ape[e]["loadavg_end"][0])
                       for e in an if e in ape)),
             "cortex %.2f → %.2f" % (crun["loadavg_before"][0], crun["loadavg_after"][0])]
    order = "anchors then cortex" if arun["started"] <= crun["started"] else "cortex then anchors"
    L.append("1-minute load average before → after (%s): %s. Wall time: anchors %.0f s, cortex %.0f s."
             % (order, "; ".join(parts), arun["seconds"], crun["seconds"]))
    L.append("")
    head = ["engine", "build CPU s (wall)", "B/vector (memory)"] + ["ef %d: R@10 / QPS" % e for e in efs] + \
           ["QPS@0.95", "QPS@0.99", "p50 / p99 ms at ef nearest R 0.95"]
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + "---|" * len(head))
    for e in an:
        if e in NPROBE_ENGINES:
            continue
        x = an[e]
        byef = {p["ef"]: p for p in x["points"]}
        row = [("**%s**" % e) if e == CORTEX else e,
               ("— (wall %s)" % fmt_f(x["build_wall_s"], 1)) if x["build_cpu_s"] is None
               else "%.1f (%s)" % (x["build_cpu_s"], fmt_f(x["build_wall_s"], 1)),
               fmt_f(x["bytes_per_vector_memory"], 1)]
        for ef in efs:
            p = byef.get(ef)
            row.append("—" if p is None else "%.3f / %s" % (p["recall@10"], fmt_int(p["qps"])))
        for t in TARGETS:
            row.append(fmt_qps_at(*x["at"][t]))
        n = x["nearest"]
        row.append("—" if n is None or n.get("p50_ms") is None else
                   "%.3f / %.3f (ef %d, R %.3f)" % (n["p50_ms"], n["p99_ms"], n["ef"], n["recall@10"]))
        L.append("| " + " | ".join(row) + " |")
    L.append("")
    for e in an:
        if e in NPROBE_ENGINES:
            L += md_nprobe_table(e, an[e])
    L.append("| ratio | value | target | |")
    L.append("|---|---|---|---|")
    for r in ratios(an):
        if r["op"] is None:
            L.append("| %s | %s | — | %s |" % (r["label"], r["shown"], r["status"]))
        else:
            L.append("| %s | %s | %s %.1f | **%s** |" % (r["label"], r["shown"], "≥" if r["op"] == ">=" else "≤",
                                                          r["target"], r["status"]))
    L.append("")
    notes = []
    gaps = ", ".join("%s %+d%%%s" % (e, int(round(100 * an[e]["max_gap"][0])), " (%s %d)" % (knob(e), an[e]["max_gap"][1]))
                     for e in an if an[e]["max_gap"] is not None)
    if gaps:
        notes.append("Largest qps (CPU) vs qps_wall gap per engine: %s." % gaps)
    b = an[CORTEX]["build"] or {}
    if b.get("bytes_per_vector_disk") is not None:
        notes.append("Cortex bytes/vector on disk (LMDB): %.1f." % b["bytes_per_vector_disk"])
    if "chroma" in an:
        cb = an["chroma"]["build"] or {}
        if cb.get("bytes_per_vector_disk") is not None:
            notes.append("chroma bytes/vector on disk (its persist directory: sqlite + HNSW files; memory not "
                         "measured): %.1f." % cb["bytes_per_vector_disk"])
        notes.append("chroma's QPS and p50/p99 are one `collection.query()` per query through its Python API "
                     "(`include=[]`, as an application calls it), so they include ~1 ms of per-call overhead; "
                     "the other engines' QPS are one batch call.")
    ro = [r for r in crun["records"] if r.get("phase") == "reopen"]
    if ro and ro[-1].get("first_query_ms") is not None:
        notes.append("Cortex reopen + first query: %.1f ms." % ro[-1]["first_query_ms"])
    for w in warnings(ds, an, arun, crun):
        notes.append("⚠ " + w)
    for n in notes:
        L.append("- " + n)
    if notes:
        L.append("")
    return L


def md_nprobe_table(e, x):
    """Small table for an engine whose search knob is nprobe (faiss-ivfpq): one row per setting."""
    L = []
    b = x["build"] or {}
    pts = x["points"]
    params = b.get("params") or (pts[0].get("params") if pts else None) or "?"
    extra = ""
    if b.get("bytes_per_vector_pq") is not None:
        extra = " (IVF-PQ part alone %.1f)" % b["bytes_per_vector_pq"]
    L.append("%s (IVF-PQ + exact rerank, `%s`; its settings are nprobe values, not ef): build CPU s %s (wall %s) "
             "incl. training, B/vector (memory) %s%s." % (
                 e, params, fmt_f(x["build_cpu_s"], 1), fmt_f(x["build_wall_s"], 1),
                 fmt_f(x["bytes_per_vector_memory"], 1), extra))
    L.append("")
    L.append("| params | R@10 | QPS | p50 / p99 ms |")
    L.append("|---|---|---|---|")
    for p in pts:
        L.append("| nprobe=%d %s | %.3f | %s | %s |" % (
            p["ef"], p.get("params") or params, p["recall@10"], fmt_int(p["qps"]),
            "—" if p.get("p50_ms") is None else "%.3f / %.3f" % (p["p50_ms"], p["p99_ms"])))
    for t in TARGETS:
        L.append("| QPS@%.2f | | %s | |" % (t, fmt_qps_at(*x["at"][t])))
    L.append("")
    return L


def md_section(a, runs, started, machine):
    model, fields = machine
    L = ["## Vector search: Cortex vs %s" % " / ".join(a.engines), "",
         "<!-- generated by tools/bench/vector/compare.py; do not edit by hand -->", ""]
    first = runs[0]
    dirty, commit = a.dirty, a.commit
    end_commit = git("rev-parse", "--short", "HEAD") or "unknown"
    bid = first["cortex"]["binary"] or {}
    versions = ((first["anchors"].get("meta") or {}).get("versions") or {})
    L.append("- Date: %s (finished %s)" % (started, time.strftime("%Y-%m-%d %H:%M:%S %Z")))
    L.append("- Machine: %s, %d logical CPUs (cpu cores %s, siblings %s), %s; %s %s" % (
        model, os.cpu_count() or 0, fields.get("cpu cores", "?"), fields.get("siblings", "?"),
        fields.get("flags", "") or "no AVX flags", platform.system(), platform.release()))
    la0, la1 = first["loadavg_start"], runs[-1]["loadavg_end"]
    L.append("- Load average (1/5/15 min): %s at start, %s at end; nice %d" % (
        " / ".join("%.2f" % x for x in la0), " / ".join("%.2f" % x for x in la1), os.nice(0)))
    L.append("- Cortex: commit `%s` (%s)%s at start%s; binary `%s` (built %s, sha256 %s)%s" % (
        commit, a.commit_time, " + uncommitted changes in %d tracked file(s)" % len(dirty) if dirty else "",
        "" if end_commit == commit else ", `%s` at end" % end_commit, rel(a.cortex),
        bid.get("mtime", "?"), bid.get("sha256", "?"),
        " — the binary is older than the commit, so it may not contain it"
        if bid.get("mtime_epoch") and a.commit_epoch and bid["mtime_epoch"] < a.commit_epoch else ""))
    if versions:
        L.append("- Anchors: hnswlib %s, faiss-cpu %s, %snumpy %s, Python %s" % (
            versions.get("hnswlib"), versions.get("faiss-cpu"),
            "chromadb %s, " % versions.get("chromadb") if "chroma" in a.engines else "",
            versions.get("numpy"), versions.get("python")))
    L.append("- Setup: one thread everywhere; HNSW M=%d, efConstruction=%d, k=10, cosine = inner product on "
             "L2-normalized data; `qps` = queries per CPU-second (anchors: process CPU, cortex: thread CPU), "
             "median of %d batch runs for the anchors; QPS@R = log-linear interpolation of QPS in recall@10 between "
             "the two consecutive ef points that bracket R; p50/p99 = wall time per single-query call over the first "
             "200 queries (anchors' include the Python call overhead, ~µs; cortex's are measured inside the binary). Compare ratios within one run, not numbers across runs." % (M, EFC, a.reps))
    if "chroma" in a.engines:
        L.append("- chroma: embedded `PersistentClient` (temp dir, telemetry off), collection with "
                 "`embedding_function=None`, `hnsw:space=ip`, M=%d, construction_ef=%d, num_threads=1, added in "
                 "batches of 5,000; per ef `ef_search` is modified and the client re-created (chroma 1.5.9 applies "
                 "a modified ef_search only to a freshly loaded index); search = one `collection.query(n_results=10, "
                 "include=[])` per query, `qps` per process CPU-second (median of %d passes over the queries)." % (M, EFC, a.reps))
    if any(e in NPROBE_ENGINES for e in a.engines):
        L.append("- faiss-ivfpq: `IndexIVFPQ` (8-bit codes, d/8 bytes) inside `IndexRefineFlat` (exact rerank of "
                 "k_factor×10 candidates), trained on up to max(40·nlist, 20,000) base vectors; its search knob is "
                 "nprobe (%s), so it has its own table; the Cortex ÷ faiss-ivfpq ratio is informational."
                 % ",".join(map(str, a.nprobe)))
    L.append("- Commands (in this order, per dataset):")
    L.append("")
    L.append("```sh")
    L.append("# nice -n %d " % os.nice(0) + shlex.join([os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(ROOT) else sys.executable]
                               + [rel(os.path.abspath(sys.argv[0]))] + sys.argv[1:]))
    for r in runs:
        for run in sorted((r["anchors"], r["cortex"]), key=lambda x: x["started"]):
            L.append(shlex.join([rel(c) for c in run["cmd"]]))
    L.append("```")
    L.append("")
    for r in runs:
        L += md_table(r["dataset"], (r["anchors"].get("meta") or {}), r["analysis"], a.ef, r["anchors"], r["cortex"])
    if not a.no_save:
        L.append("Raw JSON lines: %s (anchors' meta: `*.anchors-meta.json` next to them)."
                 % ", ".join("`%s`" % rel(r["jsonl"]) for r in runs))
    return "\n".join(L).rstrip() + "\n"


def write_docs(section):
    if os.path.exists(DOCS):
        with open(DOCS) as f:
            text = f.read()
    else:
        os.makedirs(os.path.dirname(DOCS), exist_ok=True)
        text = "# Cortex benchmarks\n\n%s\n%s\n" % (BEGIN, END)
    i, j = text.find(BEGIN), text.find(END)
    if i < 0 or j < 0 or j < i:
        if i >= 0 or j >= 0:
            raise SystemExit("%s: markers present but malformed; fix them by hand" % DOCS)
        text = text.rstrip("\n") + "\n\n%s\n%s\n" % (BEGIN, END)
        i, j = text.find(BEGIN), text.find(END)
    new = text[:i + len(BEGIN)] + "\n" + section + text[j:]
    tmp = DOCS + ".tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, DOCS)
    log("wrote the vector-bench section of %s" % DOCS)


# ------------------------------------------------------------------ main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default="clustered-384,clustered-1536",
                    help="comma list of names under bench-data/vector/ or folders (default: %(default)s)")
    ap.add_argument("--quick", action="store_true", help="tiny-384 only (overrides --datasets)")
    ap.add_argument("--ef", default="16,32,64,128,256", help="efSearch values for all engines (default: %(default)s)")
    ap.add_argument("--engines", default=DEFAULT_ANCHORS,
                    help="anchor engines run by anchors.py, cortex is always run (default: %(default)s)")
    ap.add_argument("--nprobe", default="8,16,32,64,128", help="faiss-ivfpq nprobe values (default: %(default)s)")
    ap.add_argument("--reps", type=int, default=3, help="anchors: batch timings per ef, median reported")
    ap.add_argument("--max-queries", type=int, default=0, help="use only the first N queries, both sides (0 = all)")
    ap.add_argument("--cortex-first", action="store_true", help="run cortex before the anchors on each dataset")
    ap.add_argument("--cortex", default=os.path.join(ROOT, ".build", "release", "cortex"), help="cortex binary")
    ap.add_argument("--cortex-retries", type=int, default=1, help="re-runs of a failed cortex run, 60 s apart")
    ap.add_argument("--python", default=None, help="interpreter for anchors.py (default: .venv-bench/bin/python)")
    ap.add_argument("--write-docs", action="store_true", help="replace the vector-bench section of docs/benchmarks.md")
    ap.add_argument("--no-save", action="store_true", help="do not write result files under bench-data/vector/results/")
    a = ap.parse_args()
    a.ef = ints(a.ef)
    a.nprobe = ints(a.nprobe)
    a.engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    for e in a.engines:
        if e not in KNOWN_ANCHORS:
            ap.error("unknown engine %r (known: %s)" % (e, ", ".join(KNOWN_ANCHORS)))
    if not a.engines:
        ap.error("--engines is empty")
    venv_py = os.path.join(ROOT, ".venv-bench", "bin", "python")
    a.python = a.python or (venv_py if os.path.exists(venv_py) else sys.executable)
    a.cortex = os.path.abspath(a.cortex)
    names = ["tiny-384"] if a.quick else [d.strip() for d in a.datasets.split(",") if d.strip()]
    dirs = []
    for n in names:
        d = n if os.path.isdir(n) else os.path.join(DATA, n)
        if not all(os.path.exists(os.path.join(d, f)) for f in ("base.fvecs", "query.fvecs", "groundtruth.ivecs")):
            raise SystemExit("dataset %s not found (looked in %s); run tools/bench/vector/make_data.sh" % (n, d))
        dirs.append(os.path.abspath(d))
    os.makedirs(RESULTS, exist_ok=True)
    ts = time.strftime("%Y%m%d-%H%M%S")
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    machine = cpu_model()
    a.commit = git("rev-parse", "--short", "HEAD") or "unknown"
    a.commit_time = git("log", "-1", "--format=%ci", "HEAD")
    a.commit_epoch = int(git("log", "-1", "--format=%ct", "HEAD") or 0)
    a.dirty = [l for l in git("status", "--porcelain", "--untracked-files=no").splitlines() if l.strip()]
    runs = []
    for ddir in dirs:
        ds = os.path.basename(ddir.rstrip("/"))
        log("=== %s" % ds)
        r = {"dataset": ds, "loadavg_start": loadavg()}
        meta_path = os.path.join(tempfile.gettempdir() if a.no_save else RESULTS,
                                 "compare-%s-%s.anchors-meta.json" % (ds, ts))
        if a.cortex_first:
            r["cortex"] = run_cortex(a, ddir)
            r["anchors"] = run_anchors(a, ddir, meta_path)
        else:
            r["anchors"] = run_anchors(a, ddir, meta_path)
            r["cortex"] = run_cortex(a, ddir)
        r["loadavg_end"] = loadavg()
        for rec in r["anchors"]["records"]:
            rec.setdefault("engine", "?")
        meta = r["anchors"].get("meta") or {}
        if meta.get("dataset") and meta["dataset"] != ds:
            raise SystemExit("dataset mix: anchors ran on %s, expected %s" % (meta["dataset"], ds))
        recs = r["anchors"]["records"] + r["cortex"]["records"]
        r["analysis"] = analyse(recs, [CORTEX] + a.engines)
        r["jsonl"] = os.path.join(RESULTS, "compare-%s-%s.jsonl" % (ds, ts))
        if not a.no_save:
            with open(r["jsonl"], "w") as f:
                head = {"phase": "meta", "dataset": ds, "dataset_dir": ddir, "timestamp": ts,
                        "commit": a.commit, "commit_dirty_files": len(a.dirty), "cpu": machine[0], "cpus": os.cpu_count(),
                        "nice": os.nice(0), "cortex_binary": r["cortex"]["binary"], "anchors_meta": meta}
                for side in ("anchors", "cortex"):
                    run = r[side]
                    head[side] = {"cmd": run["cmd"], "started": run["started"], "seconds": run["seconds"],
                                  "loadavg_before": run["loadavg_before"], "loadavg_after": run["loadavg_after"]}
                f.write(json.dumps(head) + "\n")
                for rec in recs:
                    f.write(json.dumps(rec) + "\n")
                for e, x in r["analysis"].items():
                    f.write(json.dumps({"phase": "summary", "engine": e, "build_cpu_s": x["build_cpu_s"],
                                        **{"qps@%.2f" % t: (None if x["at"][t][0] is None else round(x["at"][t][0], 1))
                                           for t in TARGETS},
                                        **{"qps@%.2f_kind" % t: x["at"][t][1] for t in TARGETS}}) + "\n")
                for q in ratios(r["analysis"]):
                    f.write(json.dumps({"phase": "ratio", "label": q["label"],
                                        "value": None if q["value"] is None else round(q["value"], 4),
                                        "bound": q["kind"],
                                        "target": "informational" if q["op"] is None else "%s %s" % (q["op"], q["target"]),
                                        "status": q["status"]}) + "\n")
            log("raw JSON lines: %s" % r["jsonl"])
        runs.append(r)
    section = md_section(a, runs, started, machine)
    print(section)
    if not a.no_save:
        mdp = os.path.join(RESULTS, "compare-%s.md" % ts)
        with open(mdp, "w") as f:
            f.write(section)
        log("Markdown: %s" % mdp)
    if a.write_docs:
        write_docs(section)


if __name__ == "__main__":
    main()
