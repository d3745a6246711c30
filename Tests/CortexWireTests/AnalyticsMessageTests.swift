import CortexCore
import CortexWire
import Testing

/// ANALYTICS_APPEND and ANALYTICS_SQL payloads (docs/wire-protocol.md §4.11): exact bytes, limits, malformed input.
@Suite struct AnalyticsMessageTests {
    let limits = WireLimits()

    @Test func anAppendPayloadHasTheDocumentedBytes() {
        let batch = AnalyticsBatch(rowCount: 3, columns: [
            AnalyticsColumn(name: "rating", type: .int32, values: [.int32(5), .null, .int32(-1)]),
            AnalyticsColumn(name: "channel", type: .string, values: [.null, .string("web"), .null]),
        ])
        let payload = WireRequest.analyticsAppend(AnalyticsAppendRequest(table: "events", batch: batch)).encodedPayload()
        let expected: [UInt8] = [
            0x06, 0, 0, 0] + Array("events".utf8) + [
            0x03, 0, 0, 0, // rows
            0x02, 0, 0, 0, // columns
            0x06, 0, 0, 0] + Array("rating".utf8) + [0x01, 0b101, 0x05, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
            0x07, 0, 0, 0] + Array("channel".utf8) + [0x06, 0b010, 0x03, 0, 0, 0] + Array("web".utf8)
        #expect(payload == expected)
        #expect(batch.rows == [[.int32(5), .null], [.null, .string("web")], [.int32(-1), .null]])
    }

    @Test func appendCountsOverTheirLimitsAreTooLargeAndZeroIsInvalid() {
        func append(rows: UInt32, columns: UInt32) -> [UInt8] {
            var writer = PayloadWriter()
            writer.write("events")
            writer.write(rows)
            writer.write(columns)
            return writer.bytes
        }
        let small = WireLimits(analyticsRowCountMax: 10, analyticsColumnCountMax: 2)
        #expect(throws: WireError(.tooLarge, "ANALYTICS_APPEND: row count is 11; the limit is 10")) {
            try WireRequest.decode(kind: .analyticsAppend, payload: append(rows: 11, columns: 1), limits: small)
        }
        #expect(throws: WireError(.tooLarge, "ANALYTICS_APPEND: column count is 3; the limit is 2")) {
            try WireRequest.decode(kind: .analyticsAppend, payload: append(rows: 1, columns: 3), limits: small)
        }
        #expect(throws: WireError(.invalidInput, "ANALYTICS_APPEND: row count is 0; send at least one row")) {
            try WireRequest.decode(kind: .analyticsAppend, payload: append(rows: 0, columns: 0), limits: small)
        }
        #expect(throws: WireError(.invalidInput, "ANALYTICS_APPEND: column count 2 at byte 14 needs at least 12 bytes; 0 left")) {
            try WireRequest.decode(kind: .analyticsAppend, payload: append(rows: 1, columns: 2), limits: small)
        }
    }

    @Test func malformedColumnsAreInvalidInput() {
        let base = WireRequest.analyticsAppend(AnalyticsAppendRequest(table: "t", batch: AnalyticsBatch(rowCount: 2, columns: [
            AnalyticsColumn(name: "f", type: .bool, values: [.bool(true), .bool(false)]),
        ]))).encodedPayload()
        // Layout: table (4+1), rows (4), columns (4), name (4+1), type @18, bitmap @19, values @20, @21.
        var badType = base
        badType[18] = 9
        #expect(throws: WireError(.invalidInput, "ANALYTICS_APPEND: type of column 'f' at byte 18 is 9; defined types are 0-6")) {
            try WireRequest.decode(kind: .analyticsAppend, payload: badType, limits: limits)
        }
        var padding = base
        padding[19] = 0b111
        #expect(throws: WireError(.invalidInput, "ANALYTICS_APPEND: validity of column 'f' sets bits past row 1")) {
            try WireRequest.decode(kind: .analyticsAppend, payload: padding, limits: limits)
        }
        var badBool = base
        badBool[21] = 2
        #expect(throws: WireError(.invalidInput, "ANALYTICS_APPEND: value of column 'f' at byte 21 is 2; a bool is 0 or 1")) {
            try WireRequest.decode(kind: .analyticsAppend, payload: badBool, limits: limits)
        }
        var nullWithValues = base
        nullWithValues[18] = 0
        #expect(throws: WireError(.invalidInput, "ANALYTICS_APPEND: column 'f' has type null but 2 values")) {
            try WireRequest.decode(kind: .analyticsAppend, payload: nullWithValues, limits: limits)
        }
    }

    @Test func sqlLimitsAreChecked() {
        let small = WireLimits(sqlByteCountMax: 16, parameterCountMax: 1)
        func decode(_ request: AnalyticsSQLRequest) throws {
            _ = try WireRequest.decode(kind: .analyticsSQL, payload: WireRequest.analyticsSQL(request).encodedPayload(), limits: small)
        }
        #expect(throws: WireError(.tooLarge, "ANALYTICS_SQL: sql is 27 bytes; the limit is 16")) {
            try decode(AnalyticsSQLRequest(sql: "SELECT count(*) FROM events"))
        }
        #expect(throws: WireError(.invalidInput, "ANALYTICS_SQL: sql at byte 0 is empty")) { try decode(AnalyticsSQLRequest(sql: "")) }
        #expect(throws: WireError(.tooLarge, "ANALYTICS_SQL: parameter count is 2; the limit is 1")) {
            try decode(AnalyticsSQLRequest(sql: "SELECT $a, $b", parameters: [(name: "a", value: .null), (name: "b", value: .null)]))
        }
        let twice = AnalyticsSQLRequest(sql: "SELECT $a", parameters: [(name: "a", value: .int64(1)), (name: "a", value: .int64(2))])
        #expect(throws: WireError(.invalidInput, "ANALYTICS_SQL: parameter $a appears twice")) {
            _ = try WireRequest.decode(kind: .analyticsSQL, payload: WireRequest.analyticsSQL(twice).encodedPayload(), limits: limits)
        }
    }

    @Test func helloCarriesTheAnalyticsLimitsAndAnOlderHelloReadsAsUnsupported() throws {
        let limits = WireLimits(analyticsRowCountMax: 500, analyticsColumnCountMax: 12, sqlByteCountMax: 999, parameterCountMax: 3)
        let hello = Hello(limits: limits, tenantID: "acme", keyID: "key_1", scopeBits: 6)
        let decoded = try Hello(payload: hello.frame().payload)
        #expect(decoded == hello)
        #expect(decoded.supportsAnalytics)
        let old = Hello(limits: WireLimits(), tenantID: "acme", keyID: "key_1", scopeBits: 6, supportsAnalytics: false)
        #expect(try Hello(payload: old.frame().payload).supportsAnalytics == false)
        #expect(hello.frame().payload.count == old.frame().payload.count + 16)
    }

    @Test func aRateLimitedErrorCarriesItsRetryAfterInTheSecondField() throws {
        let error = WireError(.rateLimited, "slow down", requestID: 4, retryAfterMilliseconds: 250)
        let payload = error.frame().payload
        #expect(Array(payload.prefix(4)) == [9, 0, 250, 0])
        #expect(try WireError(errorPayload: payload, requestID: 4) == error)
    }
}
