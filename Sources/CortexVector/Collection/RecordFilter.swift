import CortexCore
import CortexStorage
import Synchronization

/// The filters of a query, get or delete: Chroma's `where` and `where_document`.
public struct RecordFilter: Sendable, Equatable {
    public var metadata: MetadataFilter?
    public var document: DocumentFilter?

    public init(metadata: MetadataFilter? = nil, document: DocumentFilter? = nil) {
        self.metadata = metadata
        self.document = document
    }

    public var isEmpty: Bool { metadata == nil && document == nil }

    func matches(_ record: StoredVectorRecord) -> Bool {
        matches(metadata: record.metadata, document: record.document)
    }

    /// Whether a record with this metadata and document passes both filters (an absent filter passes everything).
    public func matches(metadata recordMetadata: [String: MetadataValue]?, document recordDocument: String?) -> Bool {
        (metadata?.matches(recordMetadata) ?? true) && (document?.matches(recordDocument) ?? true)
    }
}

/// The live slots that pass a filter, as a bitset (for graph search) and a list (for exact search).
struct SlotSet: Sendable {
    private let words: [UInt64]
    let slots: [UInt32]

    init(slots: [UInt32], slotCount: Int) {
        var words = [UInt64](repeating: 0, count: (slotCount + 63) / 64)
        for slot in slots { words[Int(slot) >> 6] |= 1 << (UInt64(slot) & 63) }
        self.words = words
        self.slots = slots
    }

    var count: Int { slots.count }

    @inline(__always)
    func contains(_ slot: UInt32) -> Bool {
        let word = Int(slot) >> 6
        return word < words.count && words[word] & (1 << (UInt64(slot) & 63)) != 0
    }
}

/// Recently evaluated filters per snapshot: dashboards and chat sessions
/// repeat the same filter, and evaluating one costs a pass over the records.
final class FilterCache: Sendable {
    private struct Entry {
        let snapshotID: Int
        let filter: RecordFilter
        let set: SlotSet
    }

    private static let entryCountMax = 8
    private let entries = Mutex<[Entry]>([])

    func lookup(snapshotID: Int, filter: RecordFilter) -> SlotSet? {
        entries.withLock { entries in
            entries.first { $0.snapshotID == snapshotID && $0.filter == filter }?.set
        }
    }

    func store(snapshotID: Int, filter: RecordFilter, set: SlotSet) {
        entries.withLock { entries in
            entries.removeAll { $0.snapshotID < snapshotID }
            entries.insert(Entry(snapshotID: snapshotID, filter: filter, set: set), at: 0)
            if entries.count > Self.entryCountMax { entries.removeLast() }
        }
    }
}
