#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CortexCore
import Dispatch

/// Reads CSV files into column batches for a table (the bulk loader).
///
/// Format: a header line naming columns (any order, optionally quoted; every
/// NOT NULL column must be present, absent nullable columns load as NULL), then
/// one record per line; fields separated by `,`; strings optionally in double
/// quotes with `""` for a quote; an empty field is NULL; booleans `true`/`false`
/// (also `1`/`0`); integers in decimal; floats in decimal or exponent form.
/// Records must not contain raw line breaks (the file is split at line breaks
/// to parse on several threads).
public enum CSVLoader {
    /// Loads `path`, delivering batches of at most `batchRowCount` rows, in file
    /// order, one vector per schema column, strings coded in `dictionaries`.
    ///
    /// - Parameter progress: called after each piece with (bytes done, bytes total).
    /// - Returns: the number of rows read.
    /// - Throws: `.invalidInput` naming the line and column of the first bad field;
    ///   `.unavailable` when the file cannot be read.
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
        var pending: [[ColumnVector]] = []
        var pendingRows = 0
        var total = 0
        var line = 2
        var index = 0
        while index < pieces.count {
            let round = Array(pieces[index..<min(index + threadCount, pieces.count)])
            var results = [Result<CSVParser.Piece, CortexError>?](repeating: nil, count: round.count)
            unsafe results.withUnsafeMutableBufferPointer { slots in
                let slots = unsafe UnsafeSendable(slots), shared = unsafe UnsafeSendable(bytes)
                DispatchQueue.concurrentPerform(iterations: round.count) { piece in
                    var parser = CSVParser(schema: schema, mapping: mapping, dictionaries: dictionaries)
                    let range = round[piece]
                    // In bounds: each iteration writes only its own slot.
                    unsafe slots.value[piece] = Result { () throws(CortexError) in
                        try unsafe parser.parse(UnsafeRawBufferPointer(rebasing: shared.value[range]))
                    }
                }
            }
            for result in results {
                guard let result else { preconditionFailure("a piece was not parsed") }
                switch result {
                case .failure(let error):
                    throw .invalidInput("\(path): line \(line) or later: \(error.message)")
                case .success(let piece):
                    if let failure = piece.failure {
                        throw .invalidInput("\(path): line \(line + failure.line): \(failure.message)")
                    }
                    line += piece.rowCount
                    pending.append(piece.columns)
                    pendingRows += piece.rowCount
                    total += piece.rowCount
                    if pendingRows >= batchRowCount {
                        try body(concatenate(pending, columnCount: schema.columns.count))
                        pending = []
                        pendingRows = 0
                    }
                }
            }
            index += round.count
            progress?(round.last.map(\.upperBound) ?? bytes.count, bytes.count)
        }
        if pendingRows > 0 { try body(concatenate(pending, columnCount: schema.columns.count)) }
        return total
    }

    private static func concatenate(_ pieces: [[ColumnVector]], columnCount: Int) -> [ColumnVector] {
        if pieces.count == 1 { return pieces[0] }
        return (0..<columnCount).map { column in ColumnVector.concatenating(pieces.map { $0[column] }) }
    }
}
