#include "cortex_kernels.h"
float ck_l2sq_f32(const float *a, const float *b, size_t dim) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0; size_t i = 0;
    for (; i + 4 <= dim; i += 4) { float d0 = a[i]-b[i], d1 = a[i+1]-b[i+1], d2 = a[i+2]-b[i+2], d3 = a[i+3]-b[i+3]; s0 += d0*d0; s1 += d1*d1; s2 += d2*d2; s3 += d3*d3; }
    for (; i < dim; i++) { float d = a[i]-b[i]; s0 += d*d; }
    return (s0+s1)+(s2+s3);
}
float ck_dot_f32(const float *a, const float *b, size_t dim) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0; size_t i = 0;
    for (; i + 4 <= dim; i += 4) { s0 += a[i]*b[i]; s1 += a[i+1]*b[i+1]; s2 += a[i+2]*b[i+2]; s3 += a[i+3]*b[i+3]; }
    for (; i < dim; i++) s0 += a[i]*b[i];
    return (s0+s1)+(s2+s3);
}
void ck_l2sq_f32_gather(const float *q, const float *const *rows, size_t n, size_t dim, float *out) { for (size_t i = 0; i < n; i++) out[i] = ck_l2sq_f32(q, rows[i], dim); }
void ck_dot_f32_gather(const float *q, const float *const *rows, size_t n, size_t dim, float *out) { for (size_t i = 0; i < n; i++) out[i] = ck_dot_f32(q, rows[i], dim); }
const char *ck_isa(void) { return "scalar"; }
