/// The stream index entries a large write has filed but not yet put in the
/// index, and each named stream's record count (``EventStore/Appender``): the
/// index takes them at the end of the write, in key order, each one appended.
///
/// Consecutive events fall in unrelated streams (an application's, then a
/// cohort's, then a company's), so entries put one at a time land on pages far
/// apart, each put after a search for the stream's version: on a 1 M-event
/// import, the index's pages ended about two-thirds full (34 bytes per event,
/// 25 appended in key order).
///
/// The streams' names are kept in a ``ByteSlots`` table (one buffer, seeded
/// hash); the records are held as their streams' slots, in position order.
struct PendingStreams {
    /// The names of the streams the write named, by slot.
    private var slots = ByteSlots()
    /// By slot: the stream's records so far, stored before the write and held
    /// (the version its next record takes).
    private var records: [UInt32] = []
    /// By record held, in position order from ``first``: its stream's slot.
    private var streamOf: [UInt32] = []
    /// The position of the first record held.
    let first: UInt64

    /// Holds records from position `first` on, about `capacity` of them (the
    /// room is reserved at once, so it never moves while it grows).
    init(from first: UInt64, capacity: Int) {
        self.first = first
        streamOf.reserveCapacity(capacity)
    }

    /// Streams named.
    var streamCount: Int { slots.count }

    /// Names `stream`, which has `count` records in the index: every stream
    /// the index has is named so, before any record is held.
    mutating func load(_ stream: String, records count: Int) {
        precondition(streamOf.isEmpty, "streams are loaded before records are held")
        records[slot(of: stream).slot] = UInt32(count)
    }

    /// The slot of `stream` and its records so far (none for a stream neither
    /// loaded nor named yet).
    mutating func slot(of stream: String) -> (slot: Int, records: UInt64) {
        stream.withUTF8Bytes { name in
            let hash = IDSlots.hash(name)
            if let found = slots.slot(of: name, hash: hash) { return (found, UInt64(records[found])) }
            records.append(0)
            return (slots.insert(name, hash: hash), 0)
        }
    }

    /// The records of `stream` so far, or `nil` when the write has not named it.
    func records(of stream: String) -> UInt64? {
        stream.withUTF8Bytes { slots.slot(of: $0) }.map { UInt64(records[$0]) }
    }

    /// The positions held for `stream`, in order.
    func positions(of stream: String) -> [UInt64] {
        guard let slot = stream.withUTF8Bytes({ slots.slot(of: $0) }).map({ UInt32($0) }) else { return [] }
        return streamOf.indices.filter { streamOf[$0] == slot }.map { first + UInt64($0) }
    }

    /// Files the record at `position`, the next one, in the stream at `slot`
    /// (from ``slot(of:)``).
    mutating func add(_ slot: Int, at position: UInt64) {
        precondition(position == first + UInt64(streamOf.count), "stream entries are held in position order")
        streamOf.append(UInt32(slot))
        records[slot] += 1
    }

    /// Calls `body` with each stream named and its positions held, in order
    /// (the slots grouped by a counting sort: no allocation per stream).
    func forEachStream(_ body: (String, ArraySlice<UInt64>) throws -> Void) rethrows {
        var ends = [Int](repeating: 0, count: slots.count)
        for slot in streamOf { ends[Int(slot)] += 1 }
        var total = 0
        for slot in ends.indices {
            total += ends[slot]
            ends[slot] = total
        }
        var positions = [UInt64](repeating: 0, count: streamOf.count)
        // Backwards, each slot's run is filled from its end: the positions come out ascending.
        for index in streamOf.indices.reversed() {
            let slot = Int(streamOf[index])
            ends[slot] -= 1
            positions[ends[slot]] = first + UInt64(index)
        }
        // `ends` now holds each slot's start.
        for slot in 0 ..< slots.count {
            let name = slots.withKey(slot) { String(decoding: $0, as: UTF8.self) }
            try body(name, positions[ends[slot] ..< (slot + 1 < ends.count ? ends[slot + 1] : positions.count)])
        }
    }
}
