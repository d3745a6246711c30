public import CortexCore
import Synchronization

/// A consistent copy-in-waiting of a whole ``AnalyticsStore``: the TABLES file and,
/// per table, the MANIFEST, its segment files (pinned: seals, merges and
/// compactions leave them on disk until ``release()``) and the log tail up to the
/// table's pinned LSN. Used by snapshots (CortexSnapshot) and by ``write(to:)``.
///
/// Thread: any. Release it as soon as the segment files have been copied; until
/// then, segments dropped by merges keep taking disk space.
public final class AnalyticsCheckpoint: Sendable {
    /// The TABLES file's bytes (nil when no table was ever created with CREATE TABLE).
    public let tablesFile: [UInt8]?
    /// Every table (built-ins and created ones), by name.
    public let tables: [AnalyticsTableCheckpoint]
    private let owners: [AnalyticsTable]
    private let released = Mutex(false)

    init(tablesFile: [UInt8]?, tables: [AnalyticsTableCheckpoint], owners: [AnalyticsTable]) {
        precondition(tables.count == owners.count, "one owner per table checkpoint")
        self.tablesFile = tablesFile
        self.tables = tables
        self.owners = owners
    }

    deinit { release() }

    /// Lets the tables delete segment files dropped since the checkpoint. Idempotent.
    public func release() {
        let first = released.withLock { released in
            defer { released = true }
            return !released
        }
        guard first else { return }
        for (table, checkpoint) in zip(owners, tables) { table.unpin(checkpoint.segments.map(\.id)) }
    }

    /// Writes the checkpoint as an analytics folder (`folder` must not hold one):
    /// TABLES, and per table MANIFEST, segments/ and log/ (see
    /// ``AnalyticsFolderLayout``). An ``AnalyticsStore`` opened on it holds exactly
    /// the rows up to each table's pinned LSN. Every file is fsynced.
    public func write(to folder: String) throws(CortexError) {
        precondition(!released.withLock { $0 }, "checkpoint used after release")
        try FileIO.createFolder(folder)
        if let tablesFile { try FileIO.writeAtomically(tablesFile, to: folder + "/" + AnalyticsFolderLayout.tables) }
        for table in tables {
            try AnalyticsFolderLayout.createTableFolders(table.name, in: folder)
            for segment in table.segments {
                let bytes = try FileIO.readAll(segment.path)
                try FileIO.writeAtomically(bytes, to: folder + "/" + AnalyticsFolderLayout.segment(table.name, fileName: segment.fileName))
            }
            if !table.logTail.isEmpty {
                try FileIO.writeAtomically(table.logTail, to: folder + "/" + AnalyticsFolderLayout.log(table.name, fileName: table.logFileName))
            }
            try FileIO.writeAtomically(table.manifest, to: folder + "/" + AnalyticsFolderLayout.manifest(table.name))
        }
        try FileIO.syncFolder(folder)
    }
}

/// Paths inside an analytics folder (`DATA/analytics/`), relative to it.
public enum AnalyticsFolderLayout {
    public static let tables = "TABLES"

    public static func manifest(_ table: String) -> String { table + "/MANIFEST" }

    public static func segment(_ table: String, fileName: String) -> String { table + "/segments/" + fileName }

    public static func log(_ table: String, fileName: String) -> String { table + "/log/" + fileName }

    /// Creates `<table>/segments` and `<table>/log` inside `folder`.
    public static func createTableFolders(_ table: String, in folder: String) throws(CortexError) {
        try FileIO.createFolder(folder + "/" + table + "/segments")
        try FileIO.createFolder(folder + "/" + table + "/log")
    }
}

extension AnalyticsStore {
    /// Takes a consistent checkpoint of every table (see ``AnalyticsCheckpoint``).
    ///
    /// Works on a live store: appends are never blocked (the pinned LSN is read
    /// from the commit lane's durable LSN, without waiting for it); each table's
    /// seals, merges and bulk loads wait while its manifest and log tail are read.
    /// Tables are checkpointed one after another, so each is consistent on its own
    /// (its own pinned LSN), as LMDB environments are per tenant.
    ///
    /// - Throws: `.unavailable` for file-system failures; `.corrupt` for a damaged
    ///   manifest or log record. Nothing stays pinned on failure.
    public func checkpoint() throws(CortexError) -> AnalyticsCheckpoint {
        let path = folder + "/" + AnalyticsFolderLayout.tables
        // Under the tables lock no CREATE TABLE runs: TABLES and the list agree.
        let (tablesFile, owners) = try tables.withLock { (tables: inout [String: AnalyticsTable]) throws(CortexError) in
            (FileIO.exists(path) ? try FileIO.readAll(path) : nil, tables.keys.sorted().compactMap { tables[$0] })
        }
        var taken: [AnalyticsTableCheckpoint] = []
        do throws(CortexError) {
            for table in owners { taken.append(try table.checkpoint()) }
        } catch {
            for (table, checkpoint) in zip(owners, taken) { table.unpin(checkpoint.segments.map(\.id)) }
            throw error
        }
        return AnalyticsCheckpoint(tablesFile: tablesFile, tables: taken, owners: owners)
    }

    /// Every table schema of a store whose TABLES file holds `tablesFile` (nil: none),
    /// built-ins first, by lowercased name.
    ///
    /// - Throws: `.corrupt` naming `path` for a damaged TABLES file.
    public static func schemas(tablesFile: [UInt8]?, path: String) throws(CortexError) -> [String: TableSchema] {
        var schemas = [TableSchema.events, TableSchema.conversations]
        if let tablesFile { schemas += try SchemaCodec.decodeList(tablesFile, path: path) }
        return Dictionary(schemas.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
    }
}
