import CortexTesting
import Foundation
import Testing

@Suite struct ServerSkeletonTests {
    @Test func serverAnswersHealthReadinessAndMetricsThenShutsDownCleanly() async throws {
        let directory = TemporaryDirectory("cortex-e2e")
        let server = try ServerProcess(arguments: ["--data", directory.child("data")])
        let client = TestHTTPClient(baseURL: server.baseURL)

        let health = try await client.get("/health")
        #expect(health.status == 200)
        #expect(health.text == #"{"status":"ok"}"#)
        #expect(health.headers["content-type"] == "application/json; charset=utf-8")
        #expect((health.headers["x-request-id"] ?? "").count >= 16, "every response carries a request id")

        let ready = try await client.get("/ready")
        #expect(ready.status == 200)
        #expect(ready.text == #"{"status":"ready"}"#)

        let metrics = try await client.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(metrics.text.contains(#"cortex_lmdb_map_bytes{environment="system"}"#))
        #expect(metrics.text.contains(#"cortex_lmdb_used_bytes{environment="system"}"#))
        #expect(metrics.text.contains("cortex_outbox_pending_events 0"))
        #expect(metrics.text.contains(#"http_server_request_duration_count{http_route="/health",http_request_method="GET",http_response_status_code="200"} 1"#))

        #expect(server.stop() == 0)
        #expect(server.log.contains("storage closed"))
        #expect(server.log.contains("stopped"))
        // The data folder lock was released: the CLI can open it now.
        let listed = try runProduct("cortex", ["admin", "tenants", "list", "--data", directory.child("data"), "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]")
    }

    @Test func unknownRoutesGetAJSONErrorWithTheRequestID() async throws {
        let directory = TemporaryDirectory("cortex-e2e")
        let server = try ServerProcess(arguments: ["--data", directory.child("data")])
        defer { server.stop() }
        let reply = try await TestHTTPClient(baseURL: server.baseURL).get("/api/v1/nothing-here")
        #expect(reply.status == 404)
        let error = try #require(try reply.json()["error"] as? [String: String])
        #expect(error["code"] == "not_found")
        #expect(error["message"] == "no route for GET /api/v1/nothing-here")
        #expect(error["request_id"] == reply.headers["x-request-id"])
    }

    @Test func metricsRequireTheBearerTokenWhenOneIsConfigured() async throws {
        let directory = TemporaryDirectory("cortex-e2e")
        let server = try ServerProcess(
            arguments: ["--data", directory.child("data")], environment: ["CORTEX_METRICS_BEARER_TOKEN": "scrape-me"])
        defer { server.stop() }
        let client = TestHTTPClient(baseURL: server.baseURL)
        #expect(try await client.get("/metrics").status == 401)
        #expect(try await client.get("/metrics", headers: ["Authorization": "Bearer wrong"]).status == 401)
        #expect(try await client.get("/metrics", headers: ["Authorization": "Bearer scrape-me"]).status == 200)
        #expect(try await client.get("/health").status == 200, "only /metrics is protected")
    }

    @Test func aSecondServerOnTheSameDataFolderRefusesToStart() throws {
        let directory = TemporaryDirectory("cortex-e2e")
        let first = try ServerProcess(arguments: ["--data", directory.child("data")])
        defer { first.stop() }
        #expect {
            try ServerProcess(arguments: ["--data", directory.child("data")])
        } throws: { error in
            guard case ServerProcessError.exitedBeforeListening(let status, let output) = error else { return false }
            return status == 1 && output.contains("cannot start: cannot lock \(directory.child("data"))/LOCK: another Cortex process is using this data folder")
        }
    }

    @Test func aDamagedDataFolderStopsTheServerWithAClearMessage() throws {
        let directory = TemporaryDirectory("cortex-e2e")
        let data = directory.child("data")
        try FileManager.default.createDirectory(atPath: data + "/system", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: data + "/CORTEX", contents: Data("cortex-data 1\n".utf8))
        _ = FileManager.default.createFile(atPath: data + "/system/data.mdb", contents: Data(repeating: 0x5A, count: 16_384))
        #expect {
            try ServerProcess(arguments: ["--data", data])
        } throws: { error in
            guard case ServerProcessError.exitedBeforeListening(let status, let output) = error else { return false }
            return status == 1 && output.contains("cannot start: open environment at \(data)/system failed")
                && output.contains("damaged or is not an LMDB file")
        }
    }
}

@Suite struct ConfigurationTests {
    private func printConfig(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Products.path(of: "cortex-server"))
        process.arguments = arguments + ["--print-config"]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CORTEX_") }.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }

    @Test func layersApplyInOrderDefaultsFileEnvironmentFlags() throws {
        let directory = TemporaryDirectory("cortex-config")
        let file = directory.child("cortex.json")
        try Data(#"{"server": {"http_port": 9001, "wire_port": 9002, "host": "127.0.0.2"}, "log": {"level": "debug"}}"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        let (status, output, _) = try printConfig(
            ["--config", file, "--http-port", "9101"],
            environment: ["CORTEX_SERVER_HTTP_PORT": "9201", "CORTEX_SERVER_WIRE_PORT": "9202", "CORTEX_METRICS_BEARER_TOKEN": "hunter2"])
        #expect(status == 0)
        let lines = Set(output.split(separator: "\n").map { $0.replacingOccurrences(of: #" +"#, with: " ", options: .regularExpression) })
        #expect(lines.contains("server.http_port = 9101 # flag --http-port"))
        #expect(lines.contains("server.wire_port = 9202 # environment variable CORTEX_SERVER_WIRE_PORT"))
        #expect(lines.contains("server.host = \"127.0.0.2\" # config file \(file)"))
        #expect(lines.contains("log.level = \"debug\" # config file \(file)"))
        #expect(lines.contains("storage.data_directory = \"./data\" # default"))
        #expect(lines.contains("metrics.bearer_token = ******** # environment variable CORTEX_METRICS_BEARER_TOKEN"))
        #expect(!output.contains("hunter2"), "secrets are masked")
    }

    @Test func aValueOfTheWrongTypeNamesTheKeyAndItsSource() throws {
        let (status, _, error) = try printConfig([], environment: ["CORTEX_STORAGE_TENANTS_OPEN_MAX": "lots"])
        #expect(status == 2)
        #expect(error == "cortex-server: invalid configuration: configuration key storage.tenants_open_max (environment variable CORTEX_STORAGE_TENANTS_OPEN_MAX) must be an integer\n")
    }

    @Test func unknownFileKeysAndOutOfRangeValuesAreErrors() throws {
        let directory = TemporaryDirectory("cortex-config")
        let file = directory.child("cortex.json")
        try Data(#"{"server": {"http_prot": 1}}"#.utf8).write(to: URL(fileURLWithPath: file))
        let (unknownStatus, _, unknown) = try printConfig(["--config", file])
        #expect(unknownStatus == 2)
        #expect(unknown == "cortex-server: invalid configuration: config file \(file) has unknown key server.http_prot\n")

        try Data(#"{"log": {"level": "loud"}}"#.utf8).write(to: URL(fileURLWithPath: file))
        let (_, _, level) = try printConfig(["--config", file])
        #expect(level == "cortex-server: invalid configuration: configuration key log.level (config file \(file)) is 'loud'; allowed: trace, debug, info, notice, warning, error, critical\n")

        let (_, _, range) = try printConfig(["--http-port", "70000"])
        #expect(range == "cortex-server: invalid configuration: configuration key server.http_port (flag --http-port) is 70000; it must be in 0...65535\n")

        let (_, _, body) = try printConfig([], environment: ["CORTEX_SERVER_HTTP_BODY_MAX_BYTES": "100"])
        #expect(body == "cortex-server: invalid configuration: configuration key server.http_body_max_bytes (environment variable CORTEX_SERVER_HTTP_BODY_MAX_BYTES) is 100; it must be in 1024...1073741824\n")

        try Data("{not json".utf8).write(to: URL(fileURLWithPath: file))
        let (_, _, broken) = try printConfig(["--config", file])
        #expect(broken.hasPrefix("cortex-server: invalid configuration: config file \(file) is not valid JSON"))
    }
}

@Suite struct AdminCLITests {
    @Test func tenantsCanBeCreatedListedAndDeletedFromTheCommandLine() throws {
        let directory = TemporaryDirectory("cortex-cli")
        let data = directory.child("data")
        #expect(try runProduct("cortex", ["admin", "tenants", "create", "acme", "--data", data]).stdout == "created tenant acme\n")
        let created = try runProduct("cortex", ["admin", "tenants", "create", "globex", "--data", data, "--json"])
        #expect(created.status == 0)
        #expect(created.stdout.contains(#""id" : "globex""#))
        let listed = try runProduct("cortex", ["admin", "tenants", "list", "--data", data, "--json"])
        let tenants = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: String]])
        #expect(tenants.map { $0["id"] } == ["acme", "globex"])
        let duplicate = try runProduct("cortex", ["admin", "tenants", "create", "acme", "--data", data])
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr == "cortex: tenant 'acme' already exists\n")
        let bad = try runProduct("cortex", ["admin", "tenants", "create", "../etc", "--data", data])
        #expect(bad.status == 1)
        #expect(bad.stderr == "cortex: tenant id '../etc' must start with a lowercase letter or digit\n")
        #expect(try runProduct("cortex", ["admin", "tenants", "delete", "acme", "--data", data]).stdout == "deleted tenant acme\n")
        let missing = try runProduct("cortex", ["admin", "tenants", "delete", "acme", "--data", data])
        #expect(missing.stderr == "cortex: tenant 'acme' does not exist\n")
        let verify = try runProduct("cortex", ["admin", "verify", "--data", data])
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("ok\tsystem\t"))
        #expect(verify.stdout.contains("ok\ttenant/globex"))
    }
}
