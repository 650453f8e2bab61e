/// A run of stored events decoded on a second thread with the look-ups their
/// fold starts with, or why decoding stopped.
typealias DecodedEvents = Result<(events: EventRun, lookups: FoldLookups), any Error>

/// Decoded events in log order, for a fold to take one at a time.
typealias EventRun = MoveOutRun<RecordedEvent>

/// Values in order that a consumer takes one at a time, each moved out of the
/// run rather than copied: a copy of a decoded event retains each of its
/// strings and arrays, and releases them again after use (8 % of a replay's
/// folding thread). An array's elements cannot be moved out, and one passed
/// where it lies, borrowed, is still copied.
///
/// One thread fills it, then hands it over (``ChunkPipe``) to the one that
/// takes the values; never both at once.
final class MoveOutRun<Element>: @unchecked Sendable {
    private let elements: UnsafeMutablePointer<Element>
    private let capacity: Int
    /// Values stored; those before `taken` have been moved out.
    private(set) var count = 0
    private var taken = 0

    /// An empty run with room for `capacity` values.
    init(capacity: Int) {
        self.capacity = capacity
        elements = .allocate(capacity: capacity)
    }

    deinit {
        (elements + taken).deinitialize(count: count - taken)
        elements.deallocate()
    }

    var isFull: Bool { count == capacity }

    /// Adds `element` after the others (the run must not be full).
    func append(_ element: consuming Element) {
        precondition(count < capacity, "a run is full")
        (elements + count).initialize(to: element)
        count += 1
    }

    /// Calls `body` with each value not yet taken, in order, each moved out of
    /// the run, lent, and moved back: the values stay in the run, to be freed
    /// with it, by whichever thread lets go of it last (a fold lends a decoded
    /// run's events, and the decoding thread, which allocated them, frees
    /// them). Stops at the first error.
    func lendEach(_ body: (borrowing Element) throws -> Void) rethrows {
        for slot in elements + taken ..< elements + count {
            let element = slot.move()
            defer { slot.initialize(to: element) }
            try body(element)
        }
    }

    /// Calls `body` with each value not yet taken, in order, each moved out of
    /// the run and handed over; stops at the first error (the values after it stay).
    func takeEach(_ body: (consuming Element) throws -> Void) rethrows {
        while taken < count {
            let element = (elements + taken).move()
            taken += 1
            try body(element)
        }
    }
}
