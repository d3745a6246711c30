import CLMDB
public import CortexCore

/// What ``Environment/verify()`` found.
public struct EnvironmentVerification: Sendable, Equatable {
    public struct TableSummary: Sendable, Equatable {
        public var name: String
        public var entryCount: Int
    }

    public var environment: String
    public var tables: [TableSummary]
    /// Reader slots of dead processes cleared during the check.
    public var staleReadersCleared: Int
}

extension Environment {
    /// Walks every table of the environment entry by entry inside one read
    /// transaction, so every B-tree page is visited; a damaged page surfaces
    /// as `.corrupt` naming the table. Also clears stale reader slots.
    ///
    /// Cost: O(entries); it reads the whole file. Used by tests and `cortex admin verify`.
    public func verify() throws(CortexError) -> EnvironmentVerification {
        var dead: Int32 = 0
        try LMDBStatus.check(unsafe mdb_reader_check(handle, &dead), "mdb_reader_check", path: path)
        let names = try tableNames()
        var tables: [EnvironmentVerification.TableSummary] = []
        for name in names {
            let database = try databaseHandle(named: name)
            let count = try read { transaction throws(CortexError) -> Int in
                var visited = 0
                try unsafe transaction.scan(database: database) { _, _ in
                    visited += 1
                    return true
                }
                guard visited == (try transaction.entryCount(database: database)) else {
                    throw .corrupt("table \(name) in \(self.name): the cursor visited \(visited) entries but the header counts a different number")
                }
                return visited
            }
            tables.append(.init(name: name, entryCount: count))
        }
        return EnvironmentVerification(environment: self.name, tables: tables, staleReadersCleared: Int(dead))
    }

    /// Names of the tables (named databases) in the environment, sorted.
    public func tableNames() throws(CortexError) -> [String] {
        try read { transaction throws(CortexError) -> [String] in
            var main: MDB_dbi = 0
            try LMDBStatus.check(unsafe mdb_dbi_open(transaction.handle, nil, 0, &main), "open main table", path: path)
            var names: [String] = []
            try unsafe transaction.scan(database: main) { key, _ in
                names.append(unsafe String(decoding: key, as: UTF8.self))
                return true
            }
            return names
        }
    }
}
