/*
 * cc_bitpack.c — packing and width-specialised unpacking of bit-packed integer streams
 * (layout in cortex_column_kernels.h).
 *
 * cc_unpack handles groups of 64 values, which occupy exactly `width` words, with a loop whose
 * width is a compile-time constant (one instantiation per width through a switch), so every
 * shift and word index folds to a constant and the compiler unrolls and vectorises it. The
 * remaining < 64 values go through the reference loop.
 */
#include "cortex_column_kernels.h"

#include <string.h>

#define CC_INLINE static inline __attribute__((always_inline))

void cc_pack(const uint64_t *values, size_t count, unsigned width, uint64_t *words) {
    size_t word_count = cc_packed_word_count(count, width);
    if (word_count > 0) memset(words, 0, word_count * 8);
    if (width == 0) return;
    for (size_t i = 0; i < count; i++) {
        size_t bit = i * (size_t)width;
        size_t word = bit >> 6;
        unsigned shift = (unsigned)(bit & 63);
        words[word] |= values[i] << shift;
        if (shift + width > 64) words[word + 1] |= values[i] >> (64 - shift);
    }
}

CC_INLINE uint64_t mask_of(unsigned width) { return width >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << width) - 1); }

CC_INLINE uint64_t extract(const uint64_t *words, size_t index, unsigned width) {
    size_t bit = index * (size_t)width;
    size_t word = bit >> 6;
    unsigned shift = (unsigned)(bit & 63);
    uint64_t value = words[word] >> shift;
    /* In bounds: the value's last bit lies in word + 1 exactly when shift + width > 64. */
    if (shift + width > 64) value |= words[word + 1] << (64 - shift);
    return value & mask_of(width);
}

void cc_unpack_reference(const uint64_t *words, size_t count, unsigned width, int64_t base, int64_t *out) {
    if (width == 0) {
        for (size_t i = 0; i < count; i++) out[i] = base;
        return;
    }
    for (size_t i = 0; i < count; i++) out[i] = (int64_t)((uint64_t)base + extract(words, i, width));
}

/* 64 values from exactly `W` words. */
CC_INLINE void unpack64(const uint64_t *words, unsigned W, uint64_t base, int64_t *out) {
    /* Fully unrolled, so that with a constant W every word index, shift and straddle test folds. */
#pragma clang loop unroll(full)
    for (unsigned i = 0; i < 64; i++) {
        unsigned bit = i * W;
        unsigned word = bit >> 6;
        unsigned shift = bit & 63;
        uint64_t value = words[word] >> shift;
        if (shift + W > 64) value |= words[word + 1] << (64 - shift);
        out[i] = (int64_t)(base + (value & mask_of(W)));
    }
}

#define CC_GROUPS(W)                                                                               \
    case W:                                                                                        \
        for (size_t g = 0; g < groups; g++) unpack64(words + g * W, W, (uint64_t)base, out + g * 64); \
        break;

void cc_unpack(const uint64_t *words, size_t count, unsigned width, int64_t base, int64_t *out) {
    size_t groups = count / 64;
    switch (width) {
    case 0:
        for (size_t i = 0; i < groups * 64; i++) out[i] = base;
        break;
        CC_GROUPS(1) CC_GROUPS(2) CC_GROUPS(3) CC_GROUPS(4) CC_GROUPS(5) CC_GROUPS(6) CC_GROUPS(7) CC_GROUPS(8)
        CC_GROUPS(9) CC_GROUPS(10) CC_GROUPS(11) CC_GROUPS(12) CC_GROUPS(13) CC_GROUPS(14) CC_GROUPS(15)
        CC_GROUPS(16) CC_GROUPS(17) CC_GROUPS(18) CC_GROUPS(19) CC_GROUPS(20) CC_GROUPS(21) CC_GROUPS(22)
        CC_GROUPS(23) CC_GROUPS(24) CC_GROUPS(25) CC_GROUPS(26) CC_GROUPS(27) CC_GROUPS(28) CC_GROUPS(29)
        CC_GROUPS(30) CC_GROUPS(31) CC_GROUPS(32) CC_GROUPS(33) CC_GROUPS(34) CC_GROUPS(35) CC_GROUPS(36)
        CC_GROUPS(37) CC_GROUPS(38) CC_GROUPS(39) CC_GROUPS(40) CC_GROUPS(41) CC_GROUPS(42) CC_GROUPS(43)
        CC_GROUPS(44) CC_GROUPS(45) CC_GROUPS(46) CC_GROUPS(47) CC_GROUPS(48) CC_GROUPS(49) CC_GROUPS(50)
        CC_GROUPS(51) CC_GROUPS(52) CC_GROUPS(53) CC_GROUPS(54) CC_GROUPS(55) CC_GROUPS(56) CC_GROUPS(57)
        CC_GROUPS(58) CC_GROUPS(59) CC_GROUPS(60) CC_GROUPS(61) CC_GROUPS(62) CC_GROUPS(63) CC_GROUPS(64)
    default:
        /* Widths above 64 are rejected by the caller (a bug otherwise): write nothing. */
        return;
    }
    size_t done = groups * 64;
    if (done < count) {
        /* Group g starts at word g * width: 64 values of `width` bits fill exactly `width` words. */
        const uint64_t *rest = words + groups * (size_t)width;
        cc_unpack_reference(rest, count - done, width, base, out + done);
    }
}

void cc_unpack_delta(const uint64_t *words, size_t count, unsigned width, int64_t first, int64_t base, int64_t *out) {
    if (count == 0) return;
    /* Unpack the count - 1 deltas into out[1...], then run the prefix sum in place. */
    cc_unpack(words, count - 1, width, base, out + 1);
    uint64_t running = (uint64_t)first;
    out[0] = first;
    for (size_t i = 1; i < count; i++) {
        running += (uint64_t)out[i];
        out[i] = (int64_t)running;
    }
}
