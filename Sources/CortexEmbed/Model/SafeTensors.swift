public import CortexCore
import Foundation

/// A safetensors file, memory-mapped and validated: an 8-byte little-endian header length, a
/// JSON header naming each tensor's dtype, shape and byte range, then the tensors' bytes.
///
/// Validation (any failure is `.corrupt`, naming the file and the tensor): the header length
/// fits the file and the limit; the header is a JSON object of tensors (plus an optional
/// `__metadata__` of strings); each dtype is known; shapes are non-negative and their element
/// count times the dtype's size equals the byte range; ranges lie inside the data area, do not
/// overlap, and together cover it exactly (no hidden bytes, as the format requires).
/// Tensor bytes are never copied: ``floats(_:)`` hands out views into the mapping.
///
/// Thread safety: immutable after `init`; share it freely.
public final class SafeTensorsFile: Sendable {
    /// Element types the format defines (the subset Cortex reads is `F32`).
    public enum DType: String, Sendable, CaseIterable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        /// Bytes per element.
        public var byteCount: Int {
            switch self {
            case .f64, .i64: 8
            case .f32, .i32: 4
            case .f16, .bf16, .i16: 2
            case .i8, .u8, .bool: 1
            }
        }
    }

    /// One tensor's description; `byteOffset` is relative to the file's start.
    public struct TensorInfo: Sendable, Equatable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        public let byteOffset: Int
        public let byteCount: Int

        /// The number of elements (1 for a scalar of shape []).
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The header may not exceed this (the format's own readers use 100 MB).
    public static let headerByteCountMax = 100 << 20

    /// The file's path, for messages.
    public let path: String
    /// Tensors by name.
    public let tensors: [String: TensorInfo]
    /// `__metadata__`, when present.
    public let metadata: [String: String]
    private let file: MappedFile

    /// Maps and validates `path`. Throws `.unavailable` when the file cannot be read and
    /// `.corrupt` when its bytes are not a valid safetensors file.
    public init(path: String) throws(CortexError) {
        self.path = path
        let file = try MappedFile(path: path, access: .willNeed)
        self.file = file
        let bytes = unsafe file.bytes
        guard bytes.count >= 8 else {
            throw .corrupt("\(path): \(bytes.count) bytes is too short for a safetensors file (needs an 8-byte header length)")
        }
        let headerLength = unsafe UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(Self.headerByteCountMax) else {
            throw .corrupt("\(path): header of \(headerLength) bytes exceeds the limit of \(Self.headerByteCountMax)")
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw .corrupt("\(path): header of \(headerLength) bytes runs past the end of the \(bytes.count)-byte file (truncated?)")
        }
        let dataStart = 8 + Int(headerLength)
        let header = unsafe Data(bytes[8..<dataStart])
        (tensors, metadata) = try Self.parseHeader(header, path: path, dataStart: dataStart, dataByteCount: bytes.count - dataStart)
    }

    /// The tensor `name` as float32 values, checked against `shape`; a view into the mapping,
    /// valid while this object lives. Throws `.corrupt` when it is missing or differs.
    public func floats(_ name: String, shape: [Int]) throws(CortexError) -> UnsafeBufferPointer<Float> {
        guard let info = tensors[name] else { throw .corrupt("\(path): tensor \(name) is missing") }
        guard info.dtype == .f32 else { throw .corrupt("\(path): tensor \(name) is \(info.dtype.rawValue); expected F32") }
        guard info.shape == shape else { throw .corrupt("\(path): tensor \(name) has shape \(info.shape); expected \(shape)") }
        let base = unsafe file.bytes.baseAddress! + info.byteOffset
        // Float loads need 4-byte alignment; the mapping is page-aligned, so the offset decides.
        guard info.byteOffset % MemoryLayout<Float>.alignment == 0 else {
            throw .corrupt("\(path): tensor \(name) starts at byte \(info.byteOffset), not 4-byte aligned")
        }
        // In bounds: parseHeader checked byteOffset + byteCount <= file size, and byteCount = 4 * elementCount.
        return unsafe UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: info.elementCount)
    }
}

extension SafeTensorsFile {
    /// One header entry: `__metadata__` (strings) or a tensor. Integers decode as `UInt64`, so
    /// negative, fractional and boolean values are rejected by the decoder itself.
    private enum HeaderEntry: Decodable {
        case metadata([String: String])
        case tensor(dtype: String, shape: [UInt64], offsets: [UInt64])

        private enum Keys: String, CodingKey { case dtype, shape, data_offsets }

        init(from decoder: any Decoder) throws {
            if let strings = try? decoder.singleValueContainer().decode([String: String].self) {
                self = .metadata(strings)
                return
            }
            let fields = try decoder.container(keyedBy: Keys.self)
            self = .tensor(
                dtype: try fields.decode(String.self, forKey: .dtype),
                shape: try fields.decode([UInt64].self, forKey: .shape),
                offsets: try fields.decode([UInt64].self, forKey: .data_offsets))
        }
    }

    private static func parseHeader(
        _ header: Data, path: String, dataStart: Int, dataByteCount: Int
    ) throws(CortexError) -> ([String: TensorInfo], [String: String]) {
        let entries: [String: HeaderEntry]
        do {
            entries = try JSONDecoder().decode([String: HeaderEntry].self, from: header)
        } catch {
            throw .corrupt("\(path): the header is not a JSON object of tensors (dtype, shape, data_offsets)")
        }
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, entry) in entries {
            switch entry {
            case .metadata(let strings) where name == "__metadata__":
                metadata = strings
            case .metadata:
                throw .corrupt("\(path): tensor \(name) lacks dtype, shape or data_offsets")
            case .tensor(let dtype, let shape, let offsets):
                tensors[name] = try tensorInfo(name, dtype, shape, offsets, path: path, dataStart: dataStart, dataByteCount: dataByteCount)
            }
        }
        try checkCoverage(Array(tensors.values), path: path, dataStart: dataStart, dataByteCount: dataByteCount)
        return (tensors, metadata)
    }

    private static func tensorInfo(
        _ name: String, _ dtypeName: String, _ shape: [UInt64], _ offsets: [UInt64],
        path: String, dataStart: Int, dataByteCount: Int
    ) throws(CortexError) -> TensorInfo {
        guard let dtype = DType(rawValue: dtypeName) else {
            throw .corrupt("\(path): tensor \(name) has unknown dtype \(dtypeName)")
        }
        guard offsets.count == 2, offsets[0] <= offsets[1], offsets[1] <= UInt64(dataByteCount) else {
            throw .corrupt("\(path): tensor \(name) has data_offsets \(offsets) outside the \(dataByteCount)-byte data area")
        }
        // Element count with overflow checks: a hostile shape must not wrap around to the range size.
        var byteCount: UInt64 = UInt64(dtype.byteCount)
        for dimension in shape {
            guard dimension <= UInt64(Int32.max) else { throw .corrupt("\(path): tensor \(name) has an impossible shape \(shape)") }
            let product = byteCount.multipliedReportingOverflow(by: dimension)
            guard !product.overflow else { throw .corrupt("\(path): tensor \(name) has an impossible shape \(shape)") }
            byteCount = product.partialValue
        }
        guard byteCount == offsets[1] - offsets[0] else {
            throw .corrupt("\(path): tensor \(name) has \(offsets[1] - offsets[0]) bytes but shape \(shape) of \(dtypeName) needs \(byteCount)")
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape.map { Int($0) }, byteOffset: dataStart + Int(offsets[0]), byteCount: Int(byteCount))
    }

    /// The ranges, sorted, must tile the data area: no overlap, no gap, nothing after the last.
    private static func checkCoverage(_ tensors: [TensorInfo], path: String, dataStart: Int, dataByteCount: Int) throws(CortexError) {
        var next = dataStart
        for info in tensors.sorted(by: { ($0.byteOffset, $0.byteCount) < ($1.byteOffset, $1.byteCount) }) {
            guard info.byteOffset == next else {
                let problem = info.byteOffset < next ? "overlaps the tensor before it" : "leaves a gap before it"
                throw .corrupt("\(path): tensor \(info.name) \(problem) (starts at data byte \(info.byteOffset - dataStart), expected \(next - dataStart))")
            }
            next += info.byteCount
        }
        guard next == dataStart + dataByteCount else {
            throw .corrupt("\(path): \(dataStart + dataByteCount - next) bytes after the last tensor belong to none")
        }
    }
}
