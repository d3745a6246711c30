/*
 * ck_internal.h — private helpers shared by the kernel translation units.
 * Not part of the public API (SwiftPM exports only include/).
 */
#ifndef CK_INTERNAL_H
#define CK_INTERNAL_H

#include "cortex_kernels.h"

#include <math.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
/* Float kernels: AVX-512 F/BW/VL only, so they also run on AVX-512 CPUs without VNNI
 * (AVX-512F implies FMA and AVX2 in clang and gcc). */
#define CK_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))
/* int8 kernels: VNNI (vpdpbusd / vpdpwssd) on top of the above. */
#define CK_TARGET_AVX512VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define CK_TARGET_AVX2 __attribute__((target("avx2,fma")))
#endif

#define CK_INLINE static inline __attribute__((always_inline))

/* Rows computed together by the blocked float batch/gather kernels: the query chunk is loaded
 * once per block, so a block needs 1 + 1/CK_ROW_BLOCK loads per FMA instead of 2. */
#define CK_ROW_BLOCK 4

/* Batches larger than this (n * stride * 4 bytes, about one core's L2) cannot be cache-resident,
 * so the batch kernels compute them one row at a time: the hardware prefetcher follows one
 * sequential stream well but not four interleaved short ones. Measured here, 384-d rows from
 * DRAM: one row at a time ~62 ns/row, 4-row blocks ~125 ns (~75 ns with software prefetch, which
 * in turn slowed the L2-resident case by 20 %). Smaller batches use 4-row blocks (~10 % faster
 * than one row at a time when L2-resident). */
#define CK_BATCH_BLOCKED_BYTES_MAX ((size_t)1 << 20)

/* Software prefetch for reading into L2 (locality 2 = prefetcht1). Never faults, so `p` only has
 * to be an address computed in bounds of the row being prefetched. Measured on this machine
 * (Zen 4, 100k x 384-d rows in DRAM): prefetcht0 left the 4-row batch kernel at ~125 ns/row,
 * prefetcht1 brought it to ~74 ns (see CK_BATCH_BLOCKED_BYTES_MAX) and random-order gathers from ~125 to ~88 ns, presumably
 * because L1-bound prefetches hold the few L1 miss buffers the demand loads need. */
#define CK_PREFETCH(p) __builtin_prefetch((const void *)(p), 0, 2)

/* Prefetches every cache line of `byte_count` bytes starting at `p` (byte_count may be 0). */
CK_INLINE void ck_prefetch_bytes(const void *p, size_t byte_count) {
    const char *c = (const char *)p;
    /* off < byte_count keeps every address inside the row; the last line is covered below. */
    for (size_t off = 0; off < byte_count; off += 64) CK_PREFETCH(c + off);
    /* A row that does not start on a line boundary ends in one more line. */
    if (byte_count > 0) CK_PREFETCH(c + byte_count - 1);
}

/* Final step of every cosine kernel: from the three sums to 1 - cos, in double so that the
 * division and square root add no error of their own. Zero vectors have no direction: 1. */
CK_INLINE float ck_cosine_finish(float dot, float norm_a, float norm_b) {
    if (norm_a == 0.0f || norm_b == 0.0f) return 1.0f;
    double sim = (double)dot / sqrt((double)norm_a * (double)norm_b);
    /* Rounding can push |sim| a little past 1; NaN inputs fall through both tests unchanged. */
    if (sim > 1.0) sim = 1.0;
    if (sim < -1.0) sim = -1.0;
    return (float)(1.0 - sim);
}

/* Called by explicit SIMD variants on architectures that lack them: a bug in the caller. */
#define CK_UNSUPPORTED_VARIANT() abort()

#endif /* CK_INTERNAL_H */
