#!/usr/bin/env python3
"""Side-by-side embedding benchmark: Cortex's encoder vs PyTorch (sentence-transformers), one run, one machine.

  python3 -m venv /tmp/st && /tmp/st/bin/pip install sentence-transformers    # ~5 GB with torch; Cortex never needs it
  python3 tools/bench/embed/make_passages.py --out /tmp/passages.jsonl         # 512 passages of ~140 tokens
  /tmp/st/bin/python tools/bench/embed/compare.py --file /tmp/passages.jsonl [--rounds 2] [--write-docs]

In this one invocation, for --rounds rounds: `cortex bench embed --json` with 1 thread, then the PyTorch anchor
(torch_anchor.py: same texts, same model folder, batch 32, 256-token truncation) with 1 thread, then both with
2 threads. Each figure is the median of its runs over all rounds (each run itself the median of --reps), so drift
of the shared machine hits both engines alike. Reported: passages/s and tokens/s, Cortex/PyTorch at 1 and 2
threads, Cortex's 2-thread/1-thread scaling, and the resident memory of an idle cortex-server with the model
loaded (VmRSS after start and after one embedding request). --write-docs replaces the text between
<!-- embed-bench:begin --> and <!-- embed-bench:end --> in docs/benchmarks.md.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def run_json(command):
    log("+", " ".join(command))
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def server_memory(server, model):
    """VmRSS (MiB) of an idle cortex-server with the model loaded, after start and after one request."""
    with tempfile.TemporaryDirectory() as data:
        cortex = os.path.join(os.path.dirname(server), "cortex")
        # Keys are minted before the server opens the folder (the CLI needs it to itself).
        subprocess.run([cortex, "admin", "tenants", "create", "bench", "--data", data], capture_output=True)
        key = subprocess.run([cortex, "admin", "keys", "create", "--data", data, "--tenant", "bench", "--name", "bench",
                              "--scopes", "query", "--json"], capture_output=True, text=True)
        env = dict(os.environ, CORTEX_EMBED_MODEL_DIR=model)
        process = subprocess.Popen([server, "--data", data, "--http-port", "0", "--wire-port", "0"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            port = None
            for line in process.stdout:
                found = re.search(r"listening http=(\d+)", line)
                if found:
                    port = int(found.group(1))
                    break
            if port is None:
                raise SystemExit("cortex-server did not start")
            time.sleep(1)

            def rss():
                with open(f"/proc/{process.pid}/status") as status:
                    return int(re.search(r"VmRSS:\s+(\d+) kB", status.read()).group(1)) / 1024

            idle = rss()
            after = None
            if key.returncode == 0:
                token = json.loads(key.stdout)["key"]
                body = json.dumps({"model": "all-MiniLM-L6-v2", "input": ["warm the model up with one request"]}).encode()
                request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/embeddings", data=body,
                                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
                urllib.request.urlopen(request).read()
                after = rss()
            return idle, after
        finally:
            process.terminate()
            process.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", required=True)
    parser.add_argument("--model", default=os.path.join(ROOT, "models", "all-MiniLM-L6-v2"))
    parser.add_argument("--cortex", default=os.path.join(ROOT, ".build", "release", "cortex"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    results = {}
    for round_index in range(args.rounds):
        for threads in (1, 2):
            cortex = run_json([args.cortex, "bench", "embed", "--file", args.file, "--model", args.model,
                               "--threads", str(threads), "--reps", str(args.reps), "--json"])
            torch = run_json([sys.executable, os.path.join(HERE, "torch_anchor.py"), "--file", args.file, "--model", args.model,
                              "--threads", str(threads), "--reps", str(args.reps)])
            for name, result in (("cortex", cortex), ("pytorch", torch)):
                results.setdefault((name, threads), []).append(result)
                log(f"round {round_index + 1}: {name} {threads} thread(s): {result['texts_per_s']:.1f} passages/s")
    def figure(name, threads, field="texts_per_s"):
        return statistics.median(r[field] for r in results[(name, threads)])
    sample = results[("cortex", 1)][0]
    torch_info = results[("pytorch", 1)][0]
    idle, after = server_memory(os.path.join(os.path.dirname(args.cortex), "cortex-server"), args.model)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [
        f"Measured {datetime.date.today().isoformat()} at commit {commit} on {platform.machine()} ({os.cpu_count()} cores), "
        f"`tools/bench/embed/compare.py --file passages.jsonl --rounds {args.rounds} --reps {args.reps}`: "
        f"{sample['texts']} passages, {sample['tokens']} tokens ({sample['tokens'] / sample['texts']:.0f} per passage, "
        f"[CLS]/[SEP] included). Cortex kernels: {sample.get('kernels', '?')}; PyTorch {torch_info['torch']} "
        f"({torch_info['cpu_capability']}), sentence-transformers, batch 32. Medians of {args.rounds} interleaved rounds.",
        "",
        "| threads | Cortex passages/s | Cortex tokens/s | PyTorch passages/s | PyTorch tokens/s | Cortex / PyTorch |",
        "|---|---|---|---|---|---|",
    ]
    for threads in (1, 2):
        c, p = figure("cortex", threads), figure("pytorch", threads)
        lines.append(f"| {threads} | {c:.1f} | {figure('cortex', threads, 'tokens_per_s'):.0f} | {p:.1f} | "
                     f"{figure('pytorch', threads, 'tokens_per_s'):.0f} | **{c / p:.2f}** |")
    lines += ["", f"Cortex 2 threads / 1 thread: **{figure('cortex', 2) / figure('cortex', 1):.2f}×** "
              f"(PyTorch: {figure('pytorch', 2) / figure('pytorch', 1):.2f}×).",
              f"Resident memory (VmRSS) of an idle `cortex-server` with the model loaded: {idle:.0f} MiB after start"
              + (f", {after:.0f} MiB after one embedding request" if after else "") + " (the 87 MiB of weights are a shared, "
              "read-only file mapping: pages of the page cache, counted once however many processes map them)."]
    report = "\n".join(lines)
    print(report)
    if args.write_docs:
        path = os.path.join(ROOT, "docs", "benchmarks.md")
        text = open(path).read()
        begin, end = "<!-- embed-bench:begin -->", "<!-- embed-bench:end -->"
        if begin not in text:
            text += f"\n## Embeddings (issue 7)\n\n{begin}\n{end}\n"
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: f"{begin}\n{report}\n{end}", text, flags=re.S)
        open(path, "w").write(text)
        log("wrote", path)


if __name__ == "__main__":
    main()
