/*
 * cc_alloc.c — glibc malloc tuning for processes that scan columns (see cc_tune_allocator).
 */
#include "cortex_column_kernels.h"

#include <malloc.h>

int cc_tune_allocator(size_t mmap_threshold, size_t trim_threshold) {
    int ok = mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold);
    return mallopt(M_TRIM_THRESHOLD, (int)trim_threshold) && ok;
}
