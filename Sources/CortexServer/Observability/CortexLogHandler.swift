import CortexCore
import Foundation
public import Logging

/// Writes one line per log event to standard error, as text or as JSON.
///
/// Text: `2026-11-26T16:41:05.123Z notice cortex: listening http=8080 host=127.0.0.1`.
/// JSON: `{"ts":"…","level":"notice","label":"cortex","message":"…","host":"127.0.0.1"}`
/// (metadata keys become top-level fields; `hb.request.id` carries the request id).
public struct CortexLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let json: Bool

    public init(label: String, level: Logger.Level, json: Bool) {
        self.label = label
        self.logLevel = level
        self.json = json
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let timestamp = Self.timestamp()
        let line: String
        if json {
            var object: [String: String] = merged.mapValues { "\($0)" }
            object["ts"] = timestamp
            object["level"] = event.level.rawValue
            object["label"] = label
            object["message"] = event.message.description
            line = Self.encode(object)
        } else {
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(timestamp) \(event.level.rawValue) \(label): \(event.message)" + (fields.isEmpty ? "" : " " + fields)
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private static func encode(_ object: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(object), as: UTF8.self)
        } catch {
            preconditionFailure("encoding a string dictionary cannot fail: \(error)")
        }
    }

    private static func timestamp() -> String {
        let milliseconds = SystemEpochClock().nowMilliseconds()
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
