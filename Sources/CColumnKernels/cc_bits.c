/*
 * cc_bits.c — expanding validity bitmaps into one flag byte per row; run expansion; byte counting.
 */
#include "cortex_column_kernels.h"

#include <string.h>

/* Byte i of the result is bit i of `byte` (0 or 1): replicate the byte into all eight, keep
 * bit i in byte i, then turn each non-zero byte into 1 (adding 0x7F carries into bit 7 only
 * when the byte is non-zero, and never out of the byte: 0x80 + 0x7F = 0xFF). */
static inline uint64_t spread(uint64_t byte) {
    uint64_t t = (byte * 0x0101010101010101ULL) & 0x8040201008040201ULL;
    return ((t + 0x7F7F7F7F7F7F7F7FULL) >> 7) & 0x0101010101010101ULL;
}

void cc_expand_bits(const uint64_t *words, size_t count, uint8_t *out) {
    size_t full = count / 8;
    for (size_t i = 0; i < full; i++) {
        uint64_t byte = (words[i / 8] >> ((i % 8) * 8)) & 0xFF;
        uint64_t flags = spread(byte);
        memcpy(out + i * 8, &flags, 8);
    }
    for (size_t row = full * 8; row < count; row++) out[row] = (uint8_t)((words[row / 64] >> (row % 64)) & 1);
}

size_t cc_expand_runs(const int64_t *values, const int64_t *lengths, size_t run_count, int64_t *out, size_t row_count,
                      size_t *rows_written) {
    size_t row = 0;
    for (size_t run = 0; run < run_count; run++) {
        int64_t length = lengths[run];
        if (length < 1 || (uint64_t)length > row_count - row) {
            *rows_written = row;
            return run;
        }
        int64_t value = values[run];
        int64_t *target = out + row;
        for (int64_t i = 0; i < length; i++) target[i] = value;
        row += (size_t)length;
    }
    *rows_written = row;
    return run_count;
}

size_t cc_count_byte(const uint8_t *bytes, size_t count, uint8_t byte) {
    /* Eight bytes at a time: XOR turns matching bytes into zero bytes, and
     * ~(((v & 0x7F..) + 0x7F..) | v) & 0x80.. sets the top bit of exactly the zero bytes
     * (no carry crosses a byte: the low seven bits plus 0x7F stay below 0x100); shifted down to
     * 0 or 1 per byte, a multiply by 0x0101.. sums the eight bytes into the top one. */
    const uint64_t ones = 0x0101010101010101ULL, low7 = 0x7F7F7F7F7F7F7F7FULL;
    const uint64_t pattern = ones * byte;
    size_t total = 0, i = 0;
    for (; i + 8 <= count; i += 8) {
        uint64_t word;
        memcpy(&word, bytes + i, 8);
        uint64_t v = word ^ pattern;
        uint64_t zeros = ~(((v & low7) + low7) | v) & ~low7;
        total += (size_t)(((zeros >> 7) * ones) >> 56);
    }
    for (; i < count; i++) total += bytes[i] == byte;
    return total;
}
