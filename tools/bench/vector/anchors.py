#!/usr/bin/env python3
"""Single-threaded anchor libraries on one vector dataset, as JSON lines (for compare.py).

  .venv-bench/bin/python tools/bench/vector/anchors.py --dataset bench-data/vector/clustered-384 \\
        [--engines hnswlib,faiss-hnsw[,faiss-ivfpq][,chroma]] [--ef 16,32,64,128,256,512] [--reps 3] \\
        [--latency-queries 200] [--max-queries N] [--meta run.json] [--out anchors.jsonl]

DIR holds TEXMEX files base.fvecs, query.fvecs, groundtruth.ivecs (exact top-k ids, 0-based),
as written by make_data.sh; a bare name (tiny-384) is looked up under <repo>/bench-data/vector/.

stdout: only JSON lines, one object per line, with these keys:
  {"engine", "phase": "build", "build_s", "build_wall_s", "bytes_per_vector_memory"}
  {"engine", "phase": "search", "ef", "recall@10", "qps", "qps_wall", "p50_ms", "p99_ms"}
  engine: "hnswlib" | "faiss-hnsw" | "faiss-ivfpq" | "chroma".  Extra keys:
    faiss-ivfpq: "ef" carries nprobe; build and search lines add "params" (nlist, m, bits,
      compression, k_factor), the build line adds "bytes_per_vector_pq" (IVF-PQ part alone);
    chroma: the build line adds "bytes_per_vector_disk" (its persist directory / n) and has
      "bytes_per_vector_memory": null (not measured).
Everything else (progress, dataset, library versions, load average) goes to stderr and, with
--meta FILE, into one JSON file.

Definitions (same as shared/bench/vector/RESULTS.md):
  * All single-threaded: OMP_NUM_THREADS=1, OMP_WAIT_POLICY=PASSIVE, faiss.omp_set_num_threads(1),
    hnswlib num_threads=1.  HNSW: M=16, ef_construction=200, inner product (= cosine on these
    normalized vectors).
  * build_s = process CPU seconds (time.process_time) to add all base vectors (IVF-PQ: incl.
    training), build_wall_s = wall seconds; one run.
  * bytes_per_vector_memory = size of the serialized index (hnswlib save_index file,
    faiss.serialize_index) / n_base.
  * qps = queries per CPU-second of the process, qps_wall = queries per wall second, for the whole
    query set sent as ONE batch call (hnswlib knn_query(num_threads=1), faiss index.search);
    median of --reps repetitions.  On a shared machine qps (CPU) is the steady number.
  * chroma (embedded PersistentClient, its HNSW is an hnswlib fork behind a Rust core) is measured
    the way an application uses it: ONE collection.query(query_embeddings=[q], n_results=10,
    include=[]) per query, so its qps includes the per-call API overhead (~1 ms).  Collection:
    hnsw:space=ip, M=16, construction_ef=200, num_threads=1; added in batches of --chroma-batch
    (5,000) with ids "0".."n-1".  ef_search is changed with modify() and the client is re-created
    per ef (chroma 1.5.9 persists a modified ef_search but keeps using the old one in the loaded
    index).  p50/p99 = the first --latency-queries calls of the last timed pass.
  * recall@10 = |returned 10 ∩ groundtruth top-10| / 10, averaged over the queries (batch result).
  * p50_ms / p99_ms: a separate pass, one call per query over the first --latency-queries queries,
    wall time of each call (includes the Python call overhead, ~µs).
"""
import os

# before numpy / faiss load their OpenMP / BLAS runtimes
os.environ["OMP_NUM_THREADS"] = "1"
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # chromadb

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

K = 10
M = 16
EFC = 200
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
ENGINES = ("hnswlib", "faiss-hnsw", "faiss-ivfpq", "chroma")

_out_file = None


# ------------------------------------------------------------------ io
def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    if raw.size == 0:
        raise SystemExit("empty file: %s" % path)
    d = int(raw[0])
    raw = raw.reshape(-1, d + 1)
    if not (raw[:, 0] == d).all():
        raise SystemExit("corrupt fvecs (mixed dims): %s" % path)
    return np.ascontiguousarray(raw[:, 1:]).view(np.float32)


def read_ivecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    if raw.size == 0:
        raise SystemExit("empty file: %s" % path)
    d = int(raw[0])
    raw = raw.reshape(-1, d + 1)
    if not (raw[:, 0] == d).all():
        raise SystemExit("corrupt ivecs (mixed dims): %s" % path)
    return np.ascontiguousarray(raw[:, 1:])


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, file=sys.stderr, flush=True)


def emit(rec):
    line = json.dumps(rec)
    print(line, flush=True)
    if _out_file:
        with open(_out_file, "a") as f:
            f.write(line + "\n")


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


# ------------------------------------------------------------------ measuring
def recall_at_10(I, gt):
    I = np.asarray(I)[:, :K]
    g = gt[:, :K]
    hits = (I[:, :, None] == g[:, None, :]).any(-1).sum(-1)
    return float(hits.mean() / K)


def timed_once(fn):
    gc.collect()
    c0, w0 = time.process_time(), time.perf_counter()
    res = fn()
    return res, time.process_time() - c0, time.perf_counter() - w0


def timed(fn, reps):
    """fn() reps times: (last result, median CPU s, median wall s)."""
    cpus, walls, res = [], [], None
    for _ in range(reps):
        res, c, w = timed_once(fn)
        cpus.append(c)
        walls.append(w)
    return res, statistics.median(cpus), statistics.median(walls)


def latencies_ms(one, xq, nlat):
    lat = []
    for i in range(nlat):
        q = xq[i:i + 1]
        w0 = time.perf_counter()
        one(q)
        lat.append((time.perf_counter() - w0) * 1000.0)
    return float(np.percentile(lat, 50)), float(np.percentile(lat, 99))


def emit_build(engine, cpu, wall, nbytes, n, **extra):
    emit({"engine": engine, "phase": "build", "build_s": round(cpu, 3), "build_wall_s": round(wall, 3),
          "bytes_per_vector_memory": None if nbytes is None else round(nbytes / n, 1), **extra})


def emit_search(engine, p, I, gt, nq, cpu, wall, p50, p99, **extra):
    emit({"engine": engine, "phase": "search", "ef": p, "recall@10": round(recall_at_10(I, gt), 4),
          "qps": round(nq / cpu, 1) if cpu > 0 else None, "qps_wall": round(nq / wall, 1),
          "p50_ms": None if p50 is None else round(p50, 4), "p99_ms": None if p99 is None else round(p99, 4),
          **extra})


def search_sweep(engine, params, set_param, batch, one, xq, gt, a, extra=None):
    """For each value of the search knob: batch timing (median of reps), recall, latency pass."""
    nlat = min(a.latency_queries, len(xq))
    set_param(params[0])
    batch(xq[:min(50, len(xq))])  # warm-up (page in the index, first-call costs)
    for p in params:
        set_param(p)
        I, cpu, wall = timed(lambda: batch(xq), a.reps)
        p50, p99 = latencies_ms(one, xq, nlat) if nlat else (None, None)
        emit_search(engine, p, I, gt, len(xq), cpu, wall, p50, p99, **(extra or {}))


# ------------------------------------------------------------------ engines
def run_hnswlib(xb, xq, gt, a, tmp):
    import hnswlib
    n, d = xb.shape
    index = hnswlib.Index(space="ip", dim=d)
    index.init_index(max_elements=n, M=M, ef_construction=EFC, random_seed=100)
    index.set_num_threads(1)
    ids = np.arange(n)
    _, cpu, wall = timed_once(lambda: index.add_items(xb, ids, num_threads=1))
    path = os.path.join(tmp, "hnswlib.bin")
    index.save_index(path)
    size = os.path.getsize(path)
    os.remove(path)
    emit_build("hnswlib", cpu, wall, size, n)
    search_sweep("hnswlib", a.ef, index.set_ef,
                 lambda q: index.knn_query(q, k=K, num_threads=1)[0],
                 lambda q: index.knn_query(q, k=K, num_threads=1), xq, gt, a)


def run_faiss_hnsw(xb, xq, gt, a, tmp):
    import faiss
    faiss.omp_set_num_threads(1)
    n, d = xb.shape
    index = faiss.IndexHNSWFlat(d, M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EFC
    _, cpu, wall = timed_once(lambda: index.add(xb))
    emit_build("faiss-hnsw", cpu, wall, len(faiss.serialize_index(index)), n)

    def set_ef(ef):
        index.hnsw.efSearch = ef
    search_sweep("faiss-hnsw", a.ef, set_ef, lambda q: index.search(q, K)[1],
                 lambda q: index.search(q, K), xq, gt, a)


def run_faiss_ivfpq(xb, xq, gt, a, tmp):
    """IVF-PQ (8-bit codes, --pq-ratio x compression) inside IndexRefineFlat (exact rerank of
    k_factor*10 candidates), as in shared/bench/vector/bench_anchors.py.  "ef" = nprobe."""
    import faiss
    faiss.omp_set_num_threads(1)
    n, d = xb.shape
    nlist = 1024 if n >= 60_000 else 256 if n <= 25_000 else 512
    nlist = min(nlist, max(1, n // 39))  # tiny sets: keep >= 39 training points per list
    msub = 4 * d // a.pq_ratio
    rng = np.random.default_rng(7)
    ntrain = min(n, max(40 * nlist, 20_000))
    train = xb[np.sort(rng.choice(n, ntrain, replace=False))]
    quant = faiss.IndexFlatIP(d)
    ivf = faiss.IndexIVFPQ(quant, d, nlist, msub, 8, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.seed = 1234
    ivf.pq.cp.seed = 1234
    ivf.pq.cp.max_points_per_centroid = 64
    if ntrain < 39 * 256:  # tiny sets: fewer training points than faiss's advice; no warning per subspace
        ivf.pq.cp.min_points_per_centroid = 1
    index = faiss.IndexRefineFlat(ivf)

    def build():
        index.train(train)
        index.add(xb)
    _, cpu, wall = timed_once(build)
    total = len(faiss.serialize_index(index))
    pq_only = len(faiss.serialize_index(ivf))
    params = "nlist=%d m=%d nbits=8 (%dx) k_factor=%d" % (nlist, msub, a.pq_ratio, a.k_factor)
    log("  faiss-ivfpq: IVF%d,PQ%dx8 (%dx) + RefineFlat, k_factor %d (rerank %d), ntrain %d; "
        "IVF-PQ part alone %.1f B/vector" % (nlist, msub, a.pq_ratio, a.k_factor, a.k_factor * K, ntrain, pq_only / n))
    emit_build("faiss-ivfpq", cpu, wall, total, n, bytes_per_vector_pq=round(pq_only / n, 1), params=params)
    index.k_factor = a.k_factor
    ivf = faiss.downcast_index(index.base_index)

    def set_nprobe(p):
        ivf.nprobe = p
    search_sweep("faiss-ivfpq", a.nprobe, set_nprobe, lambda q: index.search(q, K)[1],
                 lambda q: index.search(q, K), xq, gt, a, extra={"params": params})
    return {"params": params, "ntrain": int(ntrain)}


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def run_chroma(xb, xq, gt, a, tmp):
    """ChromaDB embedded PersistentClient; one collection.query() per query (see the docstring)."""
    import chromadb
    from chromadb.config import Settings
    n, d = xb.shape
    path = tempfile.mkdtemp(prefix="chroma-", dir=tmp)
    settings = Settings(anonymized_telemetry=False, allow_reset=True)

    def open_client():
        return chromadb.PersistentClient(path=path, settings=settings)

    def close(client):
        try:
            client.clear_system_cache()  # drops the cached segments (loaded HNSW) of this path
        except Exception as e:  # noqa: BLE001
            log("  chroma: clear_system_cache failed: %r" % (e,))
        gc.collect()

    client = open_client()
    meta = {"hnsw:space": "ip", "hnsw:M": M, "hnsw:construction_ef": EFC, "hnsw:search_ef": a.ef[0],
            "hnsw:num_threads": 1}
    col = client.create_collection(name="bench", metadata=meta, embedding_function=None)
    bs = min(a.chroma_batch, client.get_max_batch_size())
    ids = [str(i) for i in range(n)]
    batch_walls = []

    def add_all():
        for s in range(0, n, bs):
            w0 = time.perf_counter()
            col.add(ids=ids[s:s + bs], embeddings=xb[s:s + bs])
            batch_walls.append(time.perf_counter() - w0)
    _, cpu, wall = timed_once(add_all)
    # the first query pays for anything the add path left to do lazily (not part of build_s)
    _, fq_cpu, fq_wall = timed_once(lambda: col.query(query_embeddings=[xq[0]], n_results=K, include=[]))
    count = col.count()
    if count != n:
        raise SystemExit("chroma: collection holds %d vectors after adding %d" % (count, n))
    del col
    close(client)
    del client
    gc.collect()
    disk = dir_bytes(path)  # after the client is closed, so the HNSW files are flushed
    cfg = {"space": "ip", "M": M, "construction_ef": EFC, "num_threads": 1, "batch": bs}
    log("  chroma: %d adds of <= %d, wall per batch median %.3f s / max %.3f s; first query %.1f ms wall "
        "(%.1f ms CPU); persist dir %.1f MB = %.1f B/vector"
        % (len(batch_walls), bs, statistics.median(batch_walls), max(batch_walls), 1000 * fq_wall,
           1000 * fq_cpu, disk / 1e6, disk / n))
    emit_build("chroma", cpu, wall, None, n, bytes_per_vector_disk=round(disk / n, 1))

    nlat = min(a.latency_queries, len(xq))
    qs = list(xq)  # one 1-D float32 row per call, as an application holding numpy embeddings would pass
    reopen = {}
    for ef in a.ef:
        # chroma 1.5.9: modify() persists ef_search, but an already loaded index keeps the old value,
        # so set it, drop the client (and its segment cache), and open the collection again
        client = open_client()
        col = client.get_collection("bench")
        if col.configuration["hnsw"]["ef_search"] != ef:
            col.modify(configuration={"hnsw": {"ef_search": ef}})
            del col
            close(client)
            del client
            client = open_client()
            col = client.get_collection("bench")
        got = col.configuration["hnsw"]["ef_search"]
        if got != ef:
            raise SystemExit("chroma: ef_search is %r after modify(ef_search=%d)" % (got, ef))
        w0 = time.perf_counter()
        for q in qs[:min(50, len(qs))]:  # warm-up: loads the index, first-call costs
            col.query(query_embeddings=[q], n_results=K, include=[])
        reopen[ef] = round(time.perf_counter() - w0, 3)

        def per_query():
            out, lat = [], []
            for q in qs:
                w0 = time.perf_counter()
                r = col.query(query_embeddings=[q], n_results=K, include=[])
                lat.append(time.perf_counter() - w0)
                got = [int(x) for x in r["ids"][0]]
                out.append(got + [-1] * (K - len(got)))
            return np.array(out, dtype=np.int64), lat
        (I, lat), qcpu, qwall = timed(per_query, a.reps)
        lat_ms = [1000.0 * x for x in lat[:nlat]]
        p50, p99 = (float(np.percentile(lat_ms, 50)), float(np.percentile(lat_ms, 99))) if nlat else (None, None)
        emit_search("chroma", ef, I, gt, len(xq), qcpu, qwall, p50, p99)
        del col
        close(client)
        del client
    gc.collect()
    shutil.rmtree(path, ignore_errors=True)
    return {"config": cfg, "batch_wall_s_median": round(statistics.median(batch_walls), 3),
            "batch_wall_s_max": round(max(batch_walls), 3), "first_query_ms": round(1000 * fq_wall, 2),
            "disk_bytes": disk, "warmup_50_queries_s": reopen}


def versions():
    from importlib.metadata import PackageNotFoundError, version
    v = {"python": platform.python_version()}
    for p in ("numpy", "faiss-cpu", "hnswlib", "usearch", "chromadb"):
        try:
            v[p] = version(p)
        except PackageNotFoundError:
            v[p] = None
    return v


def resolve_dataset(arg):
    if os.path.isdir(arg):
        return os.path.abspath(arg)
    alt = os.path.join(ROOT, "bench-data", "vector", arg)
    if os.path.isdir(alt):
        return alt
    raise SystemExit("dataset folder not found: %s (nor %s); run tools/bench/vector/make_data.sh" % (arg, alt))


def ints(s):
    return [int(x) for x in s.split(",") if x.strip()]


def main():
    global _out_file
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True, help="folder with base.fvecs, query.fvecs, groundtruth.ivecs")
    ap.add_argument("--engines", default="hnswlib,faiss-hnsw", help="comma list of %s" % ",".join(ENGINES))
    ap.add_argument("--ef", default="16,32,64,128,256,512", help="HNSW efSearch values")
    ap.add_argument("--nprobe", default="8,16,32,64,128", help="faiss-ivfpq nprobe values (reported as ef)")
    ap.add_argument("--k-factor", type=int, default=16, help="faiss-ivfpq rerank candidates = k_factor*10")
    ap.add_argument("--pq-ratio", type=int, default=32, help="faiss-ivfpq compression vs float32 (32 -> d/8 bytes)")
    ap.add_argument("--chroma-batch", type=int, default=5000, help="chroma: vectors per add() call")
    ap.add_argument("--reps", type=int, default=3, help="batch timings per ef; the median is reported")
    ap.add_argument("--latency-queries", type=int, default=200, help="queries timed one by one for p50/p99 (0 = skip)")
    ap.add_argument("--max-queries", type=int, default=0, help="use only the first N queries (0 = all)")
    ap.add_argument("--meta", help="write run metadata (dataset, versions, load average, timings) to this JSON file")
    ap.add_argument("--out", help="also append the JSON lines to this file")
    a = ap.parse_args()
    a.ef, a.nprobe = ints(a.ef), ints(a.nprobe)
    engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    for e in engines:
        if e not in ENGINES:
            ap.error("unknown engine %r (known: %s)" % (e, ", ".join(ENGINES)))
    _out_file = a.out

    ddir = resolve_dataset(a.dataset)
    xb = read_fvecs(os.path.join(ddir, "base.fvecs"))
    xq = read_fvecs(os.path.join(ddir, "query.fvecs"))
    gt = read_ivecs(os.path.join(ddir, "groundtruth.ivecs"))
    if a.max_queries:
        xq, gt = xq[:a.max_queries], gt[:a.max_queries]
    if len(gt) != len(xq) or gt.shape[1] < K or xb.shape[1] != xq.shape[1]:
        raise SystemExit("inconsistent dataset %s: base %s, query %s, groundtruth %s" % (ddir, xb.shape, xq.shape, gt.shape))

    meta = {"dataset": os.path.basename(ddir), "dataset_dir": ddir, "n_base": int(xb.shape[0]), "dim": int(xb.shape[1]),
            "n_query": int(xq.shape[0]), "engines": engines, "ef": a.ef, "reps": a.reps,
            "latency_queries": min(a.latency_queries, len(xq)), "versions": versions(), "cpus": os.cpu_count(),
            "machine": platform.machine(), "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
            "nice": os.nice(0), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "loadavg_start": loadavg(), "per_engine": {}}
    log("anchors: %s (%d x %d, %d queries), engines %s, ef %s; load %s; %s"
        % (meta["dataset"], meta["n_base"], meta["dim"], meta["n_query"], engines, a.ef, meta["loadavg_start"],
           json.dumps(meta["versions"])))
    runners = {"hnswlib": run_hnswlib, "faiss-hnsw": run_faiss_hnsw, "faiss-ivfpq": run_faiss_ivfpq,
               "chroma": run_chroma}
    with tempfile.TemporaryDirectory(prefix="cortex-anchors-") as tmp:
        for e in engines:
            l0, t0 = loadavg(), time.time()
            log("== %s (load %s)" % (e, l0))
            extra = runners[e](xb, xq, gt, a, tmp)
            gc.collect()
            meta["per_engine"][e] = {"seconds": round(time.time() - t0, 1), "loadavg_start": l0, "loadavg_end": loadavg()}
            if isinstance(extra, dict):
                meta["per_engine"][e].update(extra)
            log("== %s took %.0f s (load %s)" % (e, time.time() - t0, loadavg()))
    meta["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    meta["loadavg_end"] = loadavg()
    if a.meta:
        with open(a.meta, "w") as f:
            json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main()
