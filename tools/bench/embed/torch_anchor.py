#!/usr/bin/env python3
"""The PyTorch anchor for `cortex bench embed`: sentence-transformers running all-MiniLM-L6-v2.

Same texts, same model files (the folder tools/setup fills), same truncation (256 tokens), batch 32,
fp32 on the CPU, normalised embeddings; warm-up once, then the median of --reps runs. Prints the
same JSON object as `cortex bench embed --json`. Needs torch and sentence-transformers, which
Cortex itself never installs (about 5 GB); for example:

    python3 -m venv /tmp/st && /tmp/st/bin/pip install sentence-transformers
    /tmp/st/bin/python tools/bench/embed/torch_anchor.py --file passages.jsonl --model models/all-MiniLM-L6-v2 --threads 1
"""
import argparse
import json
import os
import statistics
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", required=True)
    parser.add_argument("--field", default="text")
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--out-embeddings", help="also write the embeddings (JSON lines) here")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    texts = []
    with open(args.file) as f:
        for line in f:
            if line.strip():
                value = json.loads(line)
                texts.append(value if isinstance(value, str) else value[args.field])
    model = SentenceTransformer(args.model, device="cpu")
    model.max_seq_length = 256
    tokens = sum(len(ids) for ids in model.tokenizer(texts, truncation=True, max_length=256)["input_ids"])
    model.encode(texts[:args.batch_size], batch_size=args.batch_size)
    timings = []
    embeddings = None
    for _ in range(max(args.reps, 1)):
        started = time.perf_counter()
        embeddings = model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True)
        timings.append(time.perf_counter() - started)
    seconds = statistics.median(timings)
    print(json.dumps({"phase": "embed", "engine": "pytorch", "texts": len(texts), "tokens": tokens, "seconds": seconds,
                      "threads": args.threads, "texts_per_s": len(texts) / seconds, "tokens_per_s": tokens / seconds,
                      "torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability()}))
    if args.out_embeddings:
        with open(args.out_embeddings, "w") as out:
            for text, vector in zip(texts, embeddings):
                out.write(json.dumps({"text": text, "embedding": [float(x) for x in vector]}) + "\n")


if __name__ == "__main__":
    sys.exit(main())
