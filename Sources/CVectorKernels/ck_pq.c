/*
 * ck_pq.c — product-quantization asymmetric distance computation (ADC), 8-bit codes.
 * Jégou, Douze, Schmid, "Product quantization for nearest neighbor search", TPAMI 2011, §3.
 *
 * m = sub-quantizers, ksub = 256 centroids each. lut is float [m][256]; a code row is
 * uint8 [m]; out[r] = sum_j lut[j*256 + code_r[j]]. Scalar on purpose: NOTES.md §3 measured
 * AVX-512 gathers slower than four scalar partial sums (13.5 vs 9 ns per code at m = 48).
 */
#include "ck_internal.h"

#define CK_PQ_KSUB 256
/* Code rows ahead of the current one that the gathered ADC keeps in flight. */
#define CK_PQ_PREFETCH_AHEAD 8

/* One code row: four partial sums break the dependent-add chain; tree-reduced. */
CK_INLINE float adc_row(const float *lut, const uint8_t *code, size_t m) {
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    size_t j = 0;
    /* j + 4 <= m: code[j ..< j+4] in bounds; lut row j+k has 256 entries and a code is < 256. */
    for (; j + 4 <= m; j += 4) {
        s0 += lut[(j + 0) * CK_PQ_KSUB + code[j + 0]];
        s1 += lut[(j + 1) * CK_PQ_KSUB + code[j + 1]];
        s2 += lut[(j + 2) * CK_PQ_KSUB + code[j + 2]];
        s3 += lut[(j + 3) * CK_PQ_KSUB + code[j + 3]];
    }
    /* j < m: the 0–3 remaining sub-quantizers. */
    for (; j < m; j++) s0 += lut[j * CK_PQ_KSUB + code[j]];
    return (s0 + s1) + (s2 + s3);
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
 * contiguous centroids: an axpy the compiler vectorises; target_clones picks AVX-512/AVX2 at load time. */
#if defined(__x86_64__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void ck_pq_dot_table(const float *centroids_t, const float *q, size_t m, size_t dsub, float *out) {
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
