import CortexCore
@testable import CortexVector
import Foundation

/// Parses JSON text into a `JSONValue`, failing the test on malformed fixtures.
func json(_ text: String) throws(CortexError) -> JSONValue {
    try JSONValue.parse(Data(text.utf8))
}

/// Parses a `where` filter given as JSON text.
func whereFilter(_ text: String) throws(CortexError) -> MetadataFilter {
    try MetadataFilter.parse(json(text))
}

/// Parses a `where_document` filter given as JSON text.
func documentFilter(_ text: String) throws(CortexError) -> DocumentFilter {
    try DocumentFilter.parse(json(text))
}

/// The error `body` throws, or nil when it succeeds.
func thrownError<T>(_ body: () throws(CortexError) -> T) -> CortexError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
