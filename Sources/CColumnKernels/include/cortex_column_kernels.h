/*
 * cortex_column_kernels.h — checksum and bit-unpacking kernels for the analytics segment format
 * (docs/analytics-format.md).
 *
 * Bit-packed layout (every packed stream): value i occupies bits [i*w, i*w + w) of a sequence of
 * little-endian 64-bit words, least significant bit first; a value may straddle two words. A
 * stream of n values of width w is exactly cc_packed_word_count(n, w) words (8 bytes each).
 *
 * Contract for every function: pointers may be NULL only when nothing would be read or written
 * through them; inputs are not modified; outputs never alias inputs; thread-safe and
 * allocation-free. The caller validates widths (0...64) and buffer sizes before the call: the
 * kernels do not check bounds (they are the hot loop).
 */
#ifndef CORTEX_COLUMN_KERNELS_H
#define CORTEX_COLUMN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- CRC32C (Castagnoli, reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF) ---- */

/* CRC32C of `count` bytes, continuing from `crc` (pass 0 to start). Dispatched: SSE4.2 `crc32`
 * instructions when the CPU has them, else the portable slicing-by-8 twin. */
uint32_t cc_crc32c(uint32_t crc, const void *bytes, size_t count);
/* The portable twin (table-driven, slicing-by-8). Same results as cc_crc32c. */
uint32_t cc_crc32c_portable(uint32_t crc, const void *bytes, size_t count);
/* 1 when cc_crc32c uses the SSE4.2 instruction. */
int cc_crc32c_is_hardware(void);

/* ---- bit packing ---------------------------------------------------------------------------- */

/* Words of a stream holding `count` values of `width` bits: ceil(count * width / 64). */
static inline size_t cc_packed_word_count(size_t count, unsigned width) {
    return (count * (size_t)width + 63) / 64;
}

/* Packs the low `width` bits of `count` values into `words` (cc_packed_word_count words, which
 * this function zeroes first). Bits above `width` must be zero (the caller subtracts the base). */
void cc_pack(const uint64_t *values, size_t count, unsigned width, uint64_t *words);

/* out[i] = base + unpacked value i (wrapping), for i in 0..<count. `words` holds at least
 * cc_packed_word_count(count, width) words; width in 0...64. Width-specialised unrolled loops. */
void cc_unpack(const uint64_t *words, size_t count, unsigned width, int64_t base, int64_t *out);
/* The reference twin of cc_unpack: one generic loop, one value at a time. Same results. */
void cc_unpack_reference(const uint64_t *words, size_t count, unsigned width, int64_t base, int64_t *out);

/* Delta decoding: out[0] = first; out[i] = out[i-1] + base + unpacked value i-1 (wrapping), for
 * i in 1..<count. `words` holds cc_packed_word_count(count - 1, width) words; count >= 1. */
void cc_unpack_delta(const uint64_t *words, size_t count, unsigned width, int64_t first, int64_t base, int64_t *out);

/* out[i] = bit i of the little-endian bitmap `words` (bit i % 64 of word i / 64), as 0 or 1, for
 * i in 0..<count. `words` holds at least ceil(count / 64) words. */
void cc_expand_bits(const uint64_t *words, size_t count, uint8_t *out);

/* Run-length expansion: values[r] written lengths[r] times, run after run, into out (room for
 * row_count). Stops at the first run whose length is < 1 or would pass row_count, and returns its
 * index; returns run_count when every run fits. *rows_written is the rows written either way. */
size_t cc_expand_runs(const int64_t *values, const int64_t *lengths, size_t run_count, int64_t *out, size_t row_count,
                      size_t *rows_written);

/* ---- text ------------------------------------------------------------------------------------ */

/* How many of the `count` bytes at `bytes` equal `byte` (the CSV loader's row bound). */
size_t cc_count_byte(const uint8_t *bytes, size_t count, uint8_t byte);

/* ---- Allocator ---- */

/* glibc malloc: blocks below `mmap_threshold` bytes come from the heap instead of a fresh mmap
 * each time, and up to `trim_threshold` free bytes at a heap's top stay mapped. Scans allocate and
 * free column vectors of a few hundred KiB per batch; with glibc's defaults many of them were
 * mapped, zero-filled by page faults and unmapped again on every query. Returns 1 when both
 * settings took. Call once, early (not thread-safe against concurrent allocation setup). */
int cc_tune_allocator(size_t mmap_threshold, size_t trim_threshold);

#ifdef __cplusplus
}
#endif

#endif
