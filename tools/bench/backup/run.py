#!/usr/bin/env python3
"""Backup benchmark: log shipping, snapshot, verify and restore of a ~1 GB data folder to an S3-compatible
server (moto) and to a local folder, the size of the log after changing 1 % of the data, and what the change
log costs on ingest. One run, one machine.

  tools/setup --test                                   # .venv with moto[server], boto3 and numpy
  swift build -c release --product cortex
  .venv/bin/python tools/bench/backup/run.py [--quick] [--write-docs]

In this one invocation, under --scratch (default /work/data/backup-bench, outside the repository):
  1. generates --tenants .fvecs files of --vectors clustered, seeded float32 vectors (--dim) and loads each
     into its own tenant with `cortex load vectors` (collection docs, cosine, --m, --ef-construction; the index
     parameters only set how long loading takes, not the backup throughput, which depends on bytes);
  2. starts moto's standalone server on a free loopback port (the way Tests/CortexTesting/MotoServer.swift
     does: IAM user, s3:* policy, access key, bucket; SigV4 is then checked on every request) and copies the
     data folder, so each phase runs once against s3://… (moto) and once against file://… (same disk);
  3. per target: a. `cortex snapshot ship` (the whole load's change log), b. `cortex snapshot create`,
     c. `cortex snapshot verify`, d. `cortex restore` (full; it also replays the log after the snapshot);
  4. on the S3 side: e. re-upserts --change-percent % of each tenant's vectors (seeded random ids, new values),
     ships the log again (the "incremental": chunk bytes against the full snapshot's), restores snapshot 1 +
     that log (replay), takes a second full snapshot; f. restores one tenant (--tenant t0) into a data folder;
  5. change-log cost on ingest: the build phase of `cortex bench vector` on tenant 0's vectors with and
     without `--no-change-log`, --ingest-reps times each, interleaved.
Every phase reports wall time, bytes, MB/s (raw and stored bytes per second) and CPU seconds of cortex
(resource usage of children) and of moto (its /proc/PID/stat), so the bottleneck shows. Correctness: every
restored folder's tables are compared with the source's (`cortex admin verify --json` entry counts for every
environment, and `mdb_dump` SHA-256 per table for the tenants; change-log tables excluded, they differ by
design). Progress goes to stderr; the Markdown report to stdout; --write-docs replaces the text between
<!-- backup-bench:begin --> and <!-- backup-bench:end --> in docs/benchmarks.md. Everything started here
(moto) is killed by PID at the end; --keep leaves the scratch data for inspection. The measurements also go to
SCRATCH/results.json.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MB = 1e6
BUCKET = "cortex-bench"

MOTO_LAUNCHER = os.path.join(ROOT, "tools", "moto_launcher.py")


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def load_average():
    return os.getloadavg()


class Moto:
    """moto's S3 server as a child process; `cpu()` is its user + system CPU seconds so far."""

    def __init__(self, python, log_path):
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
        environment.update(AWS_ACCESS_KEY_ID="setup", AWS_SECRET_ACCESS_KEY="setup", AWS_DEFAULT_REGION="us-east-1",
                           INITIAL_NO_AUTH_ACTION_COUNT="3")
        self.log_file = open(log_path, "w")
        self.process = subprocess.Popen([python, "-I", MOTO_LAUNCHER, "0", BUCKET], env=environment,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log_file, text=True)
        line = self.process.stdout.readline().split()
        if len(line) != 4 or line[0] != "port":
            self.kill()
            raise SystemExit(f"moto did not start (output {line!r}); see {log_path}")
        self.port, self.key, self.secret = int(line[1]), line[2], line[3]
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def cpu(self):
        fields = open(f"/proc/{self.process.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.log_file.close()


class Runner:
    """Runs cortex commands, timing wall clock, cortex CPU (children's rusage) and moto CPU per phase."""

    def __init__(self, cortex, environment, moto=None):
        self.cortex = cortex
        self.environment = environment
        self.moto = moto
        self.phases = []

    def run(self, label, arguments, parse_json=True, check=True):
        command = [self.cortex] + arguments
        log("+", " ".join(command))
        moto_before = self.moto.cpu() if self.moto else 0.0
        load = load_average()[0]
        started = time.monotonic()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            child = subprocess.Popen(command, stdout=out, stderr=err, env=self.environment)
            # wait4: this child's own resource usage (RUSAGE_CHILDREN would mix in concurrent children).
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            wall = time.monotonic() - started
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read().decode(), err.read().decode()
        moto_cpu = (self.moto.cpu() - moto_before) if self.moto else 0.0
        if check and child.returncode != 0:
            raise SystemExit(f"{label}: exit {child.returncode}\n{stderr}")
        phase = dict(label=label, wall=wall, load=load, moto_cpu=moto_cpu, command=command,
                     cpu_user=usage.ru_utime, cpu_sys=usage.ru_stime)
        phase["output"] = json.loads(stdout) if parse_json and child.returncode == 0 else stdout
        self.phases.append(phase)
        log(f"  {label}: {wall:.2f} s wall, cortex CPU {phase['cpu_user'] + phase['cpu_sys']:.2f} s, moto CPU {moto_cpu:.2f} s")
        return phase


def clustered_vectors(count, dim, seed):
    """`count` float32 vectors around 64 seeded centres (like embeddings: clustered, not uniform noise)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((64, dim), dtype=np.float32)
    vectors = centres[rng.integers(0, 64, count)] + 0.6 * rng.standard_normal((count, dim), dtype=np.float32)
    return vectors.astype(np.float32)


def write_fvecs(path, vectors):
    count, dim = vectors.shape
    rows = np.empty((count, dim + 1), dtype=np.float32)
    rows[:, 0] = np.frombuffer(np.int32(dim).tobytes(), dtype=np.float32)[0]
    rows[:, 1:] = vectors
    rows.tofile(path)


def write_ivecs(path, rows):
    rows = np.asarray(rows, dtype=np.int32)
    out = np.empty((rows.shape[0], rows.shape[1] + 1), dtype=np.int32)
    out[:, 0] = rows.shape[1]
    out[:, 1:] = rows
    out.tofile(path)


def folder_bytes(path):
    """Bytes allocated on disk under `path` (du: sparse LMDB files count what they hold)."""
    return int(subprocess.run(["du", "-sb", "--apparent-size", path], capture_output=True, text=True, check=True).stdout.split()[0]), \
        int(subprocess.run(["du", "-sB1", path], capture_output=True, text=True, check=True).stdout.split()[0])


def log_table_bytes(environment_folder):
    """Bytes of LMDB pages holding changelog.records (branch + leaf + overflow pages × page size)."""
    out = subprocess.run(["mdb_stat", "-e", "-s", "changelog.records", environment_folder], capture_output=True, text=True)
    if out.returncode != 0:
        return 0
    page = int(re.search(r"Page size: (\d+)", out.stdout).group(1))
    pages = sum(int(re.search(rf"{name} pages: (\d+)", out.stdout).group(1)) for name in ("Branch", "Leaf", "Overflow"))
    return page * pages


def table_digests(environment_folder):
    """SHA-256 of each named table's `mdb_dump` records (after its header, which names the map size, which a
    restored copy need not share); change-log tables left out (they differ by design)."""
    listing = subprocess.run(["mdb_dump", "-l", environment_folder], capture_output=True, text=True, check=True).stdout.split()
    digests = {}
    for table in sorted(listing):
        if table.startswith("changelog."):
            continue
        digest = hashlib.sha256()
        with subprocess.Popen(["mdb_dump", "-s", table, environment_folder], stdout=subprocess.PIPE) as dump:
            for line in dump.stdout:
                if line == b"HEADER=END\n":
                    break
            for block in iter(lambda: dump.stdout.read(1 << 20), b""):
                digest.update(block)
        if dump.returncode != 0:
            raise SystemExit(f"mdb_dump -s {table} {environment_folder} failed")
        digests[table] = digest.hexdigest()
    return digests


def entry_counts(runner, data):
    """Per environment, entry count per table (changelog.* left out), from `cortex admin verify --json`."""
    reports = runner.run(f"verify {os.path.basename(data)}", ["admin", "verify", "--data", data, "--json"])["output"]
    runner.phases.pop()  # a check, not a measured phase
    bad = [r for r in reports if not r["ok"]]
    if bad:
        raise SystemExit(f"{data}: admin verify: {bad}")
    return {r["environment"]: {t: n for t, n in r["tables"].items() if not t.startswith("changelog.")} for r in reports}


def compare(runner, source, restored, tenants, label, checks, full=True):
    """Table entry counts of the tenants (and with `full`, the same environments) and table digests of `tenants`
    must match; records the outcome in `checks`."""
    want, got = entry_counts(runner, source), entry_counts(runner, restored)
    environments = [f"tenant/{t}" for t in tenants]
    for name in environments:
        if want.get(name) != got.get(name):
            raise SystemExit(f"{label}: {name} entry counts differ: {want.get(name)} vs {got.get(name)}")
    if full and set(want) != set(got):
        raise SystemExit(f"{label}: environments differ: {sorted(want)} vs {sorted(got)}")
    for tenant in tenants:
        a = table_digests(os.path.join(source, "tenants", tenant))
        b = table_digests(os.path.join(restored, "tenants", tenant))
        if a != b:
            raise SystemExit(f"{label}: tenant {tenant} tables differ: {[t for t in a if a[t] != b.get(t)]}")
    records = sum(counts.get("vector.records", 0) for name, counts in got.items() if name in environments)
    checks.append(f"{label}: {len(tenants)} tenant environment(s) equal to the source table for table "
                  f"({records:,} vector records)")
    log(f"  check ok: {label}")


def generate(args, scratch):
    files = []
    for index in range(args.tenants):
        path = os.path.join(scratch, f"t{index}-{args.vectors}x{args.dim}.fvecs")
        if not os.path.exists(path):
            log(f"generating {path}")
            write_fvecs(path + ".tmp", clustered_vectors(args.vectors, args.dim, seed=1000 + index))
            os.rename(path + ".tmp", path)
        files.append(path)
    return files


def make_change(args, scratch, tenant_index):
    """A .jsonl of --change-percent % of the tenant's ids (seeded random choice) with new vectors."""
    count = max(1, args.vectors * args.change_percent // 100)
    rng = np.random.default_rng(7000 + tenant_index)
    ids = rng.choice(args.vectors, size=count, replace=False)
    vectors = clustered_vectors(count, args.dim, seed=9000 + tenant_index)
    path = os.path.join(scratch, f"change-t{tenant_index}.jsonl")
    with open(path, "w") as out:
        for row, vector in zip(ids, vectors):
            out.write(json.dumps({"id": str(int(row)), "vector": [round(float(x), 6) for x in vector]}) + "\n")
    return path, count


def bench_dataset(args, scratch, base_file):
    """tenant 0's vectors as a `cortex bench vector` dataset (100 queries, exact cosine top-100)."""
    folder = os.path.join(scratch, "ingest-dataset")
    os.makedirs(folder, exist_ok=True)
    base = os.path.join(folder, "base.fvecs")
    if not os.path.exists(base):
        os.symlink(base_file, base)
    vectors = np.fromfile(base_file, dtype=np.float32).reshape(-1, args.dim + 1)[:, 1:]
    queries = clustered_vectors(100, args.dim, seed=4242)
    write_fvecs(os.path.join(folder, "query.fvecs"), queries)
    normal = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = (queries / np.linalg.norm(queries, axis=1, keepdims=True)) @ normal.T
    top = np.argsort(-scores, axis=1)[:, :100]
    write_ivecs(os.path.join(folder, "groundtruth.ivecs"), top)
    return folder


def rate(byte_count, seconds):
    return byte_count / MB / seconds if seconds > 0 else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scratch", default="/work/data/backup-bench")
    parser.add_argument("--cortex", default=os.path.join(ROOT, ".build", "release", "cortex"))
    parser.add_argument("--tenants", type=int, default=4)
    parser.add_argument("--vectors", type=int, default=120_000, help="vectors per tenant")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--m", type=int, default=8)
    parser.add_argument("--ef-construction", type=int, default=64)
    parser.add_argument("--change-percent", type=int, default=1)
    parser.add_argument("--ingest-reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2 tenants × 3,000 vectors, 1 ingest rep: a smoke run")
    parser.add_argument("--concurrent-ingest", action="store_true",
                        help="run the change-log ingest comparison (5.) in a thread beside the backup phases: shorter, "
                             "but each side's wall time then competes with the other's")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folders (data, targets, restores)")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.tenants, args.vectors, args.ingest_reps = 2, 3_000, 1
        args.scratch = args.scratch.rstrip("/") + "-quick"
    os.makedirs(args.scratch, exist_ok=True)
    started_at = datetime.datetime.now(datetime.timezone.utc)
    load_start = load_average()
    tenants = [f"t{i}" for i in range(args.tenants)]
    work = os.path.join(args.scratch, "run")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    data, data_file = os.path.join(work, "data"), os.path.join(work, "data-file")
    file_target = os.path.join(work, "target")
    files = generate(args, args.scratch)

    ingest, ingest_thread = {}, None
    if args.concurrent_ingest:
        dataset = bench_dataset(args, args.scratch, files[0])
        ingest_thread = threading.Thread(target=lambda: ingest.update(measure_ingest(args, Runner(args.cortex, dict(os.environ)), dataset)))
        ingest_thread.start()
    moto = Moto(os.path.join(ROOT, ".venv", "bin", "python"), os.path.join(work, "moto.log"))
    try:
        environment = dict(os.environ, AWS_ACCESS_KEY_ID=moto.key, AWS_SECRET_ACCESS_KEY=moto.secret, AWS_REGION="us-east-1")
        runner = Runner(args.cortex, environment, moto)
        results = measure(args, runner, moto, tenants, files, data, data_file, file_target, work)
    finally:
        moto.kill()
        log(f"moto (pid {moto.process.pid}) killed")
        if ingest_thread:
            ingest_thread.join()
    if not ingest_thread:
        ingest = measure_ingest(args, Runner(args.cortex, dict(os.environ)), bench_dataset(args, args.scratch, files[0]))
    with open(os.path.join(args.scratch, "results.json"), "w") as out:
        json.dump(dict(results=results, ingest={str(k): v for k, v in ingest.items()}), out, indent=1, default=str)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    finished_at = datetime.datetime.now(datetime.timezone.utc)
    report = render(args, results, ingest, started_at, finished_at, load_start, load_average())
    print(report)
    if args.write_docs:
        write_docs(report)


def measure(args, runner, moto, tenants, files, data, data_file, file_target, work):
    s3 = f"s3://{BUCKET}/cortex"
    endpoint = ["--endpoint", moto.endpoint]
    targets = {"s3": (data, s3, endpoint), "file": (data_file, f"file://{file_target}", [])}
    results = dict(checks=[], loads=[])
    for tenant, path in zip(tenants, files):
        phase = runner.run(f"load {tenant}", ["load", "vectors", "--data", data, "--tenant", tenant, "--collection", "docs",
                                              "--file", path, "--metric", "cosine", "--m", str(args.m),
                                              "--ef-construction", str(args.ef_construction), "--json"])
        results["loads"].append(phase)
    results["vector_bytes"] = sum(os.path.getsize(path) - 4 * args.vectors for path in files)
    results["data_before_ship"] = folder_bytes(data)
    results["log_table_before_ship"] = sum(log_table_bytes(os.path.join(data, "tenants", t)) for t in tenants)
    log(f"copying {data} → {data_file} (the local-folder side runs on its own copy)")
    shutil.copytree(data, data_file)

    for name, (folder, url, extra) in targets.items():
        results[f"ship_{name}"] = runner.run(f"ship → {name}", ["snapshot", "ship", "--data", folder, "--to", url, "--json"] + extra)
    results["data_after_ship"] = folder_bytes(data)
    results["log_table_after_ship"] = sum(log_table_bytes(os.path.join(data, "tenants", t)) for t in tenants)
    for name, (folder, url, extra) in targets.items():
        results[f"snapshot_{name}"] = runner.run(f"snapshot → {name}", ["snapshot", "create", "--data", folder, "--to", url, "--json"] + extra)
    for name, (folder, url, extra) in targets.items():
        results[f"verify_{name}"] = runner.run(f"verify {name}", ["snapshot", "verify", "--from", url, "--json"] + extra)
    for name, (folder, url, extra) in targets.items():
        restored = os.path.join(work, f"restored-{name}")
        results[f"restore_{name}"] = runner.run(f"restore ← {name}", ["restore", "--from", url, "--to", restored, "--json"] + extra)
        compare(runner, folder, restored, tenants, f"full restore from {name}", results["checks"])
        if name == "file":
            shutil.rmtree(restored)
    shutil.rmtree(data_file)

    # e. change --change-percent % of every tenant, ship the log, replay it onto snapshot 1.
    url, extra = s3, endpoint
    snapshot1 = results["snapshot_s3"]["output"]["id"]
    changed = 0
    results["change_loads"] = []
    for index, tenant in enumerate(tenants):
        path, count = make_change(args, args.scratch, index)
        phase = runner.run(f"change {tenant}", ["load", "vectors", "--data", data, "--tenant", tenant, "--collection", "docs",
                                                "--file", path, "--json"])
        if phase["output"]["updated"] != count or phase["output"]["inserted"] != 0:
            raise SystemExit(f"change {tenant}: expected {count} updates, got {phase['output']}")
        results["change_loads"].append(phase)
        changed += count
    results["changed_records"] = changed
    results["ship_incremental"] = runner.run("ship incremental → s3", ["snapshot", "ship", "--data", data, "--to", url, "--json"] + extra)
    replayed = os.path.join(work, "restored-replay")
    results["restore_replay"] = runner.run("restore snapshot 1 + log ← s3",
                                           ["restore", "--from", url, "--to", replayed, "--id", snapshot1, "--json"] + extra)
    compare(runner, data, replayed, tenants, "restore of snapshot 1 + the shipped log (after the change)", results["checks"])
    shutil.rmtree(replayed)
    results["snapshot_s3_2"] = runner.run("snapshot 2 → s3", ["snapshot", "create", "--data", data, "--to", url, "--json"] + extra)

    # f. one tenant into an existing data folder (the one restored from snapshot 1: t0 is replaced).
    restored = os.path.join(work, "restored-s3")
    results["restore_tenant"] = runner.run("restore tenant t0 ← s3",
                                           ["restore", "--from", url, "--to", restored, "--tenant", tenants[0], "--json"] + extra)
    compare(runner, data, restored, tenants[:1], "one-tenant restore (t0, snapshot 2) into the restored folder", results["checks"],
            full=False)
    results["tenant_bytes"] = manifest_bytes(moto, results["snapshot_s3_2"]["output"]["id"], f"tenant/{tenants[0]}")
    return results


def manifest_bytes(moto, snapshot, environment):
    """(raw, stored) bytes of one environment in a snapshot's manifest, read from moto with boto3."""
    import boto3
    client = boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1",
                          aws_access_key_id=moto.key, aws_secret_access_key=moto.secret)
    manifest = json.loads(client.get_object(Bucket=BUCKET, Key=f"cortex/snapshots/{snapshot}/manifest.json")["Body"].read())
    entry = next(e for e in manifest["environments"] if e["name"] == environment)
    return entry["raw_bytes"], entry["stored_bytes"]


def measure_ingest(args, runner, dataset):
    """Build phase of `cortex bench vector` with and without the change log, interleaved."""
    runs = {True: [], False: []}
    for rep in range(args.ingest_reps):
        for with_log in (True, False):
            arguments = ["bench", "vector", "--dataset", dataset, "--metric", "cosine", "--m", str(args.m),
                         "--ef-construction", str(args.ef_construction), "--batch", "5000", "--ef", "32", "--max-queries", "100",
                         "--extended", "--json"] + ([] if with_log else ["--no-change-log"])
            phase = runner.run(f"bench vector rep {rep + 1} {'with' if with_log else 'without'} log", arguments, parse_json=False)
            lines = [json.loads(line) for line in phase["output"].splitlines() if line.startswith("{")]
            build = next(line for line in lines if line["phase"] == "build")
            search = next(line for line in lines if line["phase"] == "search")
            assert build["change_log"] == with_log, build
            runs[with_log].append(dict(build=build, recall=search["recall@10"], load=phase["load"]))
            log(f"  build {build['build_s']:.1f} s wall, {build['build_cpu_s']:.1f} s CPU, {build['bytes_per_vector_disk']:.0f} B/vector on disk")
    return runs


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def cpu_cell(phase):
    cortex = phase["cpu_user"] + phase["cpu_sys"]
    return f"{cortex:.1f} ({phase['cpu_sys']:.1f} sys) | {phase['moto_cpu']:.1f}" if phase["moto_cpu"] else f"{cortex:.1f} ({phase['cpu_sys']:.1f} sys) | —"


def render(args, r, ingest, started_at, finished_at, load_start, load_end):
    commit = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h (%cd)", "--date=format:%Y-%m-%d %H:%M"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    snap = r["snapshot_s3"]["output"]
    raw, stored = snap["raw_bytes"], snap["stored_bytes"]
    loads = r["loads"]
    load_wall = sum(p["wall"] for p in loads)
    load_records = sum(p["output"]["records"] for p in loads)
    lines = [
        f"- Date: {started_at:%Y-%m-%d %H:%M} UTC (finished {finished_at:%H:%M} UTC); commit {commit}{' + uncommitted changes' if dirty else ''}; "
        f"binary `.build/release/cortex`",
        f"- Machine: {cpu}, {os.cpu_count()} logical CPUs shared with other work; {platform.system()} {platform.release()}; "
        f"load average (1/5/15 min) {load_start[0]:.2f} / {load_start[1]:.2f} / {load_start[2]:.2f} at start, "
        f"{load_end[0]:.2f} / {load_end[1]:.2f} / {load_end[2]:.2f} at end (1-minute value at each phase's start in the tables)",
        f"- Data: {args.tenants} tenants × {args.vectors:,} vectors × {args.dim} float32 (clustered, seeded), collection `docs`, cosine, "
        f"M {args.m}, efConstruction {args.ef_construction} (they set how long loading takes; backup throughput depends on bytes). "
        f"Vectors alone {r['vector_bytes'] / MB:,.0f} MB; the compacted environments (snapshot raw bytes) {raw / MB:,.0f} MB.",
        f"- S3: moto {moto_version()} (`ThreadedMotoServer`, SigV4 checked on every request, a Python process on the same 2 cores), "
        f"loopback; local folder: the same disk as the data. MB = 10^6 bytes. CPU = user + system seconds of the cortex process "
        f"(resource usage of children) and of the moto process (/proc/PID/stat) during the phase.",
        "- Command:",
        "",
        "```sh",
        "swift build -c release --product cortex",
        f".venv/bin/python tools/bench/backup/run.py{' --quick' if args.quick else ''}"
        f"{'' if args.quick or (args.tenants, args.vectors) == (4, 120_000) else f' --tenants {args.tenants} --vectors {args.vectors}'}"
        f"{' --concurrent-ingest' if args.concurrent_ingest else ''} --write-docs",
        "```",
        "",
        f"Loading (`cortex load vectors`, batches of 5,000, change log on): {load_records:,} vectors in {load_wall:.0f} s "
        f"({load_records / load_wall:,.0f} vectors/s); data folder {r['data_before_ship'][1] / MB:,.0f} MB on disk, of which the "
        f"unshipped change log (`changelog.records` pages) {r['log_table_before_ship'] / MB:,.0f} MB.",
        "",
        "| phase | target | raw MB | stored MB | wall s | raw MB/s | stored MB/s | cortex CPU s | moto CPU s | load |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]

    def row(name, target, phase, raw_bytes, stored_bytes):
        lines.append(f"| {name} | {target} | {raw_bytes / MB:,.1f} | {stored_bytes / MB:,.1f} | {phase['wall']:.2f} | "
                     f"{rate(raw_bytes, phase['wall']):.1f} | {rate(stored_bytes, phase['wall']):.1f} | {cpu_cell(phase)} | {phase['load']:.1f} |")

    for target in ("s3", "file"):
        ship = r[f"ship_{target}"]
        name = "moto (S3)" if target == "s3" else "local folder"
        out = ship["output"]
        row(f"a. ship the load's log ({out['records']:,} records, {out['chunks']} chunks)", name, ship, out["raw_bytes"], out["stored_bytes"])
    for target in ("s3", "file"):
        name = "moto (S3)" if target == "s3" else "local folder"
        row("b. snapshot create (full)", name, r[f"snapshot_{target}"], raw, stored)
    for target in ("s3", "file"):
        name = "moto (S3)" if target == "s3" else "local folder"
        row("c. snapshot verify", name, r[f"verify_{target}"], raw, stored)
    for target in ("s3", "file"):
        name = "moto (S3)" if target == "s3" else "local folder"
        replays = sum(x["applied"] for x in r[f"restore_{target}"]["output"]["replays"])
        row(f"d. restore, full ({replays} records replayed)", name, r[f"restore_{target}"], raw, stored)
    inc = r["ship_incremental"]["output"]
    row(f"e. ship after changing {args.change_percent} % ({inc['records']} records, {inc['chunks']} chunks)", "moto (S3)",
        r["ship_incremental"], inc["raw_bytes"], inc["stored_bytes"])
    replay = r["restore_replay"]
    applied = sum(x["applied"] for x in replay["output"]["replays"])
    row(f"e. restore snapshot 1 + log ({applied} records replayed)", "moto (S3)", replay, raw + inc["raw_bytes"], stored + inc["stored_bytes"])
    snap2 = r["snapshot_s3_2"]["output"]
    row("e. snapshot create (second full)", "moto (S3)", r["snapshot_s3_2"], snap2["raw_bytes"], snap2["stored_bytes"])
    tenant_raw, tenant_stored = r["tenant_bytes"]
    row(f"f. restore one tenant (t0 of {args.tenants}, snapshot 2)", "moto (S3)", r["restore_tenant"], tenant_raw, tenant_stored)
    replay_seconds = replay["wall"] - r["restore_s3"]["wall"]
    change_wall = sum(p["wall"] for p in r["change_loads"])
    lines += [
        "",
        "Raw MB: the uncompressed bytes (the compacted LMDB copies, or the encoded change records); stored MB: what crossed "
        "the wire (zstd level 3). Both rates divide by the phase's wall time, process start to exit.",
        "",
        f"**Incremental after changing {args.change_percent} %** ({r['changed_records']:,} of {args.tenants * args.vectors:,} vectors "
        f"re-upserted with new values, one `cortex load vectors` transaction per tenant, {change_wall:.1f} s): the shipped log is "
        f"{inc['stored_bytes'] / MB:,.1f} MB stored ({inc['raw_bytes'] / MB:,.1f} MB raw) = **{100 * inc['stored_bytes'] / stored:.1f} %** "
        f"of the full snapshot's {stored / MB:,.1f} MB stored (raw: {100 * inc['raw_bytes'] / raw:.1f} %). Replaying it: restore of "
        f"snapshot 1 + log took {replay['wall']:.1f} s against {r['restore_s3']['wall']:.1f} s for snapshot 1 alone, so "
        + (f"the replay of {applied} records ({inc['raw_bytes'] / MB:,.1f} MB) added about {replay_seconds:.1f} s "
           f"(≈ {rate(inc['raw_bytes'], replay_seconds):.0f} MB/s of records, download included)."
           if replay_seconds > 0.5 else
           f"the replay of {applied} records ({inc['raw_bytes'] / MB:,.1f} MB) is within the run-to-run spread of a restore."),
        f"The data folder: {r['data_before_ship'][1] / MB:,.0f} MB on disk before the first shipment, {r['data_after_ship'][1] / MB:,.0f} MB "
        f"after (LMDB keeps its file size and reuses the freed pages; `changelog.records` went from "
        f"{r['log_table_before_ship'] / MB:,.0f} MB to {r['log_table_after_ship'] / MB:,.1f} MB of pages).",
        "",
        "Change-log cost on ingest: the build phase of `cortex bench vector` on tenant t0's vectors "
        f"({args.vectors:,} × {args.dim}, M {args.m}, efConstruction {args.ef_construction}, batches of 5,000, one thread), "
        f"{args.ingest_reps} runs with the log and {args.ingest_reps} without (`--no-change-log`), interleaved"
        f"{' (in a thread beside the backup phases above, so each side competed with the other too)' if args.concurrent_ingest else ''}:",
        "",
        "| change log | build wall s (median) | build CPU s (median) | vectors/s (CPU) | B/vector on disk | recall@10 at ef 32 | runs (wall s) |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    figures = {}
    for with_log in (True, False):
        runs = ingest[with_log]
        wall = median([x["build"]["build_s"] for x in runs])
        cpu_seconds = median([x["build"]["build_cpu_s"] for x in runs])
        disk = median([x["build"]["bytes_per_vector_disk"] for x in runs])
        figures[with_log] = (wall, cpu_seconds, disk)
        lines.append(f"| {'on (default)' if with_log else 'off'} | {wall:.1f} | {cpu_seconds:.1f} | {args.vectors / cpu_seconds:,.0f} | "
                     f"{disk:,.0f} | {median([x['recall'] for x in runs]):.3f} | "
                     f"{', '.join('%.1f' % x['build']['build_s'] for x in runs)} |")
    lines += ["", f"With the log / without: build CPU **{figures[True][1] / figures[False][1]:.2f}×**, wall "
              f"{figures[True][0] / figures[False][0]:.2f}×, bytes on disk {figures[True][2] / figures[False][2]:.2f}× "
              f"(the unshipped records stay in the environment until shipped)."]
    lines += ["", "Checks (every restore, before its numbers count):", ""] + [f"- {check}" for check in r["checks"]]
    return "\n".join(lines)


def moto_version():
    out = subprocess.run([os.path.join(ROOT, ".venv", "bin", "python"), "-c", "import moto; print(moto.__version__)"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


def write_docs(report):
    path = os.path.join(ROOT, "docs", "benchmarks.md")
    text = open(path).read()
    begin, end = "<!-- backup-bench:begin -->", "<!-- backup-bench:end -->"
    if begin not in text:
        section = f"## Backups: log shipping, snapshots and restore to S3 (issue 6)\n\n{begin}\n{end}\n\n"
        anchor = "## Vector search: recall after churn"
        text = text.replace(anchor, section + anchor, 1) if anchor in text else text + "\n" + section
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: f"{begin}\n<!-- generated by tools/bench/backup/run.py; do not edit by hand -->\n\n{report}\n{end}",
                  text, flags=re.S)
    open(path, "w").write(text)
    log("wrote", path)


if __name__ == "__main__":
    main()
