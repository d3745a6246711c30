import Foundation

/// Where the default model lives: the folder `tools/setup` fills.
public enum ModelLocator {
    /// The default model's folder name inside a models folder.
    public static let defaultModelName = "all-MiniLM-L6-v2"

    /// The first of these that holds a model: `explicit` (when given, it is the only candidate);
    /// `$CORTEX_MODELS_DIR/all-MiniLM-L6-v2`; `./models/all-MiniLM-L6-v2`; `models/all-MiniLM-L6-v2`
    /// in the checkout that holds the running executable (`.build/<config>/<tool>`). Nil when none does.
    public static func modelDirectory(explicit: String? = nil, environment: [String: String]? = nil) -> String? {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let explicit { return holdsModel(explicit) ? explicit : nil }
        var candidates: [String] = []
        if let models = environment["CORTEX_MODELS_DIR"], !models.isEmpty { candidates.append(models + "/" + defaultModelName) }
        candidates.append(FileManager.default.currentDirectoryPath + "/models/" + defaultModelName)
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        // .build/<triple>/<config>/tool or .build/<config>/tool: try two to four levels up.
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            folder = folder.deletingLastPathComponent()
            candidates.append(folder.path + "/models/" + defaultModelName)
        }
        return candidates.first(where: holdsModel)
    }

    private static func holdsModel(_ directory: String) -> Bool {
        SentenceEncoder.requiredFiles.allSatisfy { FileManager.default.fileExists(atPath: directory + "/" + $0) }
    }
}
