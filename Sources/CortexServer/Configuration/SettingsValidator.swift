import Configuration
import CortexApp
import CortexCore
import CortexStorage
import Foundation
import Logging

/// Turns resolved raw values into ``ServerSettings``, checking ranges.
struct SettingsValidator {
    let resolved: [String: (ConfigContent?, String)]

    func settings() throws(CortexError) -> ServerSettings {
        var settings = try baseSettings()
        settings.corsOrigins = try corsOrigins()
        settings.backup = try backup()
        return settings
    }

    /// `backup.*`: a relative folder is resolved against the working directory.
    private func backup() throws(CortexError) -> BackupSettings {
        let text = try nonEmptyString("backup.target")
        var target: String?
        if text.lowercased() != "none" {
            if text.hasPrefix("s3://") || text.hasPrefix("file://") {
                target = text
            } else {
                let absolute = text.hasPrefix("/") ? text : FileManager.default.currentDirectoryPath + "/" + text
                target = "file://" + URL(fileURLWithPath: absolute).standardizedFileURL.path
            }
        }
        let endpoint = try optionalNonEmptyString("backup.endpoint")
        if endpoint != nil, !(target?.hasPrefix("s3://") ?? false) {
            throw .invalidInput("configuration key backup.endpoint (\(raw("backup.endpoint").1)) applies only to an s3:// backup.target")
        }
        let snapshotSeconds = try int("backup.snapshot_interval_seconds", in: 0...366 * 86_400)
        return BackupSettings(
            target: target, endpoint: endpoint,
            shipInterval: .milliseconds(try int("backup.ship_interval_ms", in: 100...3_600_000)),
            snapshotInterval: snapshotSeconds == 0 ? nil : .seconds(snapshotSeconds),
            snapshotKeep: try int("backup.snapshot_keep", in: 1...100_000))
    }

    /// `server.cors_origins`: each entry `*` or `http(s)://host[:port]`, no path.
    private func corsOrigins() throws(CortexError) -> [String] {
        let entries = (try optionalString("server.cors_origins") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return try entries.filter { !$0.isEmpty }.map { (entry: String) throws(CortexError) -> String in
            let lower = entry.lowercased()
            let rest = lower.hasPrefix("https://") ? lower.dropFirst(8) : lower.hasPrefix("http://") ? lower.dropFirst(7) : nil
            guard entry == "*" || (rest.map { !$0.isEmpty && !$0.dropLast($0.hasSuffix("/") ? 1 : 0).contains("/") } ?? false) else {
                throw .invalidInput("configuration key server.cors_origins (\(raw("server.cors_origins").1)): '\(entry)' is not * or an origin like https://shop.example.com")
            }
            return entry
        }
    }

    private func baseSettings() throws(CortexError) -> ServerSettings {
        let mapInitial = try int("storage.map_size_initial_bytes", in: 1 << 16 ... 1 << 46)
        let mapMax = try int("storage.map_size_max_bytes", in: 1 << 16 ... 1 << 46)
        guard mapMax >= mapInitial else {
            throw .invalidInput(
                "configuration key storage.map_size_max_bytes (\(mapMax)) must be at least storage.map_size_initial_bytes (\(mapInitial))")
        }
        let storage = StorageOptions(
            dataDirectory: try nonEmptyString("storage.data_directory"),
            environment: EnvironmentOptions(mapByteCountInitial: mapInitial, mapByteCountMax: mapMax),
            tenantsOpenMax: try int("storage.tenants_open_max", in: 1...100_000),
            tenantIdleTimeout: .seconds(try int("storage.tenant_idle_seconds", in: 1...86_400 * 30)),
            writerThreadCount: try int("storage.writer_threads", in: 1...256))
        return ServerSettings(
            host: try nonEmptyString("server.host"),
            httpPort: try int("server.http_port", in: 0...65_535),
            wirePort: try int("server.wire_port", in: 0...65_535),
            wireIdleTimeout: .seconds(try int("server.wire_idle_timeout_seconds", in: 1...86_400)),
            wireThreadCount: try int("server.wire_threads", in: 0...256),
            httpBodyByteCountMax: try int("server.http_body_max_bytes", in: Limits.httpBodyByteCountMaxRange),
            storage: storage,
            logLevel: try choice("log.level", Logger.Level.init(rawValue:)),
            logFormat: try choice("log.format", ServerSettings.LogFormat.init(rawValue:)),
            metricsBearerToken: try optionalNonEmptyString("metrics.bearer_token"),
            idleSweepInterval: .seconds(30),
            auth: try auth(),
            rateLimit: RateLimitSettings(
                requestsPerSecond: try int("rate_limit.requests_per_second", in: 1...1_000_000),
                burst: try int("rate_limit.burst", in: 1...1_000_000),
                anonymousRequestsPerMinute: try int("rate_limit.anonymous_requests_per_minute", in: 1...1_000_000)),
            embedding: EmbeddingSettings(
                provider: try choice("embed.provider", EmbeddingSettings.Provider.init(rawValue:)),
                modelDirectory: try optionalNonEmptyString("embed.model_dir"),
                threadCount: try int("embed.threads", in: 1...64),
                concurrentRequestMax: try int("embed.concurrent_requests", in: 1...64),
                openAIBaseURL: try optionalNonEmptyString("embed.openai_base_url"),
                openAIKey: try optionalNonEmptyString("embed.openai_api_key"),
                openAIModel: try optionalNonEmptyString("embed.openai_model"),
                openAIDimensions: try int("embed.openai_dimensions", in: 0...65_536).nonZero))
    }

    private func auth() throws(CortexError) -> AuthOptions {
        let keys = try optionalNonEmptyString("auth.jwt_keys").map { (text: String) throws(CortexError) in try AuthOptions.parseKeys(text) } ?? []
        let signingKeyID = try optionalNonEmptyString("auth.jwt_signing_key_id")
        if let signingKeyID, !keys.contains(where: { $0.id == signingKeyID }) {
            throw .invalidInput(
                "configuration key auth.jwt_signing_key_id (\(raw("auth.jwt_signing_key_id").1)) is '\(signingKeyID)', which auth.jwt_keys does not list")
        }
        return AuthOptions(
            bcryptCost: try int("auth.bcrypt_cost", in: 4...31),
            accessTokenTTL: .seconds(try int("auth.access_token_ttl_seconds", in: 1...86_400)),
            refreshTokenTTL: .seconds(try int("auth.refresh_token_ttl_seconds", in: 60...366 * 86_400)),
            keys: keys, signingKeyID: signingKeyID,
            loginFailuresPerAccountMax: try int("auth.login_failures_per_account_max", in: 1...1_000_000),
            loginFailuresPerAddressMax: try int("auth.login_failures_per_address_max", in: 1...1_000_000),
            loginFailureWindow: .seconds(try int("auth.login_failure_window_seconds", in: 1...86_400)),
            invitationTTL: .seconds(try int("auth.invitation_ttl_seconds", in: 1...30 * 86_400)))
    }

    private func raw(_ key: String) -> (ConfigContent?, String) {
        guard let value = resolved[key] else { preconditionFailure("setting \(key) is not in the catalog") }
        return value
    }

    private func int(_ key: String, in range: ClosedRange<Int>) throws(CortexError) -> Int {
        guard case (.int(let number)?, let source) = raw(key) else { preconditionFailure("\(key) resolved to a non-int") }
        guard range.contains(number) else {
            throw .invalidInput("configuration key \(key) (\(source)) is \(number); it must be in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    private func optionalString(_ key: String) throws(CortexError) -> String? {
        switch raw(key) {
        case (nil, _): return nil
        case (.string(let text)?, _): return text
        default: preconditionFailure("\(key) resolved to a non-string")
        }
    }

    /// Unset is fine; set to "" is a mistake (a token no client could send).
    private func optionalNonEmptyString(_ key: String) throws(CortexError) -> String? {
        guard try optionalString(key) != nil else { return nil }
        return try nonEmptyString(key)
    }

    private func nonEmptyString(_ key: String) throws(CortexError) -> String {
        guard let text = try optionalString(key), !text.isEmpty else {
            throw .invalidInput("configuration key \(key) (\(raw(key).1)) must not be empty")
        }
        return text
    }

    private func choice<T: CaseIterable & RawRepresentable>(_ key: String, _ make: (String) -> T?) throws(CortexError) -> T where T.RawValue == String {
        let text = try nonEmptyString(key)
        guard let value = make(text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidInput("configuration key \(key) (\(raw(key).1)) is '\(text)'; allowed: \(allowed)")
        }
        return value
    }
}

extension Int {
    /// nil for 0 (settings where 0 means "not set").
    fileprivate var nonZero: Int? { self == 0 ? nil : self }
}
