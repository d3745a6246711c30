#!/usr/bin/env bash
# Builds the libFuzzer package (Fuzz/) and fuzzes one target for a bounded time.
#
#   tools/fuzz.sh TARGET [seconds] [--no-merge]    e.g. tools/fuzz.sh FuzzWireFrame 60
#
# Fuzzes into a scratch corpus seeded from Tests/CortexFuzzTargetsTests/Corpus/TARGET,
# then merges new coverage back into that folder (a set-cover merge keeps it minimal).
# A crash leaves its input in .fuzz-artifacts/ and makes this script exit non-zero;
# commit the input into the corpus folder next to the fix. --no-merge (CI) leaves the
# corpus folder untouched. Recipe: FUZZING.md.
set -euo pipefail

target=${1:?usage: tools/fuzz.sh TARGET [seconds]}
seconds=${2:-60}
merge=1
[[ "${3:-}" == "--no-merge" ]] && merge=0
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if ! command -v swiftc >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swiftc ]]; then
    PATH="/opt/swift/usr/bin:$PATH"
fi

corpus="Tests/CortexFuzzTargetsTests/Corpus/$target"
[[ -d "$corpus" ]] || { echo "fuzz: no corpus folder $corpus (unknown target?)" >&2; exit 2; }
toolchain=$(dirname "$(dirname "$(command -v swiftc)")")
runtime=$(ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-"$(uname -m)".a | head -n 1)
[[ -f "$runtime" ]] || { echo "fuzz: libclang_rt.fuzzer_no_main not found under $toolchain" >&2; exit 2; }

# gold warns about exporting ASan's local symbols; those lines are noise.
swift build --package-path Fuzz -c release --product "$target" \
    -Xswiftc -sanitize=address \
    -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
    -Xswiftc -parse-as-library \
    -Xlinker "$runtime" -Xlinker -lstdc++ 2>&1 | { grep -v "Cannot export local symbol '__asan" || true; }
binary="Fuzz/.build/release/$target"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$corpus"/* "$scratch"/ 2>/dev/null || true
mkdir -p .fuzz-artifacts
# The Swift backtracer would keep the pipe open after libFuzzer's crash report.
SWIFT_BACKTRACE=enable=no "$binary" "$scratch" -max_total_time="$seconds" -max_len=4096 \
    -artifact_prefix=.fuzz-artifacts/ -print_final_stats=1
# Rebuild the committed corpus as a small set of inputs covering every edge reached
# (edge coverage only, -use_counters=0, so hit-count variants do not bloat it).
if ((merge)); then
    previous=$(mktemp -d)
    mv "$corpus"/* "$previous"/ 2>/dev/null || true
    SWIFT_BACKTRACE=enable=no "$binary" -set_cover_merge=1 -use_counters=0 "$corpus" "$previous" "$scratch" 2>&1 | tail -n 1
    rm -rf "$previous"
fi
