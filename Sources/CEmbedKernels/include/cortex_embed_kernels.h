/*
 * cortex_embed_kernels.h — element-wise kernels of the BERT encoder (CortexEmbed).
 *
 * The matrix products run in OpenBLAS; everything between them runs here: bias + GELU, bias +
 * residual + layer normalisation, and the row softmax of attention scores.
 *
 * Layouts: a matrix of `rows` x `cols` is row-major float32; row r starts at `x + r * ld`
 * (ld >= cols, in elements; the floats between cols and ld are never read or written).
 * Vectors (`bias`, `gamma`, `beta`) have `cols` floats. No alignment is required.
 *
 * Contract: rows, cols >= 0; pointers may be NULL only where documented or when nothing is read
 * through them; thread-safe and allocation-free. The unsuffixed functions dispatch once per
 * process to `_avx512` (AVX-512 F/BW/VL, ce_cpu_has_avx512()) or `_scalar`; calling a variant
 * the CPU lacks is a bug. Variants differ by summation order and by the polynomial evaluation
 * of exp (both within about 2e-7 relative of libm).
 */
#ifndef CORTEX_EMBED_KERNELS_H
#define CORTEX_EMBED_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when the AVX-512 variants can run here. */
int ce_cpu_has_avx512(void);
/* "avx512" or "scalar": the variant the unsuffixed functions use. */
const char *ce_isa(void);

/*
 * x[r][c] = gelu(x[r][c] + bias[c]), with the exact GELU of BERT: 0.5 v (1 + erf(v / sqrt 2)).
 * erf is Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7), evaluated in float.
 */
void ce_bias_gelu(float *x, size_t ld, const float *bias, size_t rows, size_t cols);
void ce_bias_gelu_scalar(float *x, size_t ld, const float *bias, size_t rows, size_t cols);
void ce_bias_gelu_avx512(float *x, size_t ld, const float *bias, size_t rows, size_t cols);

/*
 * x[r] = layer_norm(x[r] + bias + residual[r]) * gamma + beta, normalised over the row's `cols`
 * values with the biased variance and `eps` (BERT: 1e-12). `bias` and `residual` may be NULL
 * (nothing added); `residual` has the same ld as `x`.
 */
void ce_bias_residual_layer_norm(float *x, size_t ld, const float *bias, const float *residual,
                                 const float *gamma, const float *beta, size_t rows, size_t cols,
                                 float eps);
void ce_bias_residual_layer_norm_scalar(float *x, size_t ld, const float *bias,
                                        const float *residual, const float *gamma,
                                        const float *beta, size_t rows, size_t cols, float eps);
void ce_bias_residual_layer_norm_avx512(float *x, size_t ld, const float *bias,
                                        const float *residual, const float *gamma,
                                        const float *beta, size_t rows, size_t cols, float eps);

/*
 * x[r] = softmax(scale * x[r]) over the row's `cols` values (max-subtracted, so no overflow).
 * cols >= 1 when rows >= 1.
 */
void ce_softmax_rows(float *x, size_t ld, size_t rows, size_t cols, float scale);
void ce_softmax_rows_scalar(float *x, size_t ld, size_t rows, size_t cols, float scale);
void ce_softmax_rows_avx512(float *x, size_t ld, size_t rows, size_t cols, float scale);

#ifdef __cplusplus
}
#endif

#endif /* CORTEX_EMBED_KERNELS_H */
