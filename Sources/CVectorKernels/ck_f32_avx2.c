/*
 * ck_f32_avx2.c — float32 kernels for AVX2 + FMA, 8 lanes per ymm register.
 *
 * Same shape as the AVX-512 kernels: a wide main loop with independent accumulators, an
 * 8-float loop, then one masked step (`_mm256_maskload_ps` does not touch masked-out
 * elements, so the last 1–7 floats are read without going past the end of either vector).
 */
#include "ck_internal.h"

#if defined(__x86_64__)

/* 8 ones then 8 zeros: loading 8 int32 from index 8 - rest gives `rest` all-ones lanes. */
static const int32_t tail_mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/* Lane mask for the last `rest` floats, rest in 1..7: reads tail_mask_table[8-rest ..< 16-rest],
 * inside the 16-entry table. */
CK_TARGET_AVX2 CK_INLINE __m256i tail_mask8(size_t rest) {
    return _mm256_loadu_si256((const __m256i *)(tail_mask_table + 8 - rest));
}

/* Tree sum of 8 lanes: 256 → 128 → 64 → 32 bits. */
CK_TARGET_AVX2 CK_INLINE float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

CK_TARGET_AVX2 CK_INLINE float l2sq_pair(const float *a, const float *b, size_t dim) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    /* i + 32 <= dim: a[i ..< i+32] and b[i ..< i+32] are in bounds. */
    for (; i + 32 <= dim; i += 32) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
        __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
        s2 = _mm256_fmadd_ps(d2, d2, s2);
        s3 = _mm256_fmadd_ps(d3, d3, s3);
    }
    /* i + 8 <= dim: a[i ..< i+8] and b[i ..< i+8] are in bounds; at most 3 rounds. */
    for (; i + 8 <= dim; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        s1 = _mm256_fmadd_ps(d, d, s1);
    }
    /* i < dim: 1–7 floats remain; the mask limits the loads to a[i ..< dim], b[i ..< dim]. */
    if (i < dim) {
        __m256i m = tail_mask8(dim - i);
        __m256 d = _mm256_sub_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m));
        s2 = _mm256_fmadd_ps(d, d, s2);
    }
    return hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

CK_TARGET_AVX2 CK_INLINE float dot_pair(const float *a, const float *b, size_t dim) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    /* i + 32 <= dim: a[i ..< i+32] and b[i ..< i+32] are in bounds. */
    for (; i + 32 <= dim; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    /* i + 8 <= dim: a[i ..< i+8] and b[i ..< i+8] are in bounds; at most 3 rounds. */
    for (; i + 8 <= dim; i += 8) {
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s1);
    }
    /* i < dim: 1–7 floats remain; the mask limits the loads to a[i ..< dim], b[i ..< dim]. */
    if (i < dim) {
        __m256i m = tail_mask8(dim - i);
        s2 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m), s2);
    }
    return hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

/* Prefetches, for each row of the next block, the line holding float `i` (i < dim). */
CK_TARGET_AVX2 CK_INLINE void prefetch_block_at(const float *const pf[CK_ROW_BLOCK], size_t i) {
    for (int k = 0; k < CK_ROW_BLOCK; k++) CK_PREFETCH(pf[k] + i);
}

/*
 * CK_ROW_BLOCK rows against one query; out[k] = distance to row[k]. `is_l2` and `prefetch` are
 * compile-time constants at every call site. 16 ymm registers: 8 accumulators, 2 query chunks,
 * the rest temporaries.
 */
CK_TARGET_AVX2 CK_INLINE void block_rows(
    const float *q, const float *const row[CK_ROW_BLOCK], size_t dim,
    const float *const pf[CK_ROW_BLOCK], int prefetch, int is_l2, float *out
) {
    __m256 acc[CK_ROW_BLOCK][2];
    for (int k = 0; k < CK_ROW_BLOCK; k++) acc[k][0] = acc[k][1] = _mm256_setzero_ps();
    size_t i = 0;
    /* i + 16 <= dim: q[i ..< i+16] and row[k][i ..< i+16] are in bounds. */
    for (; i + 16 <= dim; i += 16) {
        __m256 q0 = _mm256_loadu_ps(q + i), q1 = _mm256_loadu_ps(q + i + 8);
        for (int k = 0; k < CK_ROW_BLOCK; k++) {
            __m256 x0 = _mm256_loadu_ps(row[k] + i), x1 = _mm256_loadu_ps(row[k] + i + 8);
            if (is_l2) {
                x0 = _mm256_sub_ps(q0, x0);
                x1 = _mm256_sub_ps(q1, x1);
                acc[k][0] = _mm256_fmadd_ps(x0, x0, acc[k][0]);
                acc[k][1] = _mm256_fmadd_ps(x1, x1, acc[k][1]);
            } else {
                acc[k][0] = _mm256_fmadd_ps(q0, x0, acc[k][0]);
                acc[k][1] = _mm256_fmadd_ps(q1, x1, acc[k][1]);
            }
        }
        /* One 64-byte line per 16 floats; i < dim. */
        if (prefetch) prefetch_block_at(pf, i);
    }
    /* i + 8 <= dim: q[i ..< i+8] and row[k][i ..< i+8] are in bounds; at most 1 round. */
    for (; i + 8 <= dim; i += 8) {
        __m256 q0 = _mm256_loadu_ps(q + i);
        for (int k = 0; k < CK_ROW_BLOCK; k++) {
            __m256 x0 = _mm256_loadu_ps(row[k] + i);
            if (is_l2) {
                x0 = _mm256_sub_ps(q0, x0);
                acc[k][0] = _mm256_fmadd_ps(x0, x0, acc[k][0]);
            } else {
                acc[k][0] = _mm256_fmadd_ps(q0, x0, acc[k][0]);
            }
        }
        if (prefetch) prefetch_block_at(pf, i);  /* i < dim */
    }
    /* i < dim: 1–7 floats remain; the mask limits every load to [i, dim). */
    if (i < dim) {
        __m256i m = tail_mask8(dim - i);
        __m256 q0 = _mm256_maskload_ps(q + i, m);
        for (int k = 0; k < CK_ROW_BLOCK; k++) {
            __m256 x0 = _mm256_maskload_ps(row[k] + i, m);
            if (is_l2) {
                x0 = _mm256_sub_ps(q0, x0);
                acc[k][1] = _mm256_fmadd_ps(x0, x0, acc[k][1]);
            } else {
                acc[k][1] = _mm256_fmadd_ps(q0, x0, acc[k][1]);
            }
        }
    }
    /* dim >= 1 here: the line holding each next row's last float (unaligned rows end there). */
    if (prefetch && dim > 0) prefetch_block_at(pf, dim - 1);
    for (int k = 0; k < CK_ROW_BLOCK; k++) out[k] = hsum256(_mm256_add_ps(acc[k][0], acc[k][1]));
}

CK_TARGET_AVX2 CK_INLINE void batch(
    const float *q, const float *base, size_t n, size_t dim, size_t stride, int is_l2, float *out
) {
    size_t r = 0;
    /* Blocks only for batches that can be cache-resident (CK_BATCH_BLOCKED_BYTES_MAX); the
     * division avoids overflow in n * stride * sizeof(float). */
    int blocked = n <= CK_BATCH_BLOCKED_BYTES_MAX / sizeof(float) / (stride > 0 ? stride : 1);
    /* r + CK_ROW_BLOCK <= n: rows r ..< r+CK_ROW_BLOCK exist; row r+k starts at
     * base + (r+k)*stride and, since stride >= dim, ends inside the batch. */
    for (; blocked && r + CK_ROW_BLOCK <= n; r += CK_ROW_BLOCK) {
        const float *row[CK_ROW_BLOCK];
        for (int k = 0; k < CK_ROW_BLOCK; k++) row[k] = base + (r + (size_t)k) * stride;
        /* Cache-resident rows (see the loop bound): no software prefetch, it would only take
         * load slots from the kernel. */
        block_rows(q, row, dim, row, 0, is_l2, out + r);
    }
    /* r < n: the last n % CK_ROW_BLOCK rows, or all rows of a large batch. */
    for (; r < n; r++) out[r] = is_l2 ? l2sq_pair(q, base + r * stride, dim) : dot_pair(q, base + r * stride, dim);
}

CK_TARGET_AVX2 CK_INLINE void gather(
    const float *q, const float *const *rows, size_t n, size_t dim, int is_l2, float *out
) {
    size_t r = 0;
    /* r + CK_ROW_BLOCK <= n: rows[r ..< r+CK_ROW_BLOCK] exist. */
    for (; r + CK_ROW_BLOCK <= n; r += CK_ROW_BLOCK) {
        const float *pf[CK_ROW_BLOCK];
        /* Next block's rows where they exist (index < n); otherwise re-touch a current row. */
        for (int k = 0; k < CK_ROW_BLOCK; k++) {
            size_t next = r + CK_ROW_BLOCK + (size_t)k;
            pf[k] = next < n ? rows[next] : rows[r + (size_t)k];
        }
        block_rows(q, rows + r, dim, pf, 1, is_l2, out + r);
    }
    /* r < n: the last n % CK_ROW_BLOCK rows, each prefetching its successor (r + 1 < n). */
    for (; r < n; r++) {
        if (r + 1 < n) ck_prefetch_bytes(rows[r + 1], dim * sizeof(float));
        out[r] = is_l2 ? l2sq_pair(q, rows[r], dim) : dot_pair(q, rows[r], dim);
    }
}

CK_TARGET_AVX2 float ck_l2sq_f32_avx2(const float *a, const float *b, size_t dim) {
    return l2sq_pair(a, b, dim);
}

CK_TARGET_AVX2 float ck_dot_f32_avx2(const float *a, const float *b, size_t dim) {
    return dot_pair(a, b, dim);
}

CK_TARGET_AVX2 float ck_cosine_distance_f32_avx2(const float *a, const float *b, size_t dim) {
    __m256 d0 = _mm256_setzero_ps(), d1 = _mm256_setzero_ps();
    __m256 na0 = _mm256_setzero_ps(), na1 = _mm256_setzero_ps();
    __m256 nb0 = _mm256_setzero_ps(), nb1 = _mm256_setzero_ps();
    size_t i = 0;
    /* i + 16 <= dim: a[i ..< i+16] and b[i ..< i+16] are in bounds. */
    for (; i + 16 <= dim; i += 16) {
        __m256 a0 = _mm256_loadu_ps(a + i), a1 = _mm256_loadu_ps(a + i + 8);
        __m256 b0 = _mm256_loadu_ps(b + i), b1 = _mm256_loadu_ps(b + i + 8);
        d0 = _mm256_fmadd_ps(a0, b0, d0);
        d1 = _mm256_fmadd_ps(a1, b1, d1);
        na0 = _mm256_fmadd_ps(a0, a0, na0);
        na1 = _mm256_fmadd_ps(a1, a1, na1);
        nb0 = _mm256_fmadd_ps(b0, b0, nb0);
        nb1 = _mm256_fmadd_ps(b1, b1, nb1);
    }
    /* i + 8 <= dim: a[i ..< i+8] and b[i ..< i+8] are in bounds; at most 1 round. */
    for (; i + 8 <= dim; i += 8) {
        __m256 a0 = _mm256_loadu_ps(a + i), b0 = _mm256_loadu_ps(b + i);
        d0 = _mm256_fmadd_ps(a0, b0, d0);
        na0 = _mm256_fmadd_ps(a0, a0, na0);
        nb0 = _mm256_fmadd_ps(b0, b0, nb0);
    }
    /* i < dim: 1–7 floats remain; the mask limits the loads to [i, dim). */
    if (i < dim) {
        __m256i m = tail_mask8(dim - i);
        __m256 a0 = _mm256_maskload_ps(a + i, m), b0 = _mm256_maskload_ps(b + i, m);
        d1 = _mm256_fmadd_ps(a0, b0, d1);
        na1 = _mm256_fmadd_ps(a0, a0, na1);
        nb1 = _mm256_fmadd_ps(b0, b0, nb1);
    }
    return ck_cosine_finish(hsum256(_mm256_add_ps(d0, d1)), hsum256(_mm256_add_ps(na0, na1)),
                            hsum256(_mm256_add_ps(nb0, nb1)));
}

CK_TARGET_AVX2 void ck_l2sq_f32_batch_avx2(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out) {
    batch(q, base, n, dim, stride, 1, out);
}

CK_TARGET_AVX2 void ck_dot_f32_batch_avx2(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out) {
    batch(q, base, n, dim, stride, 0, out);
}

CK_TARGET_AVX2 void ck_l2sq_f32_gather_avx2(const float *q, const float *const *rows, size_t n, size_t dim, float *out) {
    gather(q, rows, n, dim, 1, out);
}

CK_TARGET_AVX2 void ck_dot_f32_gather_avx2(const float *q, const float *const *rows, size_t n, size_t dim, float *out) {
    gather(q, rows, n, dim, 0, out);
}

#else /* not x86-64: the symbols exist so callers link; calling them is a bug. */

float ck_l2sq_f32_avx2(const float *a, const float *b, size_t dim) { (void)a; (void)b; (void)dim; CK_UNSUPPORTED_VARIANT(); }
float ck_dot_f32_avx2(const float *a, const float *b, size_t dim) { (void)a; (void)b; (void)dim; CK_UNSUPPORTED_VARIANT(); }
float ck_cosine_distance_f32_avx2(const float *a, const float *b, size_t dim) { (void)a; (void)b; (void)dim; CK_UNSUPPORTED_VARIANT(); }
void ck_l2sq_f32_batch_avx2(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out) { (void)q; (void)base; (void)n; (void)dim; (void)stride; (void)out; CK_UNSUPPORTED_VARIANT(); }
void ck_dot_f32_batch_avx2(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out) { (void)q; (void)base; (void)n; (void)dim; (void)stride; (void)out; CK_UNSUPPORTED_VARIANT(); }
void ck_l2sq_f32_gather_avx2(const float *q, const float *const *rows, size_t n, size_t dim, float *out) { (void)q; (void)rows; (void)n; (void)dim; (void)out; CK_UNSUPPORTED_VARIANT(); }
void ck_dot_f32_gather_avx2(const float *q, const float *const *rows, size_t n, size_t dim, float *out) { (void)q; (void)rows; (void)n; (void)dim; (void)out; CK_UNSUPPORTED_VARIANT(); }

#endif
