/*
 * ck_f32_avx512.c — float32 kernels for AVX-512 (F/BW/VL), 16 lanes per zmm register.
 *
 * Shape of every kernel: a main loop over 64 (pair) or 32 (row block) floats with independent
 * accumulators (FMA latency 4 cycles x 2 pipes needs several chains in flight), a 16-float
 * loop, then one masked step for the last 1–15 floats (`_mm512_maskz_loadu_ps` reads nothing
 * outside the mask, so no out-of-bounds access and no scalar tail). Accumulators are
 * tree-reduced, then `_mm512_reduce_add_ps` (itself a tree) gives the scalar.
 */
#include "ck_internal.h"

#if defined(__x86_64__)

/* Mask with the low `rest` bits set; rest in 1..15 so the shift is defined. */
CK_TARGET_AVX512 CK_INLINE __mmask16 tail_mask16(size_t rest) {
    return (__mmask16)((1u << rest) - 1u);
}

CK_TARGET_AVX512 CK_INLINE float l2sq_pair(const float *a, const float *b, size_t dim) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    __m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    /* i + 64 <= dim: a[i ..< i+64] and b[i ..< i+64] are in bounds. */
    for (; i + 64 <= dim; i += 64) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
        __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
        __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
        s2 = _mm512_fmadd_ps(d2, d2, s2);
        s3 = _mm512_fmadd_ps(d3, d3, s3);
    }
    /* i + 16 <= dim: a[i ..< i+16] and b[i ..< i+16] are in bounds; at most 3 rounds. */
    for (; i + 16 <= dim; i += 16) {
        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        s1 = _mm512_fmadd_ps(d, d, s1);
    }
    /* i < dim: 1–15 floats remain; the mask limits the loads to a[i ..< dim], b[i ..< dim]. */
    if (i < dim) {
        __mmask16 m = tail_mask16(dim - i);
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        s2 = _mm512_fmadd_ps(d, d, s2);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

CK_TARGET_AVX512 CK_INLINE float dot_pair(const float *a, const float *b, size_t dim) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    __m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    /* i + 64 <= dim: a[i ..< i+64] and b[i ..< i+64] are in bounds. */
    for (; i + 64 <= dim; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    /* i + 16 <= dim: a[i ..< i+16] and b[i ..< i+16] are in bounds; at most 3 rounds. */
    for (; i + 16 <= dim; i += 16) {
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s1);
    }
    /* i < dim: 1–15 floats remain; the mask limits the loads to a[i ..< dim], b[i ..< dim]. */
    if (i < dim) {
        __mmask16 m = tail_mask16(dim - i);
        s2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s2);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

/* Prefetches, for each row of the next block, the line holding float `i` (i < dim). */
CK_TARGET_AVX512 CK_INLINE void prefetch_block_at(const float *const pf[CK_ROW_BLOCK], size_t i) {
    for (int k = 0; k < CK_ROW_BLOCK; k++) CK_PREFETCH(pf[k] + i);
}

/*
 * CK_ROW_BLOCK rows against one query; out[k] = distance to row[k]. `is_l2` and `prefetch` are
 * compile-time constants at every call site (the function is always inlined), so the branches
 * on them vanish. With `prefetch`, pf[k] (a row of the next block, dim floats) is prefetched
 * line by line at the offsets this block is reading.
 */
CK_TARGET_AVX512 CK_INLINE void block_rows(
    const float *q, const float *const row[CK_ROW_BLOCK], size_t dim,
    const float *const pf[CK_ROW_BLOCK], int prefetch, int is_l2, float *out
) {
    __m512 acc[CK_ROW_BLOCK][2];
    for (int k = 0; k < CK_ROW_BLOCK; k++) acc[k][0] = acc[k][1] = _mm512_setzero_ps();
    size_t i = 0;
    /* i + 32 <= dim: q[i ..< i+32] and row[k][i ..< i+32] are in bounds. */
    for (; i + 32 <= dim; i += 32) {
        __m512 q0 = _mm512_loadu_ps(q + i), q1 = _mm512_loadu_ps(q + i + 16);
        for (int k = 0; k < CK_ROW_BLOCK; k++) {
            __m512 x0 = _mm512_loadu_ps(row[k] + i), x1 = _mm512_loadu_ps(row[k] + i + 16);
            if (is_l2) {
                x0 = _mm512_sub_ps(q0, x0);
                x1 = _mm512_sub_ps(q1, x1);
                acc[k][0] = _mm512_fmadd_ps(x0, x0, acc[k][0]);
                acc[k][1] = _mm512_fmadd_ps(x1, x1, acc[k][1]);
            } else {
                acc[k][0] = _mm512_fmadd_ps(q0, x0, acc[k][0]);
                acc[k][1] = _mm512_fmadd_ps(q1, x1, acc[k][1]);
            }
        }
        if (prefetch) {
            prefetch_block_at(pf, i);       /* i < dim */
            prefetch_block_at(pf, i + 16);  /* i + 16 < i + 32 <= dim */
        }
    }
    /* i + 16 <= dim: q[i ..< i+16] and row[k][i ..< i+16] are in bounds; at most 1 round. */
    for (; i + 16 <= dim; i += 16) {
        __m512 q0 = _mm512_loadu_ps(q + i);
        for (int k = 0; k < CK_ROW_BLOCK; k++) {
            __m512 x0 = _mm512_loadu_ps(row[k] + i);
            if (is_l2) {
                x0 = _mm512_sub_ps(q0, x0);
                acc[k][0] = _mm512_fmadd_ps(x0, x0, acc[k][0]);
            } else {
                acc[k][0] = _mm512_fmadd_ps(q0, x0, acc[k][0]);
            }
        }
        if (prefetch) prefetch_block_at(pf, i);  /* i < dim */
    }
    /* i < dim: 1–15 floats remain; the mask limits every load to [i, dim). */
    if (i < dim) {
        __mmask16 m = tail_mask16(dim - i);
        __m512 q0 = _mm512_maskz_loadu_ps(m, q + i);
        for (int k = 0; k < CK_ROW_BLOCK; k++) {
            __m512 x0 = _mm512_maskz_loadu_ps(m, row[k] + i);
            if (is_l2) {
                x0 = _mm512_sub_ps(q0, x0);
                acc[k][1] = _mm512_fmadd_ps(x0, x0, acc[k][1]);
            } else {
                acc[k][1] = _mm512_fmadd_ps(q0, x0, acc[k][1]);
            }
        }
    }
    /* dim >= 1 here: the line holding each next row's last float (unaligned rows end there). */
    if (prefetch && dim > 0) prefetch_block_at(pf, dim - 1);
    for (int k = 0; k < CK_ROW_BLOCK; k++) out[k] = _mm512_reduce_add_ps(_mm512_add_ps(acc[k][0], acc[k][1]));
}

CK_TARGET_AVX512 CK_INLINE void batch(
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

CK_TARGET_AVX512 CK_INLINE void gather(
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

CK_TARGET_AVX512 float ck_l2sq_f32_avx512(const float *a, const float *b, size_t dim) {
    return l2sq_pair(a, b, dim);
}

CK_TARGET_AVX512 float ck_dot_f32_avx512(const float *a, const float *b, size_t dim) {
    return dot_pair(a, b, dim);
}

CK_TARGET_AVX512 float ck_cosine_distance_f32_avx512(const float *a, const float *b, size_t dim) {
    __m512 d0 = _mm512_setzero_ps(), d1 = _mm512_setzero_ps();
    __m512 na0 = _mm512_setzero_ps(), na1 = _mm512_setzero_ps();
    __m512 nb0 = _mm512_setzero_ps(), nb1 = _mm512_setzero_ps();
    size_t i = 0;
    /* i + 32 <= dim: a[i ..< i+32] and b[i ..< i+32] are in bounds. */
    for (; i + 32 <= dim; i += 32) {
        __m512 a0 = _mm512_loadu_ps(a + i), a1 = _mm512_loadu_ps(a + i + 16);
        __m512 b0 = _mm512_loadu_ps(b + i), b1 = _mm512_loadu_ps(b + i + 16);
        d0 = _mm512_fmadd_ps(a0, b0, d0);
        d1 = _mm512_fmadd_ps(a1, b1, d1);
        na0 = _mm512_fmadd_ps(a0, a0, na0);
        na1 = _mm512_fmadd_ps(a1, a1, na1);
        nb0 = _mm512_fmadd_ps(b0, b0, nb0);
        nb1 = _mm512_fmadd_ps(b1, b1, nb1);
    }
    /* i + 16 <= dim: a[i ..< i+16] and b[i ..< i+16] are in bounds; at most 1 round. */
    for (; i + 16 <= dim; i += 16) {
        __m512 a0 = _mm512_loadu_ps(a + i), b0 = _mm512_loadu_ps(b + i);
        d0 = _mm512_fmadd_ps(a0, b0, d0);
        na0 = _mm512_fmadd_ps(a0, a0, na0);
        nb0 = _mm512_fmadd_ps(b0, b0, nb0);
    }
    /* i < dim: 1–15 floats remain; the mask limits the loads to [i, dim). */
    if (i < dim) {
        __mmask16 m = tail_mask16(dim - i);
        __m512 a0 = _mm512_maskz_loadu_ps(m, a + i), b0 = _mm512_maskz_loadu_ps(m, b + i);
        d1 = _mm512_fmadd_ps(a0, b0, d1);
        na1 = _mm512_fmadd_ps(a0, a0, na1);
        nb1 = _mm512_fmadd_ps(b0, b0, nb1);
    }
    return ck_cosine_finish(_mm512_reduce_add_ps(_mm512_add_ps(d0, d1)),
                            _mm512_reduce_add_ps(_mm512_add_ps(na0, na1)),
                            _mm512_reduce_add_ps(_mm512_add_ps(nb0, nb1)));
}

CK_TARGET_AVX512 void ck_l2sq_f32_batch_avx512(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out) {
    batch(q, base, n, dim, stride, 1, out);
}

CK_TARGET_AVX512 void ck_dot_f32_batch_avx512(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out) {
    batch(q, base, n, dim, stride, 0, out);
}

CK_TARGET_AVX512 void ck_l2sq_f32_gather_avx512(const float *q, const float *const *rows, size_t n, size_t dim, float *out) {
    gather(q, rows, n, dim, 1, out);
}

CK_TARGET_AVX512 void ck_dot_f32_gather_avx512(const float *q, const float *const *rows, size_t n, size_t dim, float *out) {
    gather(q, rows, n, dim, 0, out);
}

#else /* not x86-64: the symbols exist so callers link; calling them is a bug. */

float ck_l2sq_f32_avx512(const float *a, const float *b, size_t dim) { (void)a; (void)b; (void)dim; CK_UNSUPPORTED_VARIANT(); }
float ck_dot_f32_avx512(const float *a, const float *b, size_t dim) { (void)a; (void)b; (void)dim; CK_UNSUPPORTED_VARIANT(); }
float ck_cosine_distance_f32_avx512(const float *a, const float *b, size_t dim) { (void)a; (void)b; (void)dim; CK_UNSUPPORTED_VARIANT(); }
void ck_l2sq_f32_batch_avx512(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out) { (void)q; (void)base; (void)n; (void)dim; (void)stride; (void)out; CK_UNSUPPORTED_VARIANT(); }
void ck_dot_f32_batch_avx512(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out) { (void)q; (void)base; (void)n; (void)dim; (void)stride; (void)out; CK_UNSUPPORTED_VARIANT(); }
void ck_l2sq_f32_gather_avx512(const float *q, const float *const *rows, size_t n, size_t dim, float *out) { (void)q; (void)rows; (void)n; (void)dim; (void)out; CK_UNSUPPORTED_VARIANT(); }
void ck_dot_f32_gather_avx512(const float *q, const float *const *rows, size_t n, size_t dim, float *out) { (void)q; (void)rows; (void)n; (void)dim; (void)out; CK_UNSUPPORTED_VARIANT(); }

#endif
