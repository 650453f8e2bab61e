import Synchronization

/// A run of stored events decoded on a second thread with the look-ups their
/// fold starts with, or why decoding stopped.
typealias DecodedEvents = Result<(events: EventRun, lookups: FoldLookups), any Error>

/// Decoded events in log order, for a fold to borrow one at a time.
typealias EventRun = MoveOutRun<RecordedEvent>

/// Values in order that a consumer takes (moved out) or borrows (lent where
/// they lie) one at a time, never copied: a copy of a decoded event retains
/// each of its strings and arrays, and releases them again after use (8 % of
/// a replay's folding thread). An array's elements cannot be moved out, and
/// one passed where it lies, borrowed, is still copied.
///
/// One thread fills it, then hands it over (``ChunkPipe``) to the one that
/// takes or borrows the values; never both at once. Values lent are freed
/// with the run, by whichever thread lets go of it last.
final class MoveOutRun<Element>: @unchecked Sendable {
    private let elements: UnsafeMutablePointer<Element>
    private let capacity: Int
    /// Values stored; those before `taken` have been moved out.
    private(set) var count = 0
    private var taken = 0

    /// Where the room came from, and goes back to, when it is a ``RunRoom``'s.
    private let room: RunRoom<Element>?

    /// An empty run with room for `capacity` values.
    init(capacity: Int) {
        self.capacity = capacity
        elements = .allocate(capacity: capacity)
        room = nil
    }

    /// An empty run with room for `room.capacity` values, taken from `room`
    /// (and given back to it when the run is freed).
    init(room: RunRoom<Element>) {
        capacity = room.capacity
        elements = room.take()
        self.room = room
    }

    deinit {
        (elements + taken).deinitialize(count: count - taken)
        if let room { room.give(elements) } else { elements.deallocate() }
    }

    var isFull: Bool { count == capacity }

    /// Adds `element` after the others (the run must not be full).
    func append(_ element: consuming Element) {
        precondition(count < capacity, "a run is full")
        (elements + count).initialize(to: element)
        count += 1
    }

    /// Calls `body` with each value not yet taken, in order, lent where it
    /// lies: the values stay in the run, to be freed with it, by whichever
    /// thread lets go of it last (a fold lends a decoded run's events, and the
    /// decoding thread, which allocated them, frees them). Stops at the first
    /// error. A value is lent `inout` only because Swift then passes it in
    /// place; `body` reads it and passes it on borrowed. (Lent as `borrowing`
    /// from the run's memory, a value is copied first, each string and array
    /// retained and released; moved out to the stack and back, its bytes are
    /// copied twice.)
    func lendEach(_ body: (inout Element) throws -> Void) rethrows {
        for slot in elements + taken ..< elements + count {
            try body(&slot.pointee)
        }
    }

    /// What `body` reads of the value at `index` (counted from the first
    /// stored), in place; `nil` when there is none there (past the last, or
    /// taken). It may run while ``lendEach(_:)`` lends another value.
    func peek<R>(_ index: Int, _ body: (UnsafePointer<Element>) -> R) -> R? {
        guard index >= taken && index < count else { return nil }
        return body(elements + index)
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

/// Room for runs of one size, kept when a run is freed for the next run made
/// from it: a run of decoded events takes about a megabyte, which the
/// allocator would map afresh for each run and give back to the system when
/// it is freed, every page faulting in again (a fifth of a replay's decoding
/// thread). Keeps at most ``kept`` runs' room; any thread may free a run.
final class RunRoom<Element>: @unchecked Sendable {
    /// Values each run has room for.
    let capacity: Int
    /// The room of runs freed, by address (a pointer is not `Sendable`).
    private let free = Mutex<[UInt]>([])

    /// Runs' room kept at most: what a ``ChunkPipe`` holds at once, with the
    /// run being filled and those being freed.
    static var kept: Int { 8 }

    /// Runs' room kept now, for the next runs.
    var keptCount: Int { free.withLock { $0.count } }

    init(capacity: Int) {
        self.capacity = capacity
    }

    deinit {
        for address in free.withLock({ $0 }) { Self.pointer(address).deallocate() }
    }

    /// Room for a run: kept room, or new.
    fileprivate func take() -> UnsafeMutablePointer<Element> {
        free.withLock { $0.popLast() }.map(Self.pointer) ?? .allocate(capacity: capacity)
    }

    /// Keeps a freed run's room (its values already freed), or frees it past ``kept``.
    fileprivate func give(_ elements: UnsafeMutablePointer<Element>) {
        let kept = free.withLock { free in
            guard free.count < Self.kept else { return false }
            free.append(UInt(bitPattern: elements))
            return true
        }
        if !kept { elements.deallocate() }
    }

    private static func pointer(_ address: UInt) -> UnsafeMutablePointer<Element> {
        UnsafeMutablePointer(bitPattern: address)!
    }
}
