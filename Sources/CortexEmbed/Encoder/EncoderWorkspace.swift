/// One thread's scratch buffers for ``BertEncoder``: sized for a batch of at most
/// `tokenCapacity` packed tokens whose longest sequence has at most `sequenceLengthMax` tokens.
///
/// Layouts (row-major float32, one row per packed token): `hidden`, `query`, `key`, `value`,
/// `context`, `scratch` are `[tokenCapacity][hiddenSize]`; `intermediate` is
/// `[tokenCapacity][intermediateSize]`; `scores` is `[sequenceLengthMax][sequenceLengthMax]`
/// (one head of one sequence at a time).
///
/// Not `Sendable`: a workspace belongs to the one thread that encodes with it.
@safe final class EncoderWorkspace {
    let tokenCapacity: Int
    let sequenceLengthMax: Int
    var hidden: UnsafeMutablePointer<Float>
    var scratch: UnsafeMutablePointer<Float>
    let query: UnsafeMutablePointer<Float>
    let key: UnsafeMutablePointer<Float>
    let value: UnsafeMutablePointer<Float>
    let context: UnsafeMutablePointer<Float>
    let intermediate: UnsafeMutablePointer<Float>
    let scores: UnsafeMutablePointer<Float>

    init(configuration: BertConfiguration, tokenCapacity: Int, sequenceLengthMax: Int) {
        precondition(tokenCapacity >= 1 && sequenceLengthMax >= 1 && sequenceLengthMax <= tokenCapacity)
        self.tokenCapacity = tokenCapacity
        self.sequenceLengthMax = sequenceLengthMax
        let rows = tokenCapacity * configuration.hiddenSize
        unsafe hidden = .allocate(capacity: rows)
        unsafe scratch = .allocate(capacity: rows)
        unsafe query = .allocate(capacity: rows)
        unsafe key = .allocate(capacity: rows)
        unsafe value = .allocate(capacity: rows)
        unsafe context = .allocate(capacity: rows)
        unsafe intermediate = .allocate(capacity: tokenCapacity * configuration.intermediateSize)
        unsafe scores = .allocate(capacity: sequenceLengthMax * sequenceLengthMax)
    }

    /// Exchanges `hidden` and `scratch`: a layer's output becomes the next layer's input.
    func swapHidden() {
        unsafe swap(&hidden, &scratch)
    }

    deinit {
        for unsafe buffer in unsafe [hidden, scratch, query, key, value, context, intermediate, scores] {
            unsafe buffer.deallocate()
        }
    }
}
