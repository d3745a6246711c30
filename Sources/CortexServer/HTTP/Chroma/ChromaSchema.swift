import CortexCore
import CortexVector

/// The collection's `schema` as the reference server returns it (CHROMA_API.md §8).
///
/// The client builds a `Schema` from every collection object and, on `modify(configuration=…)`,
/// updates `defaults.float_list.vector_index` and `keys["#embedding"].float_list.vector_index`:
/// without them it raises before the request is sent. The values mirror ``ChromaIndexSettings``;
/// `num_threads` and `batch_size` tune Chroma's own index builder and are fixed at its defaults.
enum ChromaSchema {
    static func json(_ settings: ChromaIndexSettings) -> String {
        let hnsw: JSONValue = .object([
            "ef_construction": .int(Int64(settings.efConstruction)), "max_neighbors": .int(Int64(settings.maxNeighbors)),
            "ef_search": .int(Int64(settings.efSearch)), "num_threads": .int(2), "batch_size": .int(100),
            "sync_threshold": .int(Int64(settings.syncThreshold)), "resize_factor": .number(settings.resizeFactor),
        ])
        func index(_ enabled: Bool, _ config: [String: JSONValue] = [:]) -> JSONValue {
            .object(["enabled": .bool(enabled), "config": .object(config)])
        }
        let space = JSONValue.string(settings.space.rawValue)
        let schema: JSONValue = .object([
            "defaults": .object([
                "string": .object(["fts_index": index(false), "string_inverted_index": index(true)]),
                "float_list": .object(["vector_index": index(false, ["space": space, "hnsw": hnsw])]),
                "int": .object(["int_inverted_index": index(true)]),
                "float": .object(["float_inverted_index": index(true)]),
                "bool": .object(["bool_inverted_index": index(true)]),
            ]),
            "keys": .object([
                "#document": .object(["string": .object(["fts_index": index(true), "string_inverted_index": index(false)])]),
                "#embedding": .object([
                    "float_list": .object(["vector_index": index(true, ["space": space, "source_key": .string("#document"), "hnsw": hnsw])]),
                ]),
            ]),
        ])
        return schema.serialized()
    }
}
