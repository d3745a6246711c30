public import CortexCore

extension S3Target {
    /// The object's size from a HEAD request, or nil when it does not exist.
    public func size(of key: String) throws(CortexError) -> Int? {
        try client.headObject(objectKey(key))
    }
}
