public import CortexCore
import Foundation

/// Streams records from a vector file in batches, for the bulk loader.
///
/// Formats (chosen by extension):
/// - `.fvecs`: TEXMEX float32 rows (`int32 d`, then `d` float32, little-endian); ids are row numbers;
/// - `.npy`: a NumPy float32 array of shape (n, d), C order, little-endian; ids are row numbers;
/// - `.jsonl`: one object per line `{"id", "vector", "metadata"?, "document"?}`.
///
/// Memory is bounded by one batch; errors name the file and the row or line.
public final class VectorFileReader {
    public enum Format: String, Sendable { case fvecs, npy, jsonl }

    public let path: String
    public let format: Format
    /// Rows in the file when known up front (fvecs, npy); nil for jsonl.
    public private(set) var rowCount: Int?
    /// Vector dimension when known up front (fvecs, npy).
    public private(set) var dimension: Int?
    private let handle: FileHandle
    private var rowIndex = 0
    private var buffer = Data()
    private var atEnd = false

    public init(path: String) throws(CortexError) {
        self.path = path
        switch (path as NSString).pathExtension.lowercased() {
        case "fvecs": format = .fvecs
        case "npy": format = .npy
        case "jsonl", "ndjson": format = .jsonl
        case let other: throw .invalidInput("\(path): unsupported file type '.\(other)'; use .fvecs, .npy or .jsonl")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .notFound("cannot open \(path)") }
        self.handle = handle
        switch format {
        case .fvecs: try readFvecsShape()
        case .npy: try readNpyHeader()
        case .jsonl: break
        }
    }

    /// The next up-to-`count` records, or an empty array at the end.
    public func next(_ count: Int) throws(CortexError) -> [VectorRecord] {
        precondition(count > 0, "batch size must be positive")
        switch format {
        case .fvecs, .npy: return try nextFixedRows(count)
        case .jsonl: return try nextJSONLines(count)
        }
    }

    // MARK: Binary formats

    private var rowByteCount = 0
    private var rowHeaderByteCount = 0

    /// The file's size; 0 when it cannot be read (the shape checks then fail with a clear message).
    private func fileSize() -> UInt64 {
        do {
            return (try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
        } catch {
            return 0
        }
    }

    private func readExactly(_ count: Int) throws(CortexError) -> Data {
        let data: Data
        do {
            data = try handle.read(upToCount: count) ?? Data()
        } catch {
            throw .unavailable("\(path): read failed: \(error.localizedDescription)")
        }
        return data
    }

    private func readFvecsShape() throws(CortexError) {
        let head = try readExactly(4)
        guard head.count == 4 else { throw .invalidInput("\(path) is empty") }
        let dimension = Int(Int32(littleEndianBytes: head))
        guard (1...VectorLimits.dimensionMax).contains(dimension) else {
            throw .invalidInput("\(path): dimension \(dimension) is outside 1...\(VectorLimits.dimensionMax)")
        }
        rowHeaderByteCount = 4
        rowByteCount = 4 + 4 * dimension
        let size = fileSize()
        guard size % UInt64(rowByteCount) == 0 else {
            throw .invalidInput("\(path): size \(size) is not a multiple of the \(rowByteCount)-byte rows of dimension \(dimension)")
        }
        self.dimension = dimension
        rowCount = Int(size / UInt64(rowByteCount))
        do { try handle.seek(toOffset: 0) } catch { throw .unavailable("\(path): seek failed") }
    }

    private func readNpyHeader() throws(CortexError) {
        let preamble = try readExactly(10)
        guard preamble.count == 10, preamble.prefix(6) == Data([0x93]) + Data("NUMPY".utf8) else {
            throw .invalidInput("\(path) is not a NumPy .npy file (bad magic)")
        }
        let major = preamble[preamble.startIndex + 6]
        var headerLength = Int(preamble[preamble.startIndex + 8]) | Int(preamble[preamble.startIndex + 9]) << 8
        var consumed = 10
        if major >= 2 {
            let extra = try readExactly(2)
            guard extra.count == 2 else { throw .invalidInput("\(path): truncated .npy header") }
            headerLength |= Int(extra[extra.startIndex]) << 16 | Int(extra[extra.startIndex + 1]) << 24
            consumed += 2
        }
        guard headerLength < 1 << 20 else { throw .invalidInput("\(path): .npy header of \(headerLength) bytes") }
        let headerData = try readExactly(headerLength)
        let header = String(decoding: headerData, as: UTF8.self)
        guard header.contains("'descr': '<f4'") || header.contains("\"descr\": \"<f4\"") else {
            throw .invalidInput("\(path): only little-endian float32 arrays ('<f4') are supported; header: \(header.prefix(120))")
        }
        guard header.contains("'fortran_order': False") else { throw .invalidInput("\(path): Fortran-ordered arrays are not supported") }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw .invalidInput("\(path): .npy header has no shape")
        }
        let dims = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dims.count == 2, dims[1] >= 1, dims[1] <= VectorLimits.dimensionMax else {
            throw .invalidInput("\(path): expected a 2-D array (rows, dimension ≤ \(VectorLimits.dimensionMax)), got shape \(dims)")
        }
        let dataStart = UInt64(consumed + headerLength)
        let expected = dataStart + UInt64(dims[0]) * UInt64(dims[1]) * 4
        guard fileSize() >= expected else { throw .invalidInput("\(path): truncated: \(fileSize()) bytes, need \(expected)") }
        rowCount = dims[0]
        dimension = dims[1]
        rowHeaderByteCount = 0
        rowByteCount = 4 * dims[1]
    }

    private func nextFixedRows(_ count: Int) throws(CortexError) -> [VectorRecord] {
        guard let rowCount, let dimension, rowIndex < rowCount else { return [] }
        let rows = min(count, rowCount - rowIndex)
        let data = try readExactly(rows * rowByteCount)
        guard data.count == rows * rowByteCount else { throw .invalidInput("\(path): truncated at row \(rowIndex)") }
        var records: [VectorRecord] = []
        records.reserveCapacity(rows)
        let bytes = [UInt8](data)
        for row in 0..<rows {
            let base = row * rowByteCount + rowHeaderByteCount
            var vector = [Float](repeating: 0, count: dimension)
            for component in 0..<dimension {
                let offset = base + 4 * component
                vector[component] = Float(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                    | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
            }
            records.append(VectorRecord(id: String(rowIndex + row), vector: vector))
        }
        if format == .fvecs {
            for row in 0..<rows {
                let declared = Int(Int32(littleEndianBytes: data.subdata(in: (row * rowByteCount)..<(row * rowByteCount + 4))))
                guard declared == dimension else {
                    throw .invalidInput("\(path): row \(rowIndex + row) declares dimension \(declared); expected \(dimension)")
                }
            }
        }
        rowIndex += rows
        return records
    }

    // MARK: JSON lines

    private func nextJSONLines(_ count: Int) throws(CortexError) -> [VectorRecord] {
        var records: [VectorRecord] = []
        while records.count < count, let line = try nextLine() {
            rowIndex += 1
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { continue }
            records.append(try JSONRecordDecoder.record(from: line, context: "\(path) line \(rowIndex)"))
        }
        return records
    }

    private func nextLine() throws(CortexError) -> Data? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                return Data(line)
            }
            if atEnd {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return buffer
            }
            let chunk = try readExactly(1 << 20)
            if chunk.isEmpty { atEnd = true } else { buffer.append(chunk) }
            guard buffer.count <= 64 << 20 else { throw .tooLarge("\(path): a line is longer than 64 MiB") }
        }
    }
}

extension Int32 {
    init(littleEndianBytes data: Data) {
        precondition(data.count >= 4, "need 4 bytes")
        let bytes = [UInt8](data.prefix(4))
        self = Int32(bitPattern: UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
    }
}

/// Turns one JSON line into a record, with errors that name the line.
enum JSONRecordDecoder {
    static func record(from line: Data, context: String) throws(CortexError) -> VectorRecord {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: line) as? [String: Any] else {
                throw CortexError.invalidInput("\(context): expected a JSON object")
            }
            object = parsed
        } catch let error as CortexError {
            throw error
        } catch {
            throw .invalidInput("\(context): invalid JSON")
        }
        guard let id = object["id"] as? String ?? (object["id"] as? NSNumber).map({ "\($0)" }) else {
            throw .invalidInput("\(context): missing \"id\" (string)")
        }
        guard let rawVector = object["vector"] as? [Any] else { throw .invalidInput("\(context): missing \"vector\" (array of numbers)") }
        var vector: [Float] = []
        vector.reserveCapacity(rawVector.count)
        for (index, element) in rawVector.enumerated() {
            guard let number = element as? NSNumber, !isBool(number) else {
                throw .invalidInput("\(context): vector element \(index) is not a number")
            }
            vector.append(number.floatValue)
        }
        var metadata: [String: MetadataValue]?
        if let rawMetadata = object["metadata"], !(rawMetadata is NSNull) {
            guard let dictionary = rawMetadata as? [String: Any] else { throw .invalidInput("\(context): \"metadata\" must be an object") }
            var converted: [String: MetadataValue] = [:]
            for (key, value) in dictionary { converted[key] = try metadataValue(value, key: key, context: context) }
            metadata = converted
        }
        let document = object["document"] as? String
        if let rawDocument = object["document"], document == nil, !(rawDocument is NSNull) {
            throw .invalidInput("\(context): \"document\" must be a string")
        }
        return VectorRecord(id: id, vector: vector, metadata: metadata, document: document)
    }

    /// JSONSerialization gives booleans the type encoding "c", integers "i"/"q", reals "d".
    static func isBool(_ number: NSNumber) -> Bool { unsafe String(cString: number.objCType) == "c" }

    static func isInteger(_ number: NSNumber) -> Bool {
        let encoding = unsafe String(cString: number.objCType)
        return encoding != "c" && encoding != "d" && encoding != "f"
    }

    static func metadataValue(_ value: Any, key: String, context: String) throws(CortexError) -> MetadataValue {
        if let string = value as? String { return .string(string) }
        if let number = value as? NSNumber {
            if isBool(number) { return .bool(number.boolValue) }
            return isInteger(number) ? .int(number.int64Value) : .double(number.doubleValue)
        }
        if let array = value as? [Any] {
            if let strings = array as? [String] { return .stringList(strings) }
            let numbers = array.compactMap { $0 as? NSNumber }
            guard numbers.count == array.count else { throw .invalidInput("\(context): metadata \"\(key)\" mixes types in a list") }
            if numbers.allSatisfy(isBool) { return .boolList(numbers.map(\.boolValue)) }
            if numbers.allSatisfy(isInteger) { return .intList(numbers.map(\.int64Value)) }
            return .doubleList(numbers.map(\.doubleValue))
        }
        throw .invalidInput("\(context): metadata \"\(key)\" must be a string, number, bool or a list of them")
    }
}
