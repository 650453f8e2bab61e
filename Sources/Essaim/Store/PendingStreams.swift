/// The stream index entries a large write has filed but not yet put in the
/// index, and each named stream's record count (``EventStore/Appender``): the
/// index takes them at the end of the write (or of a batch of a write too
/// large to hold them all), in key order.
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
    /// Whether every stream the index has is named here (``load(_:records:)``),
    /// so that a stream not named has no records: the write's first batch.
    /// Later batches read a stream's count from the index when they first
    /// name it.
    let loaded: Bool

    /// Holds records from position `first` on, about `capacity` of them (the
    /// room is reserved at once, so it never moves while it grows).
    init(from first: UInt64, capacity: Int, loaded: Bool) {
        self.first = first
        self.loaded = loaded
        streamOf.reserveCapacity(capacity)
    }

    /// Streams named.
    var streamCount: Int { slots.count }

    /// Names `stream`, which has `count` records in the index: every stream
    /// the index has is named so, before any record is held.
    mutating func load(_ stream: String, records count: Int) {
        precondition(loaded && streamOf.isEmpty, "streams are loaded before records are held")
        records[slot(of: stream) { 0 }.slot] = UInt32(count)
    }

    /// The slot of `stream` and its records so far. A stream not named yet
    /// has none when every stream of the index is ``loaded``; else `stored`
    /// (its records in the index) is called once.
    mutating func slot(of stream: String, stored: () throws -> UInt64) rethrows -> (slot: Int, records: UInt64) {
        try stream.withUTF8Bytes { name in
            let hash = IDSlots.hash(name)
            if let found = slots.slot(of: name, hash: hash) { return (found, UInt64(records[found])) }
            let count = loaded ? 0 : try stored()
            records.append(UInt32(count))
            return (slots.insert(name, hash: hash), count)
        }
    }

    /// Asks the processor to load the bucket a look-up of the stream whose
    /// name's ``IDSlots/hash(_:)-(String)`` is `hash` starts at.
    mutating func prefetch(hash: UInt32) {
        slots.prefetch(hash: hash)
    }

    /// The records of `stream` so far, or `nil` when this batch has not named it.
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
