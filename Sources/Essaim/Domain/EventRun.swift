/// A run of stored events decoded on a second thread, or why decoding stopped.
typealias DecodedEvents = Result<EventRun, any Error>

/// Events in log order that the fold takes one at a time, each moved out of
/// the run rather than copied: a copy of a decoded event retains each of its
/// strings and arrays, and releases them again after the fold (8 % of a
/// replay's folding thread). An array's elements cannot be moved out, and one
/// passed where it lies, borrowed, is still copied.
///
/// One thread fills it, then hands it over (``ChunkPipe``) to the one that
/// takes the events; never both at once.
final class EventRun: @unchecked Sendable {
    private let events: UnsafeMutablePointer<RecordedEvent>
    private let capacity: Int
    /// Events stored; those before `taken` have been moved out.
    private(set) var count = 0
    private var taken = 0

    /// An empty run with room for `capacity` events.
    init(capacity: Int) {
        self.capacity = capacity
        events = .allocate(capacity: capacity)
    }

    deinit {
        (events + taken).deinitialize(count: count - taken)
        events.deallocate()
    }

    var isFull: Bool { count == capacity }

    /// Adds `event` after the others (the run must not be full).
    func append(_ event: consuming RecordedEvent) {
        precondition(count < capacity, "an event run is full")
        (events + count).initialize(to: event)
        count += 1
    }

    /// Calls `body` with each event not yet taken, in order, each moved out of
    /// the run first; stops at the first error (the events after it stay).
    func takeEach(_ body: (borrowing RecordedEvent) throws -> Void) rethrows {
        while taken < count {
            let event = (events + taken).move()
            taken += 1
            try body(event)
        }
    }
}
