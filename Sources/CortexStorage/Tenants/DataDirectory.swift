import CortexCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The data folder on disk: validation, the format marker and the process lock.
///
/// `DATA/CORTEX` holds `cortex-data <version>`; a folder without it is accepted
/// only when empty, so pointing `--data` at the wrong folder is an error rather
/// than a mess. `DATA/LOCK` is held with `flock` while a process uses the
/// folder; the kernel drops it when the process dies, even by `kill -9`.
struct DataDirectory: ~Copyable {
    static let formatVersion = 1
    static let markerName = "CORTEX"

    let path: String
    private let lockDescriptor: Int32

    /// Validates (or initialises) the folder and takes its lock.
    init(path: String) throws(CortexError) {
        self.path = path
        try Self.prepare(path)
        lockDescriptor = try Self.lock(path + "/LOCK")
    }

    deinit { _ = Glibc.close(lockDescriptor) }

    var systemPath: String { path + "/system" }
    var tenantsPath: String { path + "/tenants" }

    func tenantPath(_ id: TenantID) -> String { tenantsPath + "/" + id.rawValue }

    private static func prepare(_ path: String) throws(CortexError) {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        if unsafe files.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .invalidInput("data folder \(path) exists but is not a directory") }
        } else {
            try createDirectory(path)
        }
        guard unsafe access(path, R_OK | W_OK | X_OK) == 0 else {
            throw .unavailable("data folder \(path) is not readable and writable by this process (\(describeErrno()))")
        }
        try checkMarker(in: path)
        try createDirectory(path + "/system")
        try createDirectory(path + "/tenants")
    }

    private static func checkMarker(in path: String) throws(CortexError) {
        let markerPath = path + "/" + markerName
        let files = FileManager.default
        guard let marker = files.contents(atPath: markerPath) else {
            let entries: [String]
            do {
                entries = try files.contentsOfDirectory(atPath: path)
            } catch {
                throw .unavailable("cannot list data folder \(path): \(error.localizedDescription)")
            }
            guard entries.allSatisfy({ $0.hasPrefix(".") }) else {
                throw .invalidInput(
                    "data folder \(path) is not empty and has no \(markerName) file: it is not a Cortex data folder")
            }
            try writeMarker(in: path)
            return
        }
        let text = String(decoding: marker, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = text.split(separator: " ")
        guard parts.count == 2, parts[0] == "cortex-data", let version = Int(parts[1]) else {
            throw .corrupt("\(markerPath) is damaged: expected 'cortex-data <version>', found \(text.prefix(40).debugDescription)")
        }
        guard version <= formatVersion else {
            throw .unavailable("data folder \(path) has format version \(version); this build reads up to \(formatVersion)")
        }
    }

    static func writeMarker(in path: String) throws(CortexError) {
        try write("cortex-data \(formatVersion)\n", to: path + "/" + markerName)
    }

    private static func lock(_ lockPath: String) throws(CortexError) -> Int32 {
        let descriptor = unsafe open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw .unavailable("cannot open \(lockPath): \(describeErrno())") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK ? "another Cortex process is using this data folder" : describeErrno()
            _ = Glibc.close(descriptor)
            throw .unavailable("cannot lock \(lockPath): \(reason)")
        }
        return descriptor
    }

    static func createDirectory(_ path: String) throws(CortexError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .unavailable("cannot create folder \(path): \(error.localizedDescription)")
        }
    }

    /// Removes a folder and everything in it; a missing folder is fine.
    static func removeTree(_ path: String) throws(CortexError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw .unavailable("cannot remove \(path): \(error.localizedDescription)")
        }
    }

    private static func write(_ text: String, to filePath: String) throws(CortexError) {
        guard FileManager.default.createFile(atPath: filePath, contents: Data(text.utf8)) else {
            throw .unavailable("cannot write \(filePath)")
        }
    }

    static func describeErrno() -> String {
        unsafe String(cString: strerror(errno))
    }
}
