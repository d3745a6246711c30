"""Random texts over many Unicode blocks with the reference tokenizer's input_ids (Hugging Face
`transformers`, which Cortex never installs): the fixture of TokenizerHeldOutTests.

    python make_tokenizer_fixture.py OUT.jsonl SEED COUNT [MODEL_DIR]

Tests/CortexEmbedTests/Fixtures/tokenizer-random.jsonl is `... 7 800`; seeds 1 (3,000 texts) and
99 (5,000) also pass (CORTEX_TOKENIZER_FIXTURE=FILE swift test --filter TokenizerHeldOutTests).
"""
import json, random, sys
from transformers import AutoTokenizer
MODEL = sys.argv[4] if len(sys.argv) > 4 else "models/all-MiniLM-L6-v2"
tok = AutoTokenizer.from_pretrained(MODEL)
rng = random.Random(int(sys.argv[2]))
blocks = [(0x20,0x7e),(0xa0,0x17f),(0x180,0x24f),(0x300,0x36f),(0x370,0x3ff),(0x400,0x4ff),(0x590,0x5ff),(0x600,0x6ff),
          (0x900,0x97f),(0xe00,0xe7f),(0x1100,0x11ff),(0x2000,0x206f),(0x2070,0x209f),(0x20a0,0x20cf),(0x2100,0x218f),(0x2460,0x24ff),
          (0x3000,0x303f),(0x3040,0x30ff),(0x4e00,0x9fff),(0xac00,0xd7a3),(0xf900,0xfaff),(0xfb00,0xfb4f),(0xff00,0xffef),
          (0x1f300,0x1faff),(0x20000,0x2a6df),(0x0,0x1f),(0x7f,0x9f),(0xe000,0xe0ff),(0x1d400,0x1d7ff),(0xfff0,0xffff),(0x10000,0x1007f)]
words = [w for w in open(MODEL + "/vocab.txt").read().split("\n") if w.isalpha()][:30000]
specials = ["[CLS]","[SEP]","[MASK]","[PAD]","[UNK]","[cls]","[ MASK]"]
def piece():
    r = rng.random()
    if r < 0.45: return rng.choice(words) if rng.random() < .7 else rng.choice(words).capitalize()
    if r < 0.55: return rng.choice(specials)
    if r < 0.6: return "".join(rng.choice("abcdefghij") for _ in range(rng.randint(90, 110)))
    lo, hi = rng.choice(blocks)
    return "".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 6)))
out = open(sys.argv[1], "w")
n = 0
while n < int(sys.argv[3]):
    text = "".join(piece() + rng.choice([" ", " ", "", "\t", "\n", ".", ", "]) for _ in range(rng.randint(1, 25)))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        continue
    ids = tok(text, truncation=True, max_length=256)["input_ids"]
    out.write(json.dumps({"text": text, "input_ids": ids}, ensure_ascii=False) + "\n")
    n += 1
