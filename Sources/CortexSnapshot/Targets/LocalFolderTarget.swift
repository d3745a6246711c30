public import CortexCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Snapshots in a local folder: an object is a file at `<root>/<key>`.
/// Writers fill `<key>.partial-<random>`, fsync it, rename it into place and
/// fsync the folder, so a crash leaves either the old state or the whole object.
public struct LocalFolderTarget: SnapshotTarget {
    public let root: String
    public var description: String { "file://" + root }

    public init(path: String) throws(CortexError) {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        root = trimmed
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw .unavailable("cannot create snapshot folder \(root): \(error.localizedDescription)")
        }
    }

    func path(of key: String) throws(CortexError) -> String {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw .invalidInput("snapshot object key \(key.debugDescription) is not a plain relative path")
        }
        return root + "/" + key
    }

    public func makeWriter(for key: String) throws(CortexError) -> any SnapshotObjectWriter {
        try LocalObjectWriter(finalPath: path(of: key))
    }

    public func read(_ key: String, _ body: (UnsafeRawBufferPointer) throws(CortexError) -> Void) throws(CortexError) {
        let filePath = try path(of: key)
        let descriptor = unsafe open(filePath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { throw .notFound("snapshot object \(key) is missing from \(description)") }
            throw .unavailable("cannot open \(filePath): \(describeErrno())")
        }
        defer { _ = Glibc.close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw .unavailable("cannot read \(filePath): \(describeErrno())")
            }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(start: buffer.baseAddress, count: count))
        }
    }

    public func list(prefix: String) throws(CortexError) -> [String] {
        var keys: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        while let relative = walker.nextObject() as? String {
            guard relative.hasPrefix(prefix), !relative.contains(".partial-") else { continue }
            var isDirectory: ObjCBool = false
            if unsafe FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                keys.append(relative)
            }
        }
        return keys.sorted()
    }

    public func delete(_ key: String) throws(CortexError) {
        let filePath = try path(of: key)
        if unsafe unlink(filePath) != 0 && errno != ENOENT {
            throw .unavailable("cannot delete \(filePath): \(describeErrno())")
        }
        // Drop folders the deletion emptied (snapshots/<id>/…), up to the root.
        var folder = (filePath as NSString).deletingLastPathComponent
        while folder.count > root.count, unsafe rmdir(folder) == 0 {
            folder = (folder as NSString).deletingLastPathComponent
        }
    }
}

/// Writes `<final>.partial-<random>`, then renames it to `<final>` on commit.
final class LocalObjectWriter: SnapshotObjectWriter {
    let finalPath: String
    let partialPath: String
    private var descriptor: Int32

    init(finalPath: String) throws(CortexError) {
        self.finalPath = finalPath
        partialPath = finalPath + ".partial-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let folder = (finalPath as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .unavailable("cannot create \(folder): \(error.localizedDescription)")
        }
        descriptor = unsafe open(partialPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw .unavailable("cannot create \(partialPath): \(describeErrno())") }
    }

    deinit { if descriptor >= 0 { abort() } }

    func append(_ bytes: UnsafeRawBufferPointer) throws(CortexError) {
        var offset = 0
        while offset < bytes.count {
            let written = unsafe Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .unavailable("cannot write \(partialPath): \(describeErrno())")
            }
            offset += written
        }
    }

    func commit() throws(CortexError) {
        guard fsync(descriptor) == 0 else { throw .unavailable("cannot fsync \(partialPath): \(describeErrno())") }
        _ = Glibc.close(descriptor)
        descriptor = -1
        guard unsafe rename(partialPath, finalPath) == 0 else {
            let reason = describeErrno()
            _ = unsafe unlink(partialPath)
            throw .unavailable("cannot rename \(partialPath) to \(finalPath): \(reason)")
        }
        try syncFolder((finalPath as NSString).deletingLastPathComponent)
    }

    func abort() {
        if descriptor >= 0 {
            _ = Glibc.close(descriptor)
            descriptor = -1
        }
        _ = unsafe unlink(partialPath)
    }
}

/// fsyncs a folder so a rename inside it is durable.
func syncFolder(_ path: String) throws(CortexError) {
    let descriptor = unsafe open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { throw .unavailable("cannot open folder \(path): \(describeErrno())") }
    defer { _ = Glibc.close(descriptor) }
    guard fsync(descriptor) == 0 else { throw .unavailable("cannot fsync folder \(path): \(describeErrno())") }
}

func describeErrno() -> String { unsafe String(cString: strerror(errno)) }
