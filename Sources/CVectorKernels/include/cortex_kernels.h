/*
 * cortex_kernels.h — distance kernels for the Cortex vector engine.
 *
 * Layouts (every buffer; no alignment is required anywhere):
 *   - a float32 vector of `dim` dimensions is `dim` contiguous little-endian IEEE-754 floats;
 *   - an int8 vector is `dim` contiguous int8 values in [-127, 127] (see the int8 section);
 *   - a batch `base` is `n` rows, row-major: row r starts at `base + r * stride` (stride in
 *     elements, stride >= dim; the floats between dim and stride are never read);
 *   - a gather `rows` is an array of `n` row pointers (rows anywhere in memory, e.g. the
 *     neighbours of a graph node); gathered kernels software-prefetch the rows that follow;
 *   - a PQ LUT is float [m][256] (`lut[j * 256 + c]` = distance contribution of code c in
 *     sub-space j); a PQ code row is uint8 [m]; a code batch is uint8 [n][m].
 *   - `out` has room for `n` results; out[r] belongs to row r.
 *
 * Contract for every function:
 *   - any dim >= 0 (0 gives 0, cosine distance 1); any n >= 0; pointers may be NULL only when
 *     the number of elements they would be read for is 0;
 *   - inputs are not modified; outputs never alias inputs;
 *   - thread-safe and allocation-free; the dispatched ISA is chosen once per process
 *     (`__builtin_cpu_supports`) and never changes.
 *
 * Variants: the unsuffixed functions are dispatched. `_scalar` variants run everywhere;
 * `_avx2` need ck_cpu_has_avx2() (AVX2 + FMA); float `_avx512` need ck_cpu_has_avx512()
 * (AVX-512 F/BW/VL); int8 `_avx512` need ck_cpu_has_avx512vnni(). Calling a variant the CPU
 * lacks is a bug (SIGILL on x86, abort() on other architectures). Float results of different
 * variants differ only by summation order (relative error about 1e-7 * sqrt(dim)); int8 results
 * are exact and identical across variants.
 */
#ifndef CORTEX_KERNELS_H
#define CORTEX_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- CPU features and dispatch ------------------------------------------------------------ */

/** 1 if the CPU and OS support AVX2 and FMA (x86-64 only), else 0. */
int ck_cpu_has_avx2(void);
/** 1 if the CPU and OS support AVX-512 F, BW and VL (x86-64 only), else 0. */
int ck_cpu_has_avx512(void);
/** 1 if ck_cpu_has_avx512() and AVX-512 VNNI is supported, else 0. */
int ck_cpu_has_avx512vnni(void);
/** Float ISA the dispatcher chose: "avx512", "avx2" or "scalar" (static string). */
const char *ck_isa(void);

/** Hints the CPU to bring the cache line at p into all cache levels (no fault on any address). */
static inline void ck_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
/** int8 ISA the dispatcher chose: "avx512vnni", "avx2" or "scalar" (static string). */
const char *ck_isa_s8(void);

/* ---- float32, one pair (dispatched) ------------------------------------------------------- */

/** Squared Euclidean distance sum((a[i]-b[i])^2). Cost: O(dim). */
float ck_l2sq_f32(const float *a, const float *b, size_t dim);
/** Inner product sum(a[i]*b[i]). Cost: O(dim). */
float ck_dot_f32(const float *a, const float *b, size_t dim);
/** Cosine distance 1 - a.b/(|a||b|), clamped to [0, 2]; 1 if either vector is all zeros. */
float ck_cosine_distance_f32(const float *a, const float *b, size_t dim);

/* ---- float32, one query x n rows (dispatched) --------------------------------------------- */

/** out[r] = l2sq(q, base + r*stride) for r < n. Requires stride >= dim. */
void ck_l2sq_f32_batch(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out);
/** out[r] = dot(q, base + r*stride) for r < n. Requires stride >= dim. */
void ck_dot_f32_batch(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out);
/** out[r] = l2sq(q, rows[r]) for r < n; prefetches the following rows while computing. */
void ck_l2sq_f32_gather(const float *q, const float *const *rows, size_t n, size_t dim, float *out);
/** out[r] = dot(q, rows[r]) for r < n; prefetches the following rows while computing. */
void ck_dot_f32_gather(const float *q, const float *const *rows, size_t n, size_t dim, float *out);

/* ---- int8 (dispatched) ---------------------------------------------------------------------
 * Values must lie in [-127, 127] (symmetric quantization): the AVX2 dot product uses the
 * identity a*b = |a| * (b*sign(a)), which saturates for -128 (the AVX-512 VNNI kernels use an
 * offset, a*b = (a+128)*b - 128*b, and would be exact for -128; do not rely on it). Results are
 * exact int32 as long as they fit: dot for dim <= CK_S8_DOT_DIM_MAX, l2sq for
 * dim <= CK_S8_L2SQ_DIM_MAX; beyond, they wrap modulo 2^32 identically in every variant.       */

/** Largest dim for which ck_dot_s8 cannot overflow int32: floor((2^31-1) / 127^2). */
#define CK_S8_DOT_DIM_MAX ((size_t)133143)
/** Largest dim for which ck_l2sq_s8 cannot overflow int32: floor((2^31-1) / 254^2). */
#define CK_S8_L2SQ_DIM_MAX ((size_t)33285)

/** sum(a[i]*b[i]), exact. */
int32_t ck_dot_s8(const int8_t *a, const int8_t *b, size_t dim);
/** sum((a[i]-b[i])^2), exact. */
int32_t ck_l2sq_s8(const int8_t *a, const int8_t *b, size_t dim);
/** out[r] = ck_dot_s8(q, rows[r], dim) for r < n; prefetches the following rows. */
void ck_dot_s8_gather(const int8_t *q, const int8_t *const *rows, size_t n, size_t dim, int32_t *out);
/** out[r] = ck_l2sq_s8(q, rows[r], dim) for r < n; prefetches the following rows. */
void ck_l2sq_s8_gather(const int8_t *q, const int8_t *const *rows, size_t n, size_t dim, int32_t *out);

/* ---- product quantization, asymmetric distance (ADC) ---------------------------------------
 * m = number of sub-quantizers, 256 centroids (ksub) each, 8-bit codes.
 * out[r] = sum over j < m of lut[j*256 + code_r[j]] (summed in float, 8 partial sums).
 * The engine navigates with the byte-table variant below (a quarter of the table's cache
 * footprint); the float-table kernels are its reference in tests and benchmarks.             */

/** ADC for n contiguous codes, layout codes[n][m]. */
void ck_pq_adc_u8(const float *lut, const uint8_t *codes, size_t n, size_t m, float *out);
/** ADC for n scattered code rows (each uint8[m]); prefetches the following rows. */
void ck_pq_adc_u8_gather(const float *lut, const uint8_t *const *rows, size_t n, size_t m, float *out);
/** PQ lookup table of dot products, out[j][c] = q_j · centroid_jc, from centroids transposed per
 *  subspace: centroids_t is float [m][dsub][256]; q is float [m*dsub]; out is float [m][256]. */
void ck_pq_dot_table(const float *centroids_t, const float *q, size_t m, size_t dsub, float *out);
/** Quantizes a float lookup table [m][256] to bytes: out[j][c] = round((lut[j][c] - min_j) / scale),
 * one scale for all rows (so byte sums add), a per-row offset. A code's float distance is then
 *  *bias + scale * (sum of its bytes), within m * scale / 2 of the float table's sum. */
void ck_pq_quantize_table(const float *lut, size_t m, uint8_t *out, float *scale, float *bias);
/** ADC on a byte table (see ck_pq_quantize_table): out[r] = bias + scale * sum_j table[j][rows[r][j]]. */
void ck_pq_adc_u8_table_gather(const uint8_t *table, const uint8_t *const *rows, size_t n, size_t m,
                               float scale, float bias, float *out);

/* ---- explicit variants (tests, benchmarks) ------------------------------------------------ */

float ck_l2sq_f32_scalar(const float *a, const float *b, size_t dim);
float ck_l2sq_f32_avx2(const float *a, const float *b, size_t dim);
float ck_l2sq_f32_avx512(const float *a, const float *b, size_t dim);
float ck_dot_f32_scalar(const float *a, const float *b, size_t dim);
float ck_dot_f32_avx2(const float *a, const float *b, size_t dim);
float ck_dot_f32_avx512(const float *a, const float *b, size_t dim);
float ck_cosine_distance_f32_scalar(const float *a, const float *b, size_t dim);
float ck_cosine_distance_f32_avx2(const float *a, const float *b, size_t dim);
float ck_cosine_distance_f32_avx512(const float *a, const float *b, size_t dim);

void ck_l2sq_f32_batch_scalar(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out);
void ck_l2sq_f32_batch_avx2(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out);
void ck_l2sq_f32_batch_avx512(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out);
void ck_dot_f32_batch_scalar(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out);
void ck_dot_f32_batch_avx2(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out);
void ck_dot_f32_batch_avx512(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out);
void ck_l2sq_f32_gather_scalar(const float *q, const float *const *rows, size_t n, size_t dim, float *out);
void ck_l2sq_f32_gather_avx2(const float *q, const float *const *rows, size_t n, size_t dim, float *out);
void ck_l2sq_f32_gather_avx512(const float *q, const float *const *rows, size_t n, size_t dim, float *out);
void ck_dot_f32_gather_scalar(const float *q, const float *const *rows, size_t n, size_t dim, float *out);
void ck_dot_f32_gather_avx2(const float *q, const float *const *rows, size_t n, size_t dim, float *out);
void ck_dot_f32_gather_avx512(const float *q, const float *const *rows, size_t n, size_t dim, float *out);

int32_t ck_dot_s8_scalar(const int8_t *a, const int8_t *b, size_t dim);
int32_t ck_dot_s8_avx2(const int8_t *a, const int8_t *b, size_t dim);
int32_t ck_dot_s8_avx512(const int8_t *a, const int8_t *b, size_t dim);
int32_t ck_l2sq_s8_scalar(const int8_t *a, const int8_t *b, size_t dim);
int32_t ck_l2sq_s8_avx2(const int8_t *a, const int8_t *b, size_t dim);
int32_t ck_l2sq_s8_avx512(const int8_t *a, const int8_t *b, size_t dim);
void ck_dot_s8_gather_scalar(const int8_t *q, const int8_t *const *rows, size_t n, size_t dim, int32_t *out);
void ck_dot_s8_gather_avx2(const int8_t *q, const int8_t *const *rows, size_t n, size_t dim, int32_t *out);
void ck_dot_s8_gather_avx512(const int8_t *q, const int8_t *const *rows, size_t n, size_t dim, int32_t *out);
void ck_l2sq_s8_gather_scalar(const int8_t *q, const int8_t *const *rows, size_t n, size_t dim, int32_t *out);
void ck_l2sq_s8_gather_avx2(const int8_t *q, const int8_t *const *rows, size_t n, size_t dim, int32_t *out);
void ck_l2sq_s8_gather_avx512(const int8_t *q, const int8_t *const *rows, size_t n, size_t dim, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif /* CORTEX_KERNELS_H */
