/*
 * ck_pq.c — product-quantization asymmetric distance computation (ADC), 8-bit codes.
 * Jégou, Douze, Schmid, "Product quantization for nearest neighbor search", TPAMI 2011, §3.
 *
 * m = sub-quantizers, ksub = 256 centroids each. lut is float [m][256]; a code row is
 * uint8 [m]; out[r] = sum_j lut[j*256 + code_r[j]]. Scalar on purpose: NOTES.md §3 measured
 * AVX-512 gathers slower than four scalar partial sums (13.5 vs 9 ns per code at m = 48).
 */
#include "ck_internal.h"

#include <string.h>

#define CK_PQ_KSUB 256
/* Code rows ahead of the current one that the gathered ADC keeps in flight. */
#define CK_PQ_PREFETCH_AHEAD 8

/* One code row: eight partial sums break the dependent-add chain; tree-reduced. */
CK_INLINE float adc_row(const float *lut, const uint8_t *code, size_t m) {
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f, s4 = 0.0f, s5 = 0.0f, s6 = 0.0f, s7 = 0.0f;
    size_t j = 0;
    /* j + 8 <= m: code[j ..< j+8] in bounds. Eight codes per load: the loop is bound by load
     * ports (a code byte and its table entry per sub-quantizer), so one load serves eight. */
    for (; j + 8 <= m; j += 8) {
        uint64_t w;
        memcpy(&w, code + j, sizeof w);
        s0 += lut[(j + 0) * CK_PQ_KSUB + (w & 0xff)];
        s1 += lut[(j + 1) * CK_PQ_KSUB + ((w >> 8) & 0xff)];
        s2 += lut[(j + 2) * CK_PQ_KSUB + ((w >> 16) & 0xff)];
        s3 += lut[(j + 3) * CK_PQ_KSUB + ((w >> 24) & 0xff)];
        s4 += lut[(j + 4) * CK_PQ_KSUB + ((w >> 32) & 0xff)];
        s5 += lut[(j + 5) * CK_PQ_KSUB + ((w >> 40) & 0xff)];
        s6 += lut[(j + 6) * CK_PQ_KSUB + ((w >> 48) & 0xff)];
        s7 += lut[(j + 7) * CK_PQ_KSUB + (w >> 56)];
    }
    /* j + 4 <= m: code[j ..< j+4] in bounds; lut row j+k has 256 entries and a code is < 256. */
    for (; j + 4 <= m; j += 4) {
        s0 += lut[(j + 0) * CK_PQ_KSUB + code[j + 0]];
        s1 += lut[(j + 1) * CK_PQ_KSUB + code[j + 1]];
        s2 += lut[(j + 2) * CK_PQ_KSUB + code[j + 2]];
        s3 += lut[(j + 3) * CK_PQ_KSUB + code[j + 3]];
    }
    /* j < m: the 0–3 remaining sub-quantizers. */
    for (; j < m; j++) s0 += lut[j * CK_PQ_KSUB + code[j]];
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

void ck_pq_adc_u8(const float *lut, const uint8_t *codes, size_t n, size_t m, float *out) {
    /* r < n: code row r is codes[r*m ..< r*m + m], inside codes[n][m]. */
    for (size_t r = 0; r < n; r++) out[r] = adc_row(lut, codes + r * m, m);
}

void ck_pq_adc_u8_gather(const float *lut, const uint8_t *const *rows, size_t n, size_t m, float *out) {
    /* k < n: rows[k] exists; start the first misses together. */
    for (size_t k = 1; k < CK_PQ_PREFETCH_AHEAD && k < n; k++) ck_prefetch_bytes(rows[k], m);
    /* r < n: rows[r] and out[r] exist. */
    for (size_t r = 0; r < n; r++) {
        /* r + AHEAD < n: that row exists. */
        if (r + CK_PQ_PREFETCH_AHEAD < n) ck_prefetch_bytes(rows[r + CK_PQ_PREFETCH_AHEAD], m);
        out[r] = adc_row(lut, rows[r], m);
    }
}

/* Lookup table of dot products: out[j*256 + c] = sum_d q[j*dsub + d] * centroids_t[(j*dsub + d)*256 + c].
 * The centroids are stored transposed per subspace ([m][dsub][256]) so the inner loop runs over 256
 * contiguous centroids. ck_pq_dot_table runs the AVX-512 kernel when the CPU has it, else the
 * portable loop (an axpy the compiler vectorises; target_clones adds an AVX2 build). */
#if defined(__x86_64__)
/* AVX-512: a sub-quantizer's 256 sums stay in 16 registers across its dsub columns, so each
 * column is one pass of loads and FMAs and the row is stored once. */
CK_TARGET_AVX512 static void dot_table_avx512(const float *centroids_t, const float *q, size_t m, size_t dsub, float *out) {
    /* j < m, d < dsub: as in the portable loop below; b < 16 blocks of 16 floats = 256. */
    for (size_t j = 0; j < m; j++) {
        __m512 acc[16];
        for (int b = 0; b < 16; b++) acc[b] = _mm512_setzero_ps();
        for (size_t d = 0; d < dsub; d++) {
            const __m512 qd = _mm512_set1_ps(q[j * dsub + d]);
            const float *column = centroids_t + (j * dsub + d) * CK_PQ_KSUB;
            for (int b = 0; b < 16; b++) acc[b] = _mm512_fmadd_ps(qd, _mm512_loadu_ps(column + 16 * b), acc[b]);
        }
        for (int b = 0; b < 16; b++) _mm512_storeu_ps(out + j * CK_PQ_KSUB + 16 * b, acc[b]);
    }
}
#endif

#if defined(__x86_64__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
static void dot_table_portable(const float *centroids_t, const float *q, size_t m, size_t dsub, float *out) {
    /* j < m, d < dsub: q[j*dsub + d] is inside q[m*dsub]; row (j*dsub + d) of centroids_t has 256 floats. */
    for (size_t j = 0; j < m; j++) {
        float *row = out + j * CK_PQ_KSUB;
        for (size_t c = 0; c < CK_PQ_KSUB; c++) row[c] = 0.0f;
        for (size_t d = 0; d < dsub; d++) {
            const float qd = q[j * dsub + d];
            const float *centroid_column = centroids_t + (j * dsub + d) * CK_PQ_KSUB;
            for (size_t c = 0; c < CK_PQ_KSUB; c++) row[c] += qd * centroid_column[c];
        }
    }
}

#if defined(__x86_64__)
/* Row minimum and maximum of one 256-entry table row. */
CK_TARGET_AVX512 static void row_range_avx512(const float *row, float *lo, float *hi) {
    __m512 vlo = _mm512_loadu_ps(row), vhi = vlo;
    /* c + 16 <= 256: inside the row. */
    for (size_t c = 16; c < CK_PQ_KSUB; c += 16) {
        const __m512 v = _mm512_loadu_ps(row + c);
        vlo = _mm512_min_ps(vlo, v);
        vhi = _mm512_max_ps(vhi, v);
    }
    *lo = _mm512_reduce_min_ps(vlo);
    *hi = _mm512_reduce_max_ps(vhi);
}

CK_TARGET_AVX512 static void row_quantize_avx512(const float *row, float lo, float inverse, uint8_t *out) {
    const __m512 vlo = _mm512_set1_ps(lo), vinv = _mm512_set1_ps(inverse);
    const __m512 half = _mm512_set1_ps(0.5f), top = _mm512_set1_ps(255.0f);
    /* c + 16 <= 256: inside the row and its 256 output bytes. */
    for (size_t c = 0; c < CK_PQ_KSUB; c += 16) {
        __m512 v = _mm512_fmadd_ps(_mm512_sub_ps(_mm512_loadu_ps(row + c), vlo), vinv, half);
        v = _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), top);
        _mm_storeu_si128((__m128i *)(out + c), _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(v)));
    }
}
#endif

static void row_range_scalar(const float *row, float *lo, float *hi) {
    float l = row[0], h = row[0];
    /* c < 256: inside the row. */
    for (size_t c = 1; c < CK_PQ_KSUB; c++) {
        l = row[c] < l ? row[c] : l;
        h = row[c] > h ? row[c] : h;
    }
    *lo = l;
    *hi = h;
}

static void row_quantize_scalar(const float *row, float lo, float inverse, uint8_t *out) {
    /* c < 256: inside the row and its 256 output bytes. */
    for (size_t c = 0; c < CK_PQ_KSUB; c++) {
        float v = (row[c] - lo) * inverse + 0.5f;
        v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
        out[c] = (uint8_t)v;
    }
}

void ck_pq_quantize_table(const float *lut, size_t m, uint8_t *out, float *scale, float *bias) {
#if defined(__x86_64__)
    const int wide = ck_cpu_has_avx512();
#else
    const int wide = 0;
#endif
    /* Pass 1: the widest row range sets the one shared step (byte sums of different rows must
     * add). Pass 2 recomputes each row's minimum (256 floats) rather than keep m of them aside. */
    float range_max = 0.0f, offset_sum = 0.0f;
    /* j < m: row j of lut[m][256]. */
    for (size_t j = 0; j < m; j++) {
        float lo, hi;
#if defined(__x86_64__)
        if (wide) row_range_avx512(lut + j * CK_PQ_KSUB, &lo, &hi); else
#endif
        row_range_scalar(lut + j * CK_PQ_KSUB, &lo, &hi);
        offset_sum += lo;
        range_max = (hi - lo) > range_max ? (hi - lo) : range_max;
    }
    const float step = range_max > 0.0f ? range_max / 255.0f : 1.0f;
    const float inverse = 1.0f / step;
    for (size_t j = 0; j < m; j++) {
        const float *row = lut + j * CK_PQ_KSUB;
        float lo, hi;
#if defined(__x86_64__)
        if (wide) {
            row_range_avx512(row, &lo, &hi);
            row_quantize_avx512(row, lo, inverse, out + j * CK_PQ_KSUB);
            continue;
        }
#endif
        row_range_scalar(row, &lo, &hi);
        row_quantize_scalar(row, lo, inverse, out + j * CK_PQ_KSUB);
    }
    *scale = step;
    *bias = offset_sum;
}

/* Byte-table ADC for one code row: integer sums (1-cycle adds, a quarter of the table's cache
 * footprint: m = 192 fits 48 KiB instead of 192 KiB). */
CK_INLINE uint32_t adc_row_bytes(const uint8_t *table, const uint8_t *code, size_t m) {
    uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t j = 0;
    /* j + 8 <= m: code[j ..< j+8] in bounds; table row j+k has 256 entries and a code is < 256. */
    for (; j + 8 <= m; j += 8) {
        uint64_t w;
        memcpy(&w, code + j, sizeof w);
        s0 += table[(j + 0) * CK_PQ_KSUB + (w & 0xff)];
        s1 += table[(j + 1) * CK_PQ_KSUB + ((w >> 8) & 0xff)];
        s2 += table[(j + 2) * CK_PQ_KSUB + ((w >> 16) & 0xff)];
        s3 += table[(j + 3) * CK_PQ_KSUB + ((w >> 24) & 0xff)];
        s0 += table[(j + 4) * CK_PQ_KSUB + ((w >> 32) & 0xff)];
        s1 += table[(j + 5) * CK_PQ_KSUB + ((w >> 40) & 0xff)];
        s2 += table[(j + 6) * CK_PQ_KSUB + ((w >> 48) & 0xff)];
        s3 += table[(j + 7) * CK_PQ_KSUB + (w >> 56)];
    }
    /* j < m: the 0–7 remaining sub-quantizers. */
    for (; j < m; j++) s0 += table[j * CK_PQ_KSUB + code[j]];
    return (s0 + s1) + (s2 + s3);
}

void ck_pq_adc_u8_table_gather(const uint8_t *table, const uint8_t *const *rows, size_t n, size_t m,
                               float scale, float bias, float *out) {
    /* k < n: rows[k] exists; start the first misses together. */
    for (size_t k = 1; k < CK_PQ_PREFETCH_AHEAD && k < n; k++) ck_prefetch_bytes(rows[k], m);
    /* r < n: rows[r] and out[r] exist. */
    for (size_t r = 0; r < n; r++) {
        if (r + CK_PQ_PREFETCH_AHEAD < n) ck_prefetch_bytes(rows[r + CK_PQ_PREFETCH_AHEAD], m);
        out[r] = bias + scale * (float)adc_row_bytes(table, rows[r], m);
    }
}

void ck_pq_dot_table(const float *centroids_t, const float *q, size_t m, size_t dsub, float *out) {
#if defined(__x86_64__)
    if (ck_cpu_has_avx512()) {
        dot_table_avx512(centroids_t, q, m, dsub, out);
        return;
    }
#endif
    dot_table_portable(centroids_t, q, m, dsub, out);
}
