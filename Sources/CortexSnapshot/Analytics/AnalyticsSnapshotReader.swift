import CortexAnalytics
import CortexCore
import Foundation

/// Reads, verifies and unpacks the analytics part of a snapshot.
struct AnalyticsSnapshotReader {
    let target: any SnapshotTarget

    /// The object's raw bytes, after checking its stored size and SHA-256, its zstd
    /// frame (content checksum, not truncated) and its raw size and SHA-256.
    ///
    /// - Throws: `.corrupt` (or `.notFound`) naming the object's key.
    func fetch(_ object: AnalyticsSnapshotSection.Object) throws(CortexError) -> [UInt8] {
        let key = object.key
        var stored: [UInt8] = []
        stored.reserveCapacity(object.storedBytes)
        try target.read(key) { (chunk: UnsafeRawBufferPointer) throws(CortexError) in
            // Bounds memory: an object longer than the manifest says is rejected as it streams.
            guard stored.count + chunk.count <= object.storedBytes else {
                throw .corrupt("\(key) is longer than the \(object.storedBytes) bytes the manifest says")
            }
            stored.append(contentsOf: chunk)
        }
        guard stored.count == object.storedBytes else {
            throw .corrupt("\(key) has \(stored.count) bytes; the manifest says \(object.storedBytes)")
        }
        guard SHA256.hexHash(stored) == object.sha256 else { throw .corrupt("\(key) does not match its SHA-256 in the manifest") }
        guard object.compression == .zstd else {
            guard object.rawBytes == stored.count, object.rawSHA256 == object.sha256 else {
                throw .corrupt("\(key) is stored uncompressed, but its raw and stored size or SHA-256 differ in the manifest")
            }
            return stored
        }
        var raw: [UInt8] = []
        raw.reserveCapacity(object.rawBytes)
        do throws(CortexError) {
            let decompressor = try ZstdDecompressor()
            try withBytes(stored) { (buffer: UnsafeRawBufferPointer) throws(CortexError) in
                try decompressor.decompress(buffer) { (out: UnsafeRawBufferPointer) throws(CortexError) in
                    guard raw.count + out.count <= object.rawBytes else {
                        throw .corrupt("decompresses to more than the \(object.rawBytes) bytes the manifest says")
                    }
                    raw.append(contentsOf: out)
                }
            }
            try decompressor.finish()
        } catch where error.code == .corrupt {
            throw .corrupt("\(key): \(error.message)")
        }
        guard raw.count == object.rawBytes, SHA256.hexHash(raw) == object.rawSHA256 else {
            throw .corrupt("\(key) decompresses to content that does not match the manifest")
        }
        return raw
    }

    /// Checks every object (see ``fetch(_:)``) and, for segments, the segment's own
    /// footer and every block checksum. Returns one message per bad object.
    func verify(_ section: AnalyticsSnapshotSection) -> [String] {
        var problems: [String] = []
        var schemas: [String: TableSchema] = [:]
        do throws(CortexError) {
            schemas = try self.schemas(section)
        } catch {
            problems.append(error.message)
        }
        for table in section.tables {
            for object in [table.manifest] + (table.log.map { [$0] } ?? []) {
                do throws(CortexError) { _ = try fetch(object) } catch { problems.append(error.message) }
            }
            for segment in table.segments {
                do throws(CortexError) {
                    try checkSegment(try fetch(segment.object), segment, table: table.name, schemas: schemas)
                } catch {
                    problems.append(error.message)
                }
            }
        }
        return problems
    }

    /// Unpacks every object into the analytics folder `folder` (TABLES, per table
    /// MANIFEST, segments/, log/), verifying each as it goes (segments: footer too).
    /// Files are written durably; `folder` is a staging folder the caller renames.
    ///
    /// - Throws: `.corrupt` naming the first bad object.
    func extract(_ section: AnalyticsSnapshotSection, into folder: String) throws(CortexError) {
        let schemas = try self.schemas(section)
        if let tablesFile = section.tablesFile {
            try writeFile(try fetch(tablesFile), to: folder + "/" + AnalyticsFolderLayout.tables)
        }
        for table in section.tables {
            try checkName(table.name)
            try AnalyticsFolderLayout.createTableFolders(table.name, in: folder)
            for segment in table.segments {
                try checkName(segment.file)
                let bytes = try fetch(segment.object)
                try checkSegment(bytes, segment, table: table.name, schemas: schemas, blocks: false)
                try writeFile(bytes, to: folder + "/" + AnalyticsFolderLayout.segment(table.name, fileName: segment.file))
            }
            if let log = table.log {
                guard let logFile = table.logFile else { throw .corrupt("analytics table \(table.name) has a log object but no log_file name") }
                try checkName(logFile)
                try writeFile(try fetch(log), to: folder + "/" + AnalyticsFolderLayout.log(table.name, fileName: logFile))
            }
            // The manifest last: a table folder is complete once it has one.
            try writeFile(try fetch(table.manifest), to: folder + "/" + AnalyticsFolderLayout.manifest(table.name))
        }
    }

    /// Shared segment objects no snapshot in `kept` refers to.
    func unreferencedSegments(kept: [SnapshotManifest]) throws(CortexError) -> [String] {
        let referenced = kept.reduce(into: Set<String>()) { $0.formUnion($1.analytics?.segmentKeys ?? []) }
        return try target.list(prefix: "analytics/segments/").filter { !referenced.contains($0) }
    }

    /// The snapshot's table schemas (built-ins and its TABLES file), by folder name.
    private func schemas(_ section: AnalyticsSnapshotSection) throws(CortexError) -> [String: TableSchema] {
        let tablesFile = try section.tablesFile.map { (object: AnalyticsSnapshotSection.Object) throws(CortexError) in try fetch(object) }
        return try AnalyticsStore.schemas(tablesFile: tablesFile, path: section.tablesFile?.key ?? "TABLES")
    }

    /// Opens the segment (footer checksum, tenant directory) and, with `blocks`,
    /// checks every block's checksum and payload.
    private func checkSegment(
        _ bytes: [UInt8], _ segment: AnalyticsSnapshotSection.Segment, table: String, schemas: [String: TableSchema], blocks: Bool = true
    ) throws(CortexError) {
        guard let schema = schemas[table] else { throw .corrupt("\(segment.object.key): the snapshot has no schema for table \(table)") }
        do throws(CortexError) {
            let opened = try Segment(bytes: bytes, schema: schema, name: segment.object.key)
            guard opened.rowCount == segment.rowCount else {
                throw .corrupt("\(segment.object.key) holds \(opened.rowCount) rows; the manifest says \(segment.rowCount)")
            }
            if blocks { try opened.verify() }
        } catch where error.code == .corrupt && !error.message.contains(segment.object.key) {
            throw .corrupt("\(segment.object.key): \(error.message)")
        }
    }

    /// Names from the manifest become path components: one plain component each.
    private func checkName(_ name: String) throws(CortexError) {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != "..", name.utf8.count <= 255 else {
            throw .corrupt("analytics name \(name.debugDescription) in the snapshot manifest is not a plain file name")
        }
    }

    private func writeFile(_ bytes: [UInt8], to path: String) throws(CortexError) {
        let writer = try LocalObjectWriter(finalPath: path)
        do throws(CortexError) {
            try withBytes(bytes) { (buffer: UnsafeRawBufferPointer) throws(CortexError) in try writer.append(buffer) }
            try writer.commit()
        } catch {
            writer.abort()
            throw error
        }
    }
}
