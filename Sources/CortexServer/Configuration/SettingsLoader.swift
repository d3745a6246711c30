import Configuration
public import CortexCore
import CortexStorage
import Foundation
import Logging
import SystemPackage

/// The effective configuration and where each value came from.
public struct LoadedSettings: Sendable {
    public struct Entry: Sendable, Equatable {
        public let key: String
        /// The value as text; secrets are masked.
        public let displayValue: String
        /// `default`, `file PATH`, `environment CORTEX_…` or `flag --…`.
        public let source: String
    }

    public let settings: ServerSettings
    public let entries: [Entry]
    /// Things worth a log line: unknown `CORTEX_*` variables.
    public let warnings: [String]

    /// One `key = value  # source` line per setting, secrets masked (`--print-config`).
    public func rendered() -> String {
        let width = entries.map(\.key.count).max() ?? 0
        return entries.map { entry in
            entry.key.padding(toLength: width, withPad: " ", startingAt: 0) + " = " + entry.displayValue + "  # " + entry.source
        }.joined(separator: "\n")
    }
}

/// Resolves settings from four layers: defaults < config file (JSON) <
/// environment variables (`CORTEX_*`) < command-line flags.
///
/// Unlike a lenient reader, a value of the wrong type or out of range is an
/// error naming the key and where it came from; unknown keys in the file are
/// errors too (a typo must not silently fall back to a default).
public enum SettingsLoader {
    /// - Parameters:
    ///   - configFile: path of a JSON file, or nil.
    ///   - environment: the process environment (only `CORTEX_*` is read).
    ///   - flags: values given on the command line, by setting key (`server.http_port`).
    public static func load(
        configFile: String?, environment: [String: String], flags: [String: String]
    ) async throws(CortexError) -> LoadedSettings {
        var layers: [Layer] = [try flagLayer(flags), environmentLayer(environment)]
        if let configFile { layers.append(try await fileLayer(configFile)) }
        var resolved: [String: (ConfigContent?, String)] = [:]
        var entries: [LoadedSettings.Entry] = []
        for definition in SettingCatalog.all {
            let (content, source) = try resolve(definition, in: layers)
            resolved[definition.key] = (content, source)
            entries.append(.init(key: definition.key, displayValue: display(content, secret: definition.isSecret), source: source))
        }
        let settings = try SettingsValidator(resolved: resolved).settings()
        let known = Set(SettingCatalog.all.map(\.environmentVariable))
        let warnings = environment.keys.filter { $0.hasPrefix("CORTEX_") && !known.contains($0) }.sorted()
            .map { "ignoring unknown environment variable \($0)" }
        return LoadedSettings(settings: settings, entries: entries, warnings: warnings)
    }

    /// One source of values, highest precedence first in `layers`.
    struct Layer {
        let provider: any ConfigProvider
        /// Describes where a key came from: "environment CORTEX_X", "file /etc/cortex.json".
        let describe: (SettingDefinition) -> String
    }

    private static func resolve(_ definition: SettingDefinition, in layers: [Layer]) throws(CortexError) -> (ConfigContent?, String) {
        for layer in layers {
            let result: LookupResult
            do {
                result = try layer.provider.value(forKey: definition.absoluteKey, type: definition.kind.configType)
            } catch {
                throw .invalidInput("configuration key \(definition.key) (\(layer.describe(definition))) must be \(definition.kind.noun)")
            }
            if let value = result.value { return (value.content, layer.describe(definition)) }
        }
        return (definition.defaultValue, "default")
    }

    private static func flagLayer(_ flags: [String: String]) throws(CortexError) -> Layer {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, text) in flags {
            guard let definition = SettingCatalog.byKey[key] else { preconditionFailure("flag for unknown setting \(key)") }
            let content: ConfigContent
            switch definition.kind {
            case .string: content = .string(text)
            case .int:
                guard let number = Int(text) else { throw .invalidInput("flag \(definition.flag ?? key) must be an integer; got '\(text)'") }
                content = .int(number)
            case .bool:
                guard let flag = Bool(text) else { throw .invalidInput("flag \(definition.flag ?? key) must be true or false; got '\(text)'") }
                content = .bool(flag)
            }
            values[definition.absoluteKey] = ConfigValue(content, isSecret: definition.isSecret)
        }
        return Layer(provider: InMemoryProvider(name: "flags", values: values)) { "flag \($0.flag ?? $0.key)" }
    }

    private static func environmentLayer(_ environment: [String: String]) -> Layer {
        let relevant = environment.filter { $0.key.hasPrefix("CORTEX_") }
        let provider = EnvironmentVariablesProvider(
            environmentVariables: relevant,
            secretsSpecifier: .specific(Set(SettingCatalog.all.filter(\.isSecret).map(\.environmentVariable))))
        return Layer(provider: provider.prefixKeys(with: ConfigKey(["cortex"]))) { "environment variable \($0.environmentVariable)" }
    }

    private static func fileLayer(_ path: String) async throws(CortexError) -> Layer {
        try ConfigFileChecker.checkKeys(ofFileAt: path)
        let provider: FileProvider<JSONSnapshot>
        do {
            provider = try await FileProvider<JSONSnapshot>(filePath: FilePath(path))
        } catch {
            throw .invalidInput("config file \(path) could not be read: \(error)")
        }
        return Layer(provider: provider) { _ in "config file \(path)" }
    }

    private static func display(_ content: ConfigContent?, secret: Bool) -> String {
        guard let content else { return "(unset)" }
        if secret { return "********" }
        switch content {
        case .string(let text): return text.debugDescription
        case .int(let number): return String(number)
        case .bool(let flag): return String(flag)
        default: return "\(content)"
        }
    }
}

/// Rejects config files that are not JSON objects or that name keys Cortex does not know.
enum ConfigFileChecker {
    static func checkKeys(ofFileAt path: String) throws(CortexError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidInput("config file \(path) does not exist or is not readable")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .invalidInput("config file \(path) is not valid JSON: \(error.localizedDescription)")
        }
        guard let object = root as? [String: Any] else { throw .invalidInput("config file \(path) must hold a JSON object") }
        for key in leafKeys(of: object, prefix: []) where SettingCatalog.byKey[key] == nil {
            throw .invalidInput("config file \(path) has unknown key \(key)")
        }
    }

    private static func leafKeys(of object: [String: Any], prefix: [String]) -> [String] {
        object.keys.sorted().flatMap { name -> [String] in
            if let nested = object[name] as? [String: Any] { return leafKeys(of: nested, prefix: prefix + [name]) }
            return [(prefix + [name]).joined(separator: ".")]
        }
    }
}
