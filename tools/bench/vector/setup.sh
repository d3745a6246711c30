#!/usr/bin/env bash
# Creates the benchmark venv /work/main/.venv-bench (i.e. <repo>/.venv-bench) with the anchor
# libraries of the vector engine: numpy, faiss-cpu, hnswlib (compiled here from the sdist with
# -march=native), usearch, chromadb — versions pinned in requirements.txt beside this script
# (same pins as shared/bench/vector/requirements.txt).
#
# Idempotent: a stamp file in the venv records the hash of requirements.txt + this script; when it
# matches and the imports work, nothing is done (well under 2 s). Delete .venv-bench to start over.
#
#   tools/bench/vector/setup.sh            # create / update
#   tools/bench/vector/setup.sh --force    # reinstall even if the stamp matches
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
venv="${VENV_BENCH:-$root/.venv-bench}"
req="$here/requirements.txt"
stamp="$venv/.cortex-bench-stamp"
py="${PYTHON:-python3}"

force=0
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "setup.sh: unknown argument '$arg'" >&2; exit 2 ;;
    esac
done

want=$(cat "$req" "$0" | sha256sum | cut -c1-16)

check_imports() {
    "$venv/bin/python" - <<'PY'
import importlib.metadata as md
import numpy, faiss, hnswlib, usearch, chromadb  # noqa: F401
print("  numpy %s, faiss-cpu %s, hnswlib %s, usearch %s, chromadb %s" % tuple(
    md.version(p) for p in ("numpy", "faiss-cpu", "hnswlib", "usearch", "chromadb")))
PY
}

if [[ $force -eq 0 && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && check_imports >/dev/null 2>&1; then
    echo "setup.sh: $venv is up to date (stamp $want)"
    exit 0
fi

t0=$(date +%s)
if [[ ! -x "$venv/bin/python" ]]; then
    echo "setup.sh: creating venv $venv"
    "$py" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip install --disable-pip-version-check -q)

pin() { grep -E "^$1==" "$req" | head -1; }

echo "setup.sh: build tools (pybind11, setuptools, wheel)"
"${pip[@]}" pybind11 setuptools wheel
echo "setup.sh: $(pin numpy), $(pin faiss-cpu), $(pin usearch), $(pin chromadb)"
"${pip[@]}" "$(pin numpy)" "$(pin faiss-cpu)" "$(pin usearch)" "$(pin chromadb)"

# hnswlib: only an sdist on PyPI; build it here without build isolation (uses the pinned numpy
# and pybind11 above) so that its setup.py adds -march=native (AVX-512 distance kernels on this CPU).
# --no-cache-dir: never reuse a wheel built on another CPU.
hv=$(pin hnswlib)
have_hnsw=$("$venv/bin/python" -c 'import importlib.metadata as m; print("hnswlib=="+m.version("hnswlib"))' 2>/dev/null || true)
if [[ "$have_hnsw" != "$hv" || $force -eq 1 ]]; then
    echo "setup.sh: $hv from source (-march=native; ~1 min)"
    "${pip[@]}" --no-build-isolation --no-binary hnswlib --no-cache-dir --force-reinstall --no-deps "$hv"
fi

check_imports
echo "$want" >"$stamp"
echo "setup.sh: done in $(( $(date +%s) - t0 )) s"
