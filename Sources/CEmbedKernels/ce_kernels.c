/*
 * ce_kernels.c — element-wise kernels of the BERT encoder; contract in cortex_embed_kernels.h.
 *
 * The package builds for baseline x86-64, so the AVX-512 variants carry their own target
 * attribute and are chosen at run time (same scheme as CVectorKernels/ck_dispatch.c). Every
 * AVX-512 loop handles the last 1..15 columns with a masked step: masked loads read nothing
 * outside the mask and masked stores write nothing outside it, so no access leaves the row.
 */
#include "cortex_embed_kernels.h"
#include "cortex_kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define CE_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))
#endif
#define CE_INLINE static inline __attribute__((always_inline))

/* Abramowitz & Stegun 7.1.26: erfc(z) ~= t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) exp(-z^2),
 * t = 1 / (1 + p z), z >= 0, |error| <= 1.5e-7. */
#define CE_AS_P 0.3275911f
#define CE_AS_A1 0.254829592f
#define CE_AS_A2 (-0.284496736f)
#define CE_AS_A3 1.421413741f
#define CE_AS_A4 (-1.453152027f)
#define CE_AS_A5 1.061405429f
#define CE_SQRT1_2 0.70710678118654752f

/* ---- scalar ---------------------------------------------------------------------------------- */

/* GELU(v) = 0.5 v (1 + erf(v / sqrt 2)). With q = erfc(|v| / sqrt 2): 1 + erf = 2 - q for v >= 0
 * and q for v < 0, which keeps precision for large negative v (no 1 - (1 - tiny)). */
CE_INLINE float gelu_scalar(float v) {
    float z = fabsf(v) * CE_SQRT1_2;
    float t = 1.0f / (1.0f + CE_AS_P * z);
    float poly = t * (CE_AS_A1 + t * (CE_AS_A2 + t * (CE_AS_A3 + t * (CE_AS_A4 + t * CE_AS_A5))));
    float q = poly * expf(-z * z);
    return 0.5f * v * (v >= 0.0f ? 2.0f - q : q);
}

void ce_bias_gelu_scalar(float *x, size_t ld, const float *bias, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * ld;
        for (size_t c = 0; c < cols; c++) row[c] = gelu_scalar(row[c] + bias[c]);
    }
}

void ce_bias_residual_layer_norm_scalar(float *x, size_t ld, const float *bias,
                                        const float *residual, const float *gamma,
                                        const float *beta, size_t rows, size_t cols, float eps) {
    if (cols == 0) return;
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * ld;
        const float *res = residual ? residual + r * ld : NULL;
        double sum = 0;
        for (size_t c = 0; c < cols; c++) {
            float v = row[c] + (bias ? bias[c] : 0.0f) + (res ? res[c] : 0.0f);
            row[c] = v;
            sum += v;
        }
        float mean = (float)(sum / (double)cols);
        double squares = 0;
        for (size_t c = 0; c < cols; c++) {
            float d = row[c] - mean;
            squares += (double)d * d;
        }
        float inv = 1.0f / sqrtf((float)(squares / (double)cols) + eps);
        for (size_t c = 0; c < cols; c++) row[c] = (row[c] - mean) * inv * gamma[c] + beta[c];
    }
}

void ce_softmax_rows_scalar(float *x, size_t ld, size_t rows, size_t cols, float scale) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * ld;
        float top = -INFINITY;
        for (size_t c = 0; c < cols; c++) top = fmaxf(top, row[c] * scale);
        float sum = 0;
        for (size_t c = 0; c < cols; c++) {
            float e = expf(row[c] * scale - top);
            row[c] = e;
            sum += e;
        }
        float inv = 1.0f / sum;
        for (size_t c = 0; c < cols; c++) row[c] *= inv;
    }
}

/* ---- AVX-512 --------------------------------------------------------------------------------- */
#if defined(__x86_64__)

CE_TARGET_AVX512 CE_INLINE __mmask16 tail_mask(size_t rest) { return (__mmask16)((1u << rest) - 1u); }

/* exp(v) for v in float range: n = round(v log2 e), r = v - n ln 2 (two-part ln 2, |r| <= 0.347),
 * e^r by its degree-7 Taylor polynomial (truncation error <= 6e-9 relative), times 2^n by
 * vscalefps, which also gives 0 for very negative v and +inf above 88.7. */
CE_TARGET_AVX512 CE_INLINE __m512 exp512(__m512 v) {
    v = _mm512_max_ps(v, _mm512_set1_ps(-104.0f));
    v = _mm512_min_ps(v, _mm512_set1_ps(89.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(v, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), v);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

CE_TARGET_AVX512 CE_INLINE __m512 gelu512(__m512 v) {
    __m512 z = _mm512_mul_ps(_mm512_abs_ps(v), _mm512_set1_ps(CE_SQRT1_2));
    __m512 one = _mm512_set1_ps(1.0f);
    __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(_mm512_set1_ps(CE_AS_P), z, one));
    __m512 poly = _mm512_fmadd_ps(_mm512_set1_ps(CE_AS_A5), t, _mm512_set1_ps(CE_AS_A4));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(CE_AS_A3));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(CE_AS_A2));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(CE_AS_A1));
    poly = _mm512_mul_ps(poly, t);
    __m512 q = _mm512_mul_ps(poly, exp512(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(z, z))));
    __mmask16 nonnegative = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GE_OQ);
    __m512 factor = _mm512_mask_sub_ps(q, nonnegative, _mm512_set1_ps(2.0f), q);
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), factor);
}

CE_TARGET_AVX512 void ce_bias_gelu_avx512(float *x, size_t ld, const float *bias, size_t rows,
                                          size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * ld;
        size_t c = 0;
        /* c + 16 <= cols: row[c ..< c+16] and bias[c ..< c+16] are in bounds. */
        for (; c + 16 <= cols; c += 16) {
            __m512 v = _mm512_add_ps(_mm512_loadu_ps(row + c), _mm512_loadu_ps(bias + c));
            _mm512_storeu_ps(row + c, gelu512(v));
        }
        if (c < cols) {
            __mmask16 m = tail_mask(cols - c);
            __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, row + c), _mm512_maskz_loadu_ps(m, bias + c));
            _mm512_mask_storeu_ps(row + c, m, gelu512(v));
        }
    }
}

CE_TARGET_AVX512 void ce_bias_residual_layer_norm_avx512(float *x, size_t ld, const float *bias,
                                                         const float *residual, const float *gamma,
                                                         const float *beta, size_t rows,
                                                         size_t cols, float eps) {
    if (cols == 0) return;
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * ld;
        const float *res = residual ? residual + r * ld : NULL;
        __m512 sum = _mm512_setzero_ps();
        for (size_t c = 0; c < cols; c += 16) {
            /* The mask covers row[c ..< min(c+16, cols)]. */
            __mmask16 m = cols - c >= 16 ? (__mmask16)0xFFFF : tail_mask(cols - c);
            __m512 v = _mm512_maskz_loadu_ps(m, row + c);
            if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + c));
            if (res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, res + c));
            _mm512_mask_storeu_ps(row + c, m, v);
            sum = _mm512_add_ps(sum, v);
        }
        __m512 mean = _mm512_set1_ps(_mm512_reduce_add_ps(sum) / (float)cols);
        __m512 squares = _mm512_setzero_ps();
        for (size_t c = 0; c < cols; c += 16) {
            __mmask16 m = cols - c >= 16 ? (__mmask16)0xFFFF : tail_mask(cols - c);
            __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, row + c), mean);
            squares = _mm512_fmadd_ps(d, d, squares);
        }
        float variance = _mm512_reduce_add_ps(squares) / (float)cols;
        __m512 inv = _mm512_set1_ps(1.0f / sqrtf(variance + eps));
        for (size_t c = 0; c < cols; c += 16) {
            __mmask16 m = cols - c >= 16 ? (__mmask16)0xFFFF : tail_mask(cols - c);
            __m512 d = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, row + c), mean), inv);
            __m512 y = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m, gamma + c), _mm512_maskz_loadu_ps(m, beta + c));
            _mm512_mask_storeu_ps(row + c, m, y);
        }
    }
}

CE_TARGET_AVX512 void ce_softmax_rows_avx512(float *x, size_t ld, size_t rows, size_t cols,
                                             float scale) {
    __m512 s = _mm512_set1_ps(scale);
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * ld;
        __m512 top = _mm512_set1_ps(-INFINITY);
        for (size_t c = 0; c < cols; c += 16) {
            /* The mask covers row[c ..< min(c+16, cols)]; masked-off lanes keep -inf. */
            __mmask16 m = cols - c >= 16 ? (__mmask16)0xFFFF : tail_mask(cols - c);
            top = _mm512_mask_max_ps(top, m, top, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + c), s));
        }
        __m512 peak = _mm512_set1_ps(_mm512_reduce_max_ps(top));
        __m512 sum = _mm512_setzero_ps();
        for (size_t c = 0; c < cols; c += 16) {
            __mmask16 m = cols - c >= 16 ? (__mmask16)0xFFFF : tail_mask(cols - c);
            __m512 e = exp512(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(m, row + c), s, peak));
            e = _mm512_maskz_mov_ps(m, e);
            _mm512_mask_storeu_ps(row + c, m, e);
            sum = _mm512_add_ps(sum, e);
        }
        __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
        for (size_t c = 0; c < cols; c += 16) {
            __mmask16 m = cols - c >= 16 ? (__mmask16)0xFFFF : tail_mask(cols - c);
            _mm512_mask_storeu_ps(row + c, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + c), inv));
        }
    }
}

#else /* not x86-64: the AVX-512 variants exist (the header declares them) but must not run. */
void ce_bias_gelu_avx512(float *x, size_t ld, const float *bias, size_t rows, size_t cols) {
    (void)x; (void)ld; (void)bias; (void)rows; (void)cols;
    abort();
}
void ce_bias_residual_layer_norm_avx512(float *x, size_t ld, const float *bias, const float *residual,
                                        const float *gamma, const float *beta, size_t rows,
                                        size_t cols, float eps) {
    (void)x; (void)ld; (void)bias; (void)residual; (void)gamma; (void)beta; (void)rows; (void)cols; (void)eps;
    abort();
}
void ce_softmax_rows_avx512(float *x, size_t ld, size_t rows, size_t cols, float scale) {
    (void)x; (void)ld; (void)rows; (void)cols; (void)scale;
    abort();
}
#endif

/* ---- dispatch -------------------------------------------------------------------------------- */

/* The same feature set as the distance kernels' AVX-512 float variants (F, BW, VL, OS support). */
int ce_cpu_has_avx512(void) { return ck_cpu_has_avx512(); }

/* -1 until resolved, then 0 or 1 forever; racing first callers compute the same value. */
static int chosen_avx512 = -1;

CE_INLINE int use_avx512(void) {
    int chosen = __atomic_load_n(&chosen_avx512, __ATOMIC_ACQUIRE);
    if (chosen < 0) {
        chosen = ce_cpu_has_avx512();
        __atomic_store_n(&chosen_avx512, chosen, __ATOMIC_RELEASE);
    }
    return chosen;
}

const char *ce_isa(void) { return use_avx512() ? "avx512" : "scalar"; }

void ce_bias_gelu(float *x, size_t ld, const float *bias, size_t rows, size_t cols) {
    if (use_avx512()) ce_bias_gelu_avx512(x, ld, bias, rows, cols);
    else ce_bias_gelu_scalar(x, ld, bias, rows, cols);
}

void ce_bias_residual_layer_norm(float *x, size_t ld, const float *bias, const float *residual,
                                 const float *gamma, const float *beta, size_t rows, size_t cols,
                                 float eps) {
    if (use_avx512()) ce_bias_residual_layer_norm_avx512(x, ld, bias, residual, gamma, beta, rows, cols, eps);
    else ce_bias_residual_layer_norm_scalar(x, ld, bias, residual, gamma, beta, rows, cols, eps);
}

void ce_softmax_rows(float *x, size_t ld, size_t rows, size_t cols, float scale) {
    if (use_avx512()) ce_softmax_rows_avx512(x, ld, rows, cols, scale);
    else ce_softmax_rows_scalar(x, ld, rows, cols, scale);
}
