#!/usr/bin/env bash
# Generates the vector benchmark datasets into <repo>/bench-data/vector/<name>/ (git-ignored):
#   clustered-384   100,000 x 384, 1,000 queries (seed 384001)   ~1-2 min, 156 MB
#   clustered-1536   20,000 x 1536,  500 queries (seed 1536001)  ~1-2 min, 126 MB
#   tiny-384          5,000 x 384,   200 queries (seed 384777)   a few s, for quick tests
# Each folder: base.fvecs, query.fvecs, groundtruth.ivecs (exact top-100, 0-based ids, by
# float64 brute force), groundtruth_scores.fvecs, meta.json; plus bench-data/vector/README.md.
#
# The generator is the shared, read-only shared/bench/vector/make_data.py, used unmodified: it is
# imported as a module and only its output folder (make_data.DATA, taken from vecio.DATA =
# "<its folder>/data") is pointed here. tiny-384 is one more entry of its CLUSTERED table, made by
# the same make_clustered()/gen_mixture() with its own seed, so the mixture parameters are identical.
#
#   tools/bench/vector/make_data.sh                 # all three; a dataset whose files exist is skipped
#   tools/bench/vector/make_data.sh tiny-384        # only some
#   FORCE=1 tools/bench/vector/make_data.sh tiny-384   # regenerate
# Env: SHARED_VECTOR_DIR (default <repo>/../shared/bench/vector), BENCH_DATA_DIR
# (default <repo>/bench-data/vector), VENV_BENCH (default <repo>/.venv-bench, see setup.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
shared="${SHARED_VECTOR_DIR:-$root/../shared/bench/vector}"
out="${BENCH_DATA_DIR:-$root/bench-data/vector}"
venv="${VENV_BENCH:-$root/.venv-bench}"
py="$venv/bin/python"
[[ -x "$py" ]] || { echo "make_data.sh: no venv at $venv; run tools/bench/vector/setup.sh first" >&2; exit 1; }
[[ -f "$shared/make_data.py" && -f "$shared/vecio.py" ]] || { echo "make_data.sh: generator not found in $shared" >&2; exit 1; }

names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(tiny-384 clustered-384 clustered-1536)
mkdir -p "$out"

for name in "${names[@]}"; do
    d="$out/$name"
    if [[ "${FORCE:-0}" != 1 && -s "$d/base.fvecs" && -s "$d/query.fvecs" && -s "$d/groundtruth.ivecs" ]]; then
        echo "make_data.sh: $name exists in $d, skipped"
        continue
    fi
    t0=$(date +%s)
    # no __pycache__ next to the read-only generator
    PYTHONDONTWRITEBYTECODE=1 "$py" - "$shared" "$out" "$name" <<'PY'
import os, sys
shared, out, name = sys.argv[1:4]
sys.path.insert(0, shared)
import vecio
import make_data as md

TINY = {"tiny-384": (5_000, 200, 384, 384777)}  # (n_base, n_query, dim, seed)
assert hasattr(md, "DATA") and hasattr(md, "CLUSTERED") and hasattr(md, "make_clustered"), \
    "shared make_data.py changed its interface"
md.DATA = vecio.DATA = out          # make_clustered()/write_readme() write under md.DATA
md.CLUSTERED.update(TINY)
if name not in md.CLUSTERED:
    raise SystemExit("unknown dataset %r (known: %s)" % (name, ", ".join(md.CLUSTERED)))
md.make_clustered(name)
md.write_readme()
PY
    echo "make_data.sh: $name done in $(( $(date +%s) - t0 )) s"
done
ls -la "$out"/*/ | sed 's/^/  /'
