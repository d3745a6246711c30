/*
 * ck_f32_scalar.c — portable float32 kernels: the scalar twins of the SIMD kernels, and the
 * dispatch choice on CPUs without AVX2. Four independent partial sums break the add-latency
 * chain (1 dependent add per element would cost ~4 cycles each); they are tree-reduced.
 */
#include "ck_internal.h"

float ck_l2sq_f32_scalar(const float *a, const float *b, size_t dim) {
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    size_t i = 0;
    /* i + 4 <= dim: elements i..i+3 are in bounds. */
    for (; i + 4 <= dim; i += 4) {
        float d0 = a[i] - b[i], d1 = a[i + 1] - b[i + 1];
        float d2 = a[i + 2] - b[i + 2], d3 = a[i + 3] - b[i + 3];
        s0 += d0 * d0;
        s1 += d1 * d1;
        s2 += d2 * d2;
        s3 += d3 * d3;
    }
    /* i < dim: the 0–3 remaining elements. */
    for (; i < dim; i++) {
        float d = a[i] - b[i];
        s0 += d * d;
    }
    return (s0 + s1) + (s2 + s3);
}

float ck_dot_f32_scalar(const float *a, const float *b, size_t dim) {
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    size_t i = 0;
    /* i + 4 <= dim: elements i..i+3 are in bounds. */
    for (; i + 4 <= dim; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    /* i < dim: the 0–3 remaining elements. */
    for (; i < dim; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

float ck_cosine_distance_f32_scalar(const float *a, const float *b, size_t dim) {
    float d0 = 0.0f, d1 = 0.0f, na0 = 0.0f, na1 = 0.0f, nb0 = 0.0f, nb1 = 0.0f;
    size_t i = 0;
    /* i + 2 <= dim: elements i and i+1 are in bounds. */
    for (; i + 2 <= dim; i += 2) {
        d0 += a[i] * b[i];
        d1 += a[i + 1] * b[i + 1];
        na0 += a[i] * a[i];
        na1 += a[i + 1] * a[i + 1];
        nb0 += b[i] * b[i];
        nb1 += b[i + 1] * b[i + 1];
    }
    /* i < dim: at most one element remains. */
    if (i < dim) {
        d0 += a[i] * b[i];
        na0 += a[i] * a[i];
        nb0 += b[i] * b[i];
    }
    return ck_cosine_finish(d0 + d1, na0 + na1, nb0 + nb1);
}

void ck_l2sq_f32_batch_scalar(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out) {
    /* r < n and stride >= dim: row r is base[r*stride ..< r*stride + dim], inside the batch. */
    for (size_t r = 0; r < n; r++) out[r] = ck_l2sq_f32_scalar(q, base + r * stride, dim);
}

void ck_dot_f32_batch_scalar(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out) {
    /* r < n and stride >= dim: row r is base[r*stride ..< r*stride + dim], inside the batch. */
    for (size_t r = 0; r < n; r++) out[r] = ck_dot_f32_scalar(q, base + r * stride, dim);
}

void ck_l2sq_f32_gather_scalar(const float *q, const float *const *rows, size_t n, size_t dim, float *out) {
    for (size_t r = 0; r < n; r++) {
        /* r + 1 < n: the next row exists; scalar code is slow enough to hide one row's miss. */
        if (r + 1 < n) ck_prefetch_bytes(rows[r + 1], dim * sizeof(float));
        out[r] = ck_l2sq_f32_scalar(q, rows[r], dim);
    }
}

void ck_dot_f32_gather_scalar(const float *q, const float *const *rows, size_t n, size_t dim, float *out) {
    for (size_t r = 0; r < n; r++) {
        /* r + 1 < n: the next row exists; scalar code is slow enough to hide one row's miss. */
        if (r + 1 < n) ck_prefetch_bytes(rows[r + 1], dim * sizeof(float));
        out[r] = ck_dot_f32_scalar(q, rows[r], dim);
    }
}
