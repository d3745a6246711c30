import CortexCore
import Testing

@Suite struct HTTPResponseHeadTests {
    @Test func readsTheStatusAndLowercasedTrimmedHeaders() {
        var head = HTTPResponseHead()
        for line in ["HTTP/1.1 429 Too Many Requests\r\n", "Retry-After:  7 \r\n", "Content-Type: application/json\r\n", "\r\n"] {
            head.receive(line)
        }
        #expect(head.status == 429)
        #expect(head.headers == ["retry-after": "7", "content-type": "application/json"])
    }

    @Test func aLaterStatusLineStartsOver() {
        var head = HTTPResponseHead()
        for line in ["HTTP/1.1 100 Continue\r\n", "X-Early: 1\r\n", "\r\n", "HTTP/2 200\r\n", "ETag: \"abc\"\r\n"] {
            head.receive(line)
        }
        #expect(head.status == 200)
        #expect(head.headers == ["etag": "\"abc\""])
    }

    @Test func malformedLinesAreIgnored() {
        var head = HTTPResponseHead()
        head.receive("HTTP/1.1\r\n")
        head.receive("no colon here\r\n")
        #expect(head.status == 0)
        #expect(head.headers.isEmpty)
    }
}
