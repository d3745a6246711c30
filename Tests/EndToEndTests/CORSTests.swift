import CortexTesting
import Foundation
import Testing

/// `server.cors_origins`: the widget's sites may call the API from a browser; other origins get no
/// CORS headers, and preflights are answered before authentication.
@Suite struct CORSTests {
    @Test func listedOriginsGetCORSHeadersOthersDoNot() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey().key
        let server = try fixture.start(environment: ["CORTEX_SERVER_CORS_ORIGINS": "https://shop.example.com, http://localhost:3000"])
        let client = TestHTTPClient(baseURL: server.baseURL)

        let preflight = try await client.send("OPTIONS", "/api/v1/collections", headers: [
            "Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        ])
        #expect(preflight.status == 204)
        #expect(preflight.headers["access-control-allow-origin"] == "https://shop.example.com")
        #expect(preflight.headers["access-control-allow-headers"]?.contains("Authorization") == true)
        #expect(preflight.headers["access-control-allow-methods"]?.contains("POST") == true)

        let foreign = try await client.send("OPTIONS", "/api/v1/collections", headers: [
            "Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST",
        ])
        #expect(foreign.headers["access-control-allow-origin"] == nil)

        let listed = try await client.send("GET", "/api/v1/collections", headers: ["Origin": "http://localhost:3000", "Authorization": "Bearer \(key)"])
        #expect(listed.status == 200)
        #expect(listed.headers["access-control-allow-origin"] == "http://localhost:3000")
        let refused = try await client.send("GET", "/api/v1/collections", headers: ["Origin": "http://localhost:3000"])
        #expect(refused.status == 401 && refused.headers["access-control-allow-origin"] == "http://localhost:3000",
                "errors carry CORS headers too, so the page can read them")
        let other = try await client.send("GET", "/api/v1/collections", headers: ["Origin": "https://evil.example.net", "Authorization": "Bearer \(key)"])
        #expect(other.headers["access-control-allow-origin"] == nil)
    }

    @Test func malformedOriginListStopsTheStart() throws {
        let fixture = try WireFixture()
        do {
            _ = try fixture.start(environment: ["CORTEX_SERVER_CORS_ORIGINS": "shop.example.com"])
            Issue.record("the server started with an origin without a scheme")
        } catch ServerProcessError.exitedBeforeListening(_, let output) {
            #expect(output.contains("server.cors_origins"), "\(output.suffix(600))")
            #expect(output.contains("'shop.example.com' is not * or an origin like https://shop.example.com"), "\(output.suffix(600))")
        }
    }
}
