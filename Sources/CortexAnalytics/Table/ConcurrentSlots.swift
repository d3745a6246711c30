/// One slot per index for the iterations of `DispatchQueue.concurrentPerform`: iteration `i`
/// writes only slot `i`, and the caller reads the slots after `concurrentPerform` returns.
///
/// The slots live in raw memory so that writes to different slots from different threads are
/// plain stores (a class's array property would be one shared, exclusively-accessed value).
@safe final class ConcurrentSlots<Element>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Element?>

    init(count: Int) {
        unsafe slots = UnsafeMutableBufferPointer<Element?>.allocate(capacity: count)
        unsafe slots.initialize(repeating: nil)
    }

    deinit {
        _ = unsafe slots.deinitialize()
        unsafe slots.deallocate()
    }

    var count: Int { unsafe slots.count }

    subscript(index: Int) -> Element? {
        get {
            precondition(index >= 0 && index < count, "slot \(index) of \(count)")
            return unsafe slots[index]
        }
        set {
            precondition(index >= 0 && index < count, "slot \(index) of \(count)")
            unsafe slots[index] = newValue
        }
    }

    /// The value of slot `index`, which must have been filled.
    func take(_ index: Int) -> Element {
        guard let value = self[index] else { preconditionFailure("slot \(index) was not filled") }
        return value
    }
}
