/// Request opcodes (docs/wire-protocol.md §4). A response's opcode is the request's with bit 7 set.
public enum RequestKind: UInt8, Sendable, CaseIterable {
    case ping = 0x01
    case collectionCreate = 0x10
    case collectionInfo = 0x11
    case collectionList = 0x12
    case collectionDrop = 0x13
    case upsert = 0x20
    case query = 0x21
    case get = 0x22
    case delete = 0x23
    case count = 0x24
    case analyticsAppend = 0x40
    case analyticsSQL = 0x41

    /// The opcode of a successful response.
    public var responseOpcode: UInt8 { rawValue | 0x80 }

    /// The name used in the specification and in metrics labels.
    public var name: String {
        switch self {
        case .ping: "ping"
        case .collectionCreate: "collection_create"
        case .collectionInfo: "collection_info"
        case .collectionList: "collection_list"
        case .collectionDrop: "collection_drop"
        case .upsert: "upsert"
        case .query: "query"
        case .get: "get"
        case .delete: "delete"
        case .count: "count"
        case .analyticsAppend: "analytics_append"
        case .analyticsSQL: "analytics_sql"
        }
    }

    /// Whether the op changes data (needs the `ingest` scope) rather than reads it (`query`).
    public var isWrite: Bool {
        switch self {
        case .collectionCreate, .collectionDrop, .upsert, .delete, .analyticsAppend: true
        case .ping, .collectionInfo, .collectionList, .query, .get, .count, .analyticsSQL: false
        }
    }
}

/// Opcodes that are not requests.
public enum Opcode {
    /// The server's answer to a good handshake (request id 0).
    public static let hello: UInt8 = 0x80
    /// An error answer (docs/wire-protocol.md §5).
    public static let error: UInt8 = 0xFF
    /// Reserved for more analytics operations (0x40 and 0x41 are defined); the server answers `unsupported`.
    public static let reservedAnalytics: ClosedRange<UInt8> = 0x42...0x4F
}
