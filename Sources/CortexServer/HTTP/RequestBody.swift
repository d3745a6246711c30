import CortexCore
import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// The body, at most `limit` bytes; `.tooLarge` (413) naming the limit and `setting` otherwise.
    ///
    /// A declared `Content-Length` over the limit is refused before anything is read.
    func collectBody(upTo limit: Int, setting: String) async throws -> Data {
        let tooLarge = CortexError.tooLarge("the request body exceeds the limit of \(limit) bytes (\(setting))")
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit { throw tooLarge }
        do {
            var buffer = try await body.collect(upTo: limit)
            return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
    }
}
