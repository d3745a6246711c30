#!/usr/bin/env python3
"""Writes English passages of about 140 BERT tokens (80-96 words) as JSON lines {"id", "text", "source"}.

The prose comes from the docstrings of this Python's standard library (modules, classes, functions),
so the output depends only on the Python version; the passages are cut at word boundaries from
each docstring's paragraphs joined together. Usage:

    python3 tools/bench/embed/make_passages.py --out passages.jsonl [--count 512] [--seed 7]
"""
import argparse
import importlib
import inspect
import json
import pkgutil
import random
import re
import sys
import warnings

MODULES_SKIPPED = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test", "lib2to3"}


def docstrings():
    names = sorted(m.name for m in pkgutil.iter_modules() if m.name not in MODULES_SKIPPED and not m.name.startswith("_"))
    for name in names:
        if name not in sys.stdlib_module_names:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
        except Exception:
            continue
        seen = set()
        for qualname, obj in [(name, module)] + sorted(inspect.getmembers(module), key=lambda p: p[0]):
            doc = inspect.getdoc(obj) if (inspect.ismodule(obj) or inspect.isclass(obj) or inspect.isroutine(obj)) else None
            if not doc or id(doc) in seen:
                continue
            seen.add(id(doc))
            yield f"{name}.{qualname}" if qualname != name else name, doc


def prose(doc):
    """The docstring's prose paragraphs: no doctest lines, no indented code, whitespace collapsed."""
    keep = []
    for paragraph in re.split(r"\n\s*\n", doc):
        lines = [line for line in paragraph.splitlines() if not line.startswith((">>>", "...", "    "))]
        text = " ".join(" ".join(lines).split())
        if len(text.split()) >= 8 and sum(c.isalpha() for c in text) > 0.6 * len(text):
            keep.append(text)
    return " ".join(keep)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, default=512)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--words-min", type=int, default=80)
    parser.add_argument("--words-max", type=int, default=96)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = []
    for source, doc in docstrings():
        words = prose(doc).split()
        start = 0
        while len(words) - start >= args.words_min:
            size = rng.randint(args.words_min, args.words_max)
            pool.append((source, " ".join(words[start:start + size])))
            start += size
    rng.shuffle(pool)
    if len(pool) < args.count:
        sys.exit(f"only {len(pool)} passages available, asked for {args.count}")
    with open(args.out, "w") as out:
        for index, (source, text) in enumerate(pool[:args.count]):
            out.write(json.dumps({"id": index, "text": text, "source": source}, ensure_ascii=False) + "\n")
    print(f"wrote {args.count} passages (of {len(pool)} available) to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
