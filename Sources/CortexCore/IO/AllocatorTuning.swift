internal import CColumnKernels

/// Process-wide malloc settings for processes that run analytics scans (`cortex-server`, `cortex`).
///
/// A scan allocates and frees column vectors of a few hundred KiB per batch of rows. With glibc's
/// defaults many of those blocks were fresh mmaps (zero-filled page by page, then unmapped again),
/// or heap tops trimmed and re-faulted: page faults were 5–10 % of a platform query's CPU, and an
/// isolated `q12` ran at half speed. Keeping blocks up to 32 MiB on the heap and up to 256 MiB of
/// free heap top mapped removes that; the price is that a process keeps up to that much freed
/// memory per malloc arena instead of returning it at once.
public enum AllocatorTuning {
    /// Largest block served from the heap; larger ones are mapped (and returned) individually.
    public static let heapBlockMax = 32 << 20
    /// Free bytes a heap's top may hold before they are returned to the system.
    public static let retainedTopMax = 256 << 20

    /// Applies the settings; returns false when the C library refused them (not glibc, say).
    @discardableResult
    public static func apply() -> Bool {
        cc_tune_allocator(heapBlockMax, retainedTopMax) == 1
    }
}
