#pragma once
#include <stddef.h>
#include <stdint.h>
/* Interim scalar kernels; replaced by the dispatched SIMD library. */
float ck_l2sq_f32(const float *a, const float *b, size_t dim);
float ck_dot_f32(const float *a, const float *b, size_t dim);
void ck_l2sq_f32_gather(const float *q, const float *const *rows, size_t n, size_t dim, float *out);
void ck_dot_f32_gather(const float *q, const float *const *rows, size_t n, size_t dim, float *out);
const char *ck_isa(void);
