@testable import CortexServer
import CortexCore
import CortexStorage
import CortexVector
import Foundation
import Testing

/// The pure parts of the Chroma API: embeddings, spaces and distances, merge semantics, names.
@Suite struct ChromaTranslationTests {
    @Test func base64EmbeddingsAreLittleEndianFloat32() throws {
        // The client's own encoding of [1, 0, 0] and [0.9, 0.1, 0] (CHROMA_CAPTURE.md #30).
        #expect(try ChromaVectors.base64Float32("AACAPwAAAAAAAAAA", name: "e") == [1, 0, 0])
        #expect(try ChromaVectors.base64Float32("ZmZmP83MzD0AAAAA", name: "e") == [0.9, 0.1, 0])
        #expect(throws: CortexError.invalidInput("e decodes to 6 bytes; packed float32 values need a multiple of 4")) {
            try ChromaVectors.base64Float32("AACAPwAA", name: "e")
        }
        #expect(throws: CortexError.invalidInput("e[1] is inf; embeddings must be finite")) {
            try ChromaVectors.embedding(.string("AACAPwAAgH8="), name: "e")
        }
        #expect(throws: CortexError.invalidInput("e has 0 dimensions; embeddings need 1-4096")) {
            try ChromaVectors.embedding(.array([]), name: "e")
        }
    }

    @Test func distancesAreChromasForEverySpace() {
        // Stored [0,0,0] and [1,2,2]; queries [1,2,2] and [0,0,1] (CHROMA_CAPTURE.md §E).
        let stored: [[Float]] = [[0, 0, 0], [1, 2, 2]]
        func distances(_ space: Metric, _ query: [Float]) -> [Float] {
            let prepare = { (vector: [Float]) in space == .cosine ? ChromaVectors.unitLength(vector).unit : vector }
            return stored.map { ChromaVectors.distance(ChromaVectors.engineMetric(for: space), prepare(query), prepare($0)) }
        }
        #expect(distances(.l2, [1, 2, 2]) == [9, 0])
        #expect(distances(.l2, [0, 0, 1]) == [1, 6])
        #expect(distances(.ip, [1, 2, 2]) == [1, -8])
        #expect(distances(.ip, [0, 0, 1]) == [1, -1])
        #expect(distances(.cosine, [1, 2, 2]).map { ($0 * 1e6).rounded() / 1e6 } == [1, 0], "a zero vector is at distance 1")
        #expect(abs(distances(.cosine, [0, 0, 1])[1] - (1 - 2.0 / 3)) < 1e-6)
    }

    @Test func cosineVectorsComeBackAsSent() {
        for vector: [Float] in [[0.9, 0.1, 0], [3e38, -3e38, 1], [0, 0, 0], [1e-30, 0, 0]] {
            let (unit, norm) = ChromaVectors.unitLength(vector)
            let back = ChromaVectors.original(unit, norm: norm)
            #expect(zip(back, vector).allSatisfy { abs($0 - $1) <= abs($1) * 1e-6 }, "\(vector) → \(back)")
            #expect(unit.allSatisfy { $0.isFinite })
        }
    }

    @Test func upsertAndUpdateMergeMetadataKeyByKey() throws {
        let stored = VectorRecord(id: "a", vector: [1, 0], metadata: ["k": .int(1), "j": .int(2), "chroma:uri": .string("u://a")], document: "doc a")
        let update: [String: MetadataValue?] = ["k": .int(5), "j": MetadataValue?.none, "z": .string("new")]
        let change = ChromaRecordBatch.Change(id: "a", metadata: update)
        let merged = try #require(try ChromaRecordBatch.merged(.update, [change], stored: stored, space: .l2))
        #expect(merged == VectorRecord(id: "a", vector: [1, 0], metadata: ["k": .int(5), "z": .string("new"), "chroma:uri": .string("u://a")], document: "doc a"))
        #expect(try ChromaRecordBatch.merged(.update, [change], stored: nil, space: .l2) == nil, "update skips missing ids")
        #expect(try ChromaRecordBatch.merged(.add, [change], stored: stored, space: .l2) == nil, "add leaves existing ids alone")
        #expect(throws: CortexError.invalidInput("record 'a' is new and needs an embedding")) {
            try ChromaRecordBatch.merged(.upsert, [change], stored: nil, space: .l2)
        }
    }

    @Test func aRepeatedIdIsAppliedInOrder() throws {
        let first = ChromaRecordBatch.Change(id: "a", embedding: [0, 2], metadata: ["k": .int(1)], document: "one")
        let second = ChromaRecordBatch.Change(id: "a", embedding: [3, 4], metadata: ["j": .int(2)], uri: "u://a")
        let upserted = try #require(try ChromaRecordBatch.merged(.upsert, [first, second], stored: nil, space: .cosine))
        #expect(upserted.vector == [0.6, 0.8])
        #expect(upserted.metadata == ["k": .int(1), "j": .int(2), "chroma:uri": .string("u://a"), "chroma:norm": .double(5)])
        #expect(upserted.document == "one")
        let added = try #require(try ChromaRecordBatch.merged(.add, [first, second], stored: nil, space: .l2))
        #expect(added == VectorRecord(id: "a", vector: [0, 2], metadata: ["k": .int(1)], document: "one"), "the second add of an id is ignored")
    }

    @Test func namesFollowChromasRule() throws {
        for name in ["abc", "my-db.v2_x", String(repeating: "a", count: 512)] { try ChromaNames.check(name) }
        for name in ["kb", "-abc", "abc.", "a b", "ünï", String(repeating: "a", count: 513)] {
            #expect(throws: CortexError.self) { try ChromaNames.check(name) }
        }
    }

    @Test func collectionRecordsRoundTripThroughTheirEncoding() throws {
        let record = ChromaCollectionRecord(
            id: "246c8fe1-41a6-49d4-b1ce-621c38148dab", tenant: "acme", database: "kbase", name: "docs", sequence: 7,
            metadataJSON: #"{"owner":"acme"}"#,
            settings: ChromaIndexSettings(space: .cosine, efConstruction: 80, efSearch: 50, maxNeighbors: 12, resizeFactor: 1.5, syncThreshold: 500),
            embeddingFunctionJSON: #"{"type":"legacy"}"#)
        let decoded = try ChromaCollectionRecord.decodeValue(record.encodedValue())
        #expect(decoded == record)
        #expect(ChromaCollectionRequests.configurationJSON(record)
            == #"{"embedding_function":{"type":"legacy"},"hnsw":{"ef_construction":80,"ef_search":50,"max_neighbors":12,"resize_factor":1.5,"space":"cosine","sync_threshold":500},"spann":null}"#)
    }

    @Test func createBodyReadsConfigurationAndLegacyMetadata() throws {
        let legacy = try ChromaCollectionRequests.create(Data(#"{"name":"docs","metadata":{"hnsw:space":"ip","hnsw:M":8},"configuration":null}"#.utf8))
        #expect(legacy.settings.space == .ip && legacy.settings.maxNeighbors == 8 && !legacy.getOrCreate)
        let configured = try ChromaCollectionRequests.create(Data(
            #"{"name":"docs","configuration":{"hnsw":{"space":"cosine","ef_search":20},"spann":null,"embedding_function":{"type":"legacy"}},"get_or_create":true}"#.utf8))
        #expect(configured.settings.space == .cosine && configured.settings.efSearch == 20 && configured.getOrCreate)
        #expect(configured.embeddingFunctionJSON == #"{"type":"legacy"}"#)
        #expect(throws: CortexError.invalidInput("configuration.hnsw.space must be l2, cosine or ip; got 'manhattan'")) {
            try ChromaCollectionRequests.create(Data(#"{"name":"docs","configuration":{"hnsw":{"space":"manhattan"}}}"#.utf8))
        }
        var record = ChromaCollectionRecord(
            id: "x", tenant: "t", database: "d", name: "n", sequence: 1, metadataJSON: nil, settings: configured.settings, embeddingFunctionJSON: nil)
        #expect(throws: CortexError.invalidInput("new_configuration.hnsw.space cannot be changed after the collection is created")) {
            try ChromaCollectionRequests.applyModify(["hnsw": .object(["space": .string("l2")])], to: &record)
        }
    }
}
