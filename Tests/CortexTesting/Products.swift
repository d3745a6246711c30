import Foundation

/// Locates executables built by this package next to the running test binary.
public enum Products {
    /// `.build/<config>/<name>`, found beside the test bundle; fails loudly if it was not built.
    public static func path(of name: String) -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let candidate = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
        precondition(FileManager.default.isExecutableFile(atPath: candidate), "product \(name) not built at \(candidate)")
        return candidate
    }
}
