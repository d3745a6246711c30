/*
 * ck_dispatch.c — CPU feature detection and run-time dispatch.
 *
 * The package is built for baseline x86-64 (no unsafe flags); each SIMD kernel carries its own
 * `__attribute__((target(...)))`. One immutable table of function pointers per ISA combination
 * lives in read-only memory; the first call (or the load-time constructor, whichever runs
 * first) picks one with `__builtin_cpu_supports` and publishes its address with a release
 * store. Racing first callers compute the same answer, so the choice is made once in effect
 * and never changes. Each dispatched call costs one acquire load (a plain load on x86-64) and
 * one indirect call.
 */
#include "ck_internal.h"

typedef struct ck_table {
    const char *isa;     /* float kernels: "avx512", "avx2", "scalar" */
    const char *isa_s8;  /* int8 kernels: "avx512vnni", "avx2", "scalar" */
    float (*l2sq)(const float *, const float *, size_t);
    float (*dot)(const float *, const float *, size_t);
    float (*cosine)(const float *, const float *, size_t);
    void (*l2sq_batch)(const float *, const float *, size_t, size_t, size_t, float *);
    void (*dot_batch)(const float *, const float *, size_t, size_t, size_t, float *);
    void (*l2sq_gather)(const float *, const float *const *, size_t, size_t, float *);
    void (*dot_gather)(const float *, const float *const *, size_t, size_t, float *);
    int32_t (*dot_s8)(const int8_t *, const int8_t *, size_t);
    int32_t (*l2sq_s8)(const int8_t *, const int8_t *, size_t);
    void (*dot_s8_gather)(const int8_t *, const int8_t *const *, size_t, size_t, int32_t *);
    void (*l2sq_s8_gather)(const int8_t *, const int8_t *const *, size_t, size_t, int32_t *);
} ck_table;

#define CK_F32_ENTRIES(sfx)                                                                      \
    ck_l2sq_f32_##sfx, ck_dot_f32_##sfx, ck_cosine_distance_f32_##sfx, ck_l2sq_f32_batch_##sfx,  \
        ck_dot_f32_batch_##sfx, ck_l2sq_f32_gather_##sfx, ck_dot_f32_gather_##sfx
#define CK_S8_ENTRIES(sfx) ck_dot_s8_##sfx, ck_l2sq_s8_##sfx, ck_dot_s8_gather_##sfx, ck_l2sq_s8_gather_##sfx

static const ck_table table_scalar = {"scalar", "scalar", CK_F32_ENTRIES(scalar), CK_S8_ENTRIES(scalar)};
#if defined(__x86_64__)
static const ck_table table_avx2 = {"avx2", "avx2", CK_F32_ENTRIES(avx2), CK_S8_ENTRIES(avx2)};
/* AVX-512 without VNNI (Skylake-X, Cascade Lake has VNNI): int8 stays on AVX2. */
static const ck_table table_avx512_no_vnni = {"avx512", "avx2", CK_F32_ENTRIES(avx512), CK_S8_ENTRIES(avx2)};
static const ck_table table_avx512 = {"avx512", "avx512vnni", CK_F32_ENTRIES(avx512), CK_S8_ENTRIES(avx512)};
#endif

/* NULL until resolved; then one of the tables above, forever. Accessed only atomically. */
static const ck_table *chosen_table;

int ck_cpu_has_avx2(void) {
#if defined(__x86_64__)
    __builtin_cpu_init(); /* idempotent; needed when called before the runtime's own initializer */
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

int ck_cpu_has_avx512(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    /* The runtime also checks XCR0, i.e. that the OS saves zmm state. */
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

int ck_cpu_has_avx512vnni(void) {
#if defined(__x86_64__)
    return ck_cpu_has_avx512() && __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

__attribute__((noinline, cold)) static const ck_table *resolve_table(void) {
    const ck_table *t = &table_scalar;
#if defined(__x86_64__)
    if (ck_cpu_has_avx512()) {
        t = ck_cpu_has_avx512vnni() ? &table_avx512 : &table_avx512_no_vnni;
    } else if (ck_cpu_has_avx2()) {
        t = &table_avx2;
    }
#endif
    __atomic_store_n(&chosen_table, t, __ATOMIC_RELEASE);
    return t;
}

CK_INLINE const ck_table *table(void) {
    const ck_table *t = __atomic_load_n(&chosen_table, __ATOMIC_ACQUIRE);
    if (__builtin_expect(t == NULL, 0)) t = resolve_table();
    return t;
}

/* Resolve at load time so that the first distance call does not pay for detection. */
__attribute__((constructor)) static void resolve_at_load(void) { (void)table(); }

const char *ck_isa(void) { return table()->isa; }
const char *ck_isa_s8(void) { return table()->isa_s8; }

float ck_l2sq_f32(const float *a, const float *b, size_t dim) { return table()->l2sq(a, b, dim); }
float ck_dot_f32(const float *a, const float *b, size_t dim) { return table()->dot(a, b, dim); }
float ck_cosine_distance_f32(const float *a, const float *b, size_t dim) { return table()->cosine(a, b, dim); }

void ck_l2sq_f32_batch(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out) {
    table()->l2sq_batch(q, base, n, dim, stride, out);
}
void ck_dot_f32_batch(const float *q, const float *base, size_t n, size_t dim, size_t stride, float *out) {
    table()->dot_batch(q, base, n, dim, stride, out);
}
void ck_l2sq_f32_gather(const float *q, const float *const *rows, size_t n, size_t dim, float *out) {
    table()->l2sq_gather(q, rows, n, dim, out);
}
void ck_dot_f32_gather(const float *q, const float *const *rows, size_t n, size_t dim, float *out) {
    table()->dot_gather(q, rows, n, dim, out);
}

int32_t ck_dot_s8(const int8_t *a, const int8_t *b, size_t dim) { return table()->dot_s8(a, b, dim); }
int32_t ck_l2sq_s8(const int8_t *a, const int8_t *b, size_t dim) { return table()->l2sq_s8(a, b, dim); }
void ck_dot_s8_gather(const int8_t *q, const int8_t *const *rows, size_t n, size_t dim, int32_t *out) {
    table()->dot_s8_gather(q, rows, n, dim, out);
}
void ck_l2sq_s8_gather(const int8_t *q, const int8_t *const *rows, size_t n, size_t dim, int32_t *out) {
    table()->l2sq_s8_gather(q, rows, n, dim, out);
}
