#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CortexCore
import Dispatch
import Synchronization

/// Reads CSV files into column batches for a table (the bulk loader).
///
/// Format: a header line naming columns (any order, optionally quoted; every
/// NOT NULL column must be present, absent nullable columns load as NULL), then
/// one record per line; fields separated by `,`; strings optionally in double
/// quotes with `""` for a quote; an empty field is NULL; booleans `true`/`false`
/// (also `1`/`0`); integers in decimal; floats in decimal or exponent form.
/// Records must not contain raw line breaks (the file is split at line breaks
/// to parse on several threads).
///
/// Parsing runs one batch ahead of `body` on a thread of its own: while a batch
/// is sorted, encoded and written, the next one is parsed (both cores stay busy
/// through the single-threaded stretches of either phase). At most three
/// batches are in memory: the one `body` holds, one parsed and waiting, one
/// being parsed.
public enum CSVLoader {
    /// Loads `path`, delivering batches of at most about `batchRowCount` rows, in file
    /// order, one vector per schema column, strings coded in `dictionaries`.
    ///
    /// - Parameter progress: called on the caller's thread after each batch with (bytes done, bytes total).
    /// - Returns: the number of rows read.
    /// - Throws: `.invalidInput` naming the line and column of the first bad field (batches before
    ///   it have been delivered); `.unavailable` when the file cannot be read; what `body` throws.
    public static func load(
        path: String, schema: TableSchema, dictionaries: [StringDictionary?], batchRowCount: Int = 1 << 20, threadCount: Int = 2,
        pieceByteCount: Int = 32 << 20, progress: ((Int, Int) -> Void)? = nil, _ body: ([ColumnVector]) throws(CortexError) -> Void
    ) throws(CortexError) -> Int {
        let file = try MappedFile(path: path)
        let bytes = unsafe file.bytes
        guard let headerEnd = unsafe CSVParser.lineEnd(bytes, from: 0) else {
            throw .invalidInput("\(path): no header line")
        }
        let mapping = try unsafe CSVParser.headerMapping(UnsafeRawBufferPointer(rebasing: bytes[0..<headerEnd]), schema: schema, path: path)
        let pieces = unsafe CSVParser.pieces(bytes, from: min(headerEnd + 1, bytes.count), targetByteCount: pieceByteCount)
        let handoff = BatchHandoff()
        let parsing = DispatchGroup()
        let shared = unsafe UnsafeSendable(bytes)
        // A queue of its own (backed by an overcommitting thread), not the global queue: the
        // caller may itself be on a global or cooperative thread, and it blocks until parsing is done.
        DispatchQueue(label: "cortex.csv.parse").async(group: parsing) {
            let parsers = (0..<max(threadCount, 1)).map { _ in CSVParser(schema: schema, mapping: mapping, dictionaries: dictionaries) }
            unsafe produce(
                bytes: shared.value, pieces: pieces, parsers: parsers, columnCount: schema.columns.count, batchRowCount: batchRowCount,
                path: path, handoff: handoff)
        }
        // The mapping must outlive the parsing thread, whatever happens here.
        defer {
            handoff.cancel()
            parsing.wait()
            withExtendedLifetime(file) {}
        }
        var total = 0
        while true {
            switch handoff.take() {
            case .batch(let columns, let rowCount, let bytesDone):
                try body(columns)
                total += rowCount
                progress?(bytesDone, bytes.count)
            case .failed(let error):
                throw error
            case .finished:
                return total
            }
        }
    }

    /// The parsing thread: rounds of `parsers.count` pieces parsed at once, gathered into batches.
    private static func produce(
        bytes: UnsafeRawBufferPointer, pieces: [Range<Int>], parsers: [CSVParser], columnCount: Int, batchRowCount: Int,
        path: String, handoff: BatchHandoff
    ) {
        var parsers = parsers
        var pending: [[ColumnVector]] = []
        var pendingRows = 0
        var line = 2
        var index = 0
        while index < pieces.count {
            let round = Array(pieces[index..<min(index + parsers.count, pieces.count)])
            let results = ConcurrentSlots<Result<CSVParser.Piece, CortexError>>(count: round.count)
            unsafe parsers.withUnsafeMutableBufferPointer { parsers in
                let parsers = unsafe UnsafeSendable(parsers), shared = unsafe UnsafeSendable(bytes)
                DispatchQueue.concurrentPerform(iterations: round.count) { piece in
                    let range = round[piece]
                    // In bounds: each iteration uses only its own parser (round.count <= parsers.count).
                    results[piece] = Result { () throws(CortexError) in
                        try unsafe parsers.value[piece].parse(UnsafeRawBufferPointer(rebasing: shared.value[range]))
                    }
                }
            }
            index += round.count
            for piece in 0..<round.count {
                switch results.take(piece) {
                case .failure(let error):
                    handoff.put(.failed(.invalidInput("\(path): line \(line) or later: \(error.message)")))
                    return
                case .success(let piece):
                    if let failure = piece.failure {
                        handoff.put(.failed(.invalidInput("\(path): line \(line + failure.line): \(failure.message)")))
                        return
                    }
                    line += piece.rowCount
                    pending.append(piece.columns)
                    pendingRows += piece.rowCount
                }
            }
            if pendingRows >= batchRowCount || index == pieces.count, pendingRows > 0 {
                let done = index == pieces.count ? bytes.count : pieces[index].lowerBound
                let batch = concatenate(pending, columnCount: columnCount)
                guard handoff.put(.batch(batch, rowCount: pendingRows, bytesDone: done)) else { return }
                pending = []
                pendingRows = 0
            }
        }
        handoff.put(.finished)
    }

    /// The pieces' columns end to end, a column per thread at a time (a batch is hundreds of MB).
    private static func concatenate(_ pieces: [[ColumnVector]], columnCount: Int) -> [ColumnVector] {
        if pieces.count == 1 { return pieces[0] }
        let columns = ConcurrentSlots<ColumnVector>(count: columnCount)
        DispatchQueue.concurrentPerform(iterations: columnCount) { column in
            columns[column] = ColumnVector.concatenating(pieces.map { $0[column] })
        }
        return (0..<columnCount).map(columns.take)
    }
}

/// The loader's hand-off between the parsing thread and the caller: one item
/// waiting at most; `put` blocks while it is full, `take` while it is empty.
final class BatchHandoff: Sendable {
    enum Item: Sendable {
        case batch([ColumnVector], rowCount: Int, bytesDone: Int)
        case failed(CortexError)
        case finished
    }

    private struct State {
        var item: Item?
        var cancelled = false
    }

    private let state = Mutex(State())
    private let filled = DispatchSemaphore(value: 0)
    private let emptied = DispatchSemaphore(value: 0)

    /// Hands `item` over and waits until it is taken; false when the caller gave up (nothing more is wanted).
    @discardableResult
    func put(_ item: Item) -> Bool {
        let accepted = state.withLock { state -> Bool in
            guard !state.cancelled else { return false }
            state.item = item
            return true
        }
        guard accepted else { return false }
        filled.signal()
        emptied.wait()
        return state.withLock { !$0.cancelled }
    }

    /// The next item, waiting for it.
    func take() -> Item {
        filled.wait()
        let item = state.withLock { state -> Item in
            defer { state.item = nil }
            guard let item = state.item else { preconditionFailure("signalled without an item") }
            return item
        }
        emptied.signal()
        return item
    }

    /// Releases a parsing thread waiting in `put`; later `put`s return false at once.
    func cancel() {
        let waiting = state.withLock { state -> Bool in
            defer { state.cancelled = true }
            return !state.cancelled && state.item != nil
        }
        if waiting { emptied.signal() }
    }
}
