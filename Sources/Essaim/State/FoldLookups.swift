import EssaimCSupport

/// The records each event of a decoded run will be looked up by first when it
/// is folded, as record kind and id hash, found on the decoding thread.
///
/// A replay's fold waits on memory more than it computes: a look-up in a cache
/// of hundreds of thousands of records misses the processor's caches twice,
/// once for the table's bucket and once for the entry. Knowing the ids ahead,
/// the fold asks for the buckets some events before it reaches them, and for
/// the entries they point to a few events later (``Entities/prefetch(_:at:stride:)``),
/// so that both are in cache when the event's own look-up runs.
struct FoldLookups {
    /// Per event: where its look-ups end in `lookups` (they start where the previous event's end).
    private var ends: [UInt32] = []
    /// The record kind in the high half, the id's ``IDSlots/hash(_:)-(String)`` in the low half.
    private var lookups: [UInt64] = []

    /// Events between two calls of ``Entities/prefetch(_:at:stride:)`` in a
    /// fold's loop, and how far ahead of the event folded it asks.
    static let stride = 8

    init(capacity: Int) {
        ends.reserveCapacity(capacity)
        lookups.reserveCapacity(capacity * 2)
    }

    /// The events added.
    var count: Int { ends.count }

    /// Adds the look-ups of the next event.
    mutating func add(_ event: DomainEvent) {
        event.forEachFirstLookup { kind, id in
            lookups.append(UInt64(kind.rawValue) << 32 | UInt64(IDSlots.hash(id)))
        }
        ends.append(UInt32(lookups.count))
    }

    /// Calls `body` with the kind and id hash of each look-up of the events
    /// in `events` (those past the last are ignored).
    @inline(__always)
    func forEach(in events: Range<Int>, _ body: (RecordKind, UInt32) -> Void) {
        let events = events.clamped(to: 0 ..< ends.count)
        guard !events.isEmpty else { return }
        let start = events.lowerBound == 0 ? 0 : Int(ends[events.lowerBound - 1]), end = Int(ends[events.upperBound - 1])
        lookups.withUnsafeBufferPointer { lookups in
            for lookup in lookups[start ..< end] {
                body(RecordKind(UInt8(truncatingIfNeeded: lookup >> 32)), UInt32(truncatingIfNeeded: lookup))
            }
        }
    }
}

extension DomainEvent {
    /// Calls `body` with the kind and id of each record its fold looks up
    /// among many (applications, companies, mentorships); the few programs,
    /// cohorts and networks stay in the processor's caches anyway.
    func forEachFirstLookup(_ body: (RecordKind, String) -> Void) {
        switch self {
        case let .applicationSubmitted(e):
            body(.application, e.application)
            body(.company, e.company.id)
        case let .candidateSelected(e): body(.application, e.application)
        case let .candidateRejected(e): body(.application, e.application)
        case let .candidateWaitlisted(e): body(.application, e.application)
        case let .participantWithdrew(e): body(.application, e.application)
        case let .outcomeRecorded(e): body(.application, e.application)
        case let .followUpRecorded(e): body(.application, e.application)
        case let .sessionHeld(e): for attendee in e.attendees { body(.application, attendee) }
        case let .mentoringSessionHeld(e): body(.mentorship, e.mentorship)
        case let .mentorshipEnded(e): body(.mentorship, e.mentorship)
        case let .memberJoined(e): body(.company, e.company.id)
        case let .memberLeft(e): body(.company, e.company)
        case let .companyClosed(e): body(.company, e.company)
        default: break
        }
    }
}

/// Asks the processor to load the cache lines of the `bytes` at `address`,
/// for a write soon: a hint, never a fault.
@inline(__always)
func prefetchForWrite(_ address: UnsafeRawPointer, bytes: Int) {
    let first = Int(bitPattern: address) & ~63, end = Int(bitPattern: address) + bytes
    for line in stride(from: first, to: end, by: 64) { essaim_prefetch_for_write(UnsafeRawPointer(bitPattern: line)) }
}

/// Asks the processor to load, for a write soon, the header of `array`'s
/// storage (where a copy changes the reference count) and its first
/// elements: a hint, never a fault.
@inline(__always)
func prefetchElements<Element>(_ array: [Element]) {
    array.withUnsafeBufferPointer { elements in
        guard let base = elements.baseAddress else { return }
        let header = 32
        prefetchForWrite(UnsafeRawPointer(base) - header,
                         bytes: header + min(elements.count * MemoryLayout<Element>.stride, 96))
    }
}

/// Asks the processor to load the first bytes of `text` when they lie
/// outside the string itself (more than 15 bytes of UTF-8): a hint.
@inline(__always)
func prefetchText(_ text: String) {
    // A small string's bytes are in the string: `utf8` would copy them out to ask for the copy.
    guard text.smallUTF8 == nil else { return }
    _ = text.utf8.withContiguousStorageIfAvailable { bytes in
        if let base = bytes.baseAddress { essaim_prefetch_for_write(base) }
    }
}
