import EssaimCSupport

/// The ids a large write has filed but not yet put in the id index, and their
/// positions (``EventStore/Appender``): the index takes them at the end of the
/// write, sorted, each one appended.
///
/// A UUID is a random key: put one at a time, each lands on some page of the
/// index, far from the one before. On a 1 M-event import that was about a sixth
/// of the time, and left the index's pages two-thirds full.
///
/// An open-addressing table over the entries finds an id held here; the seed is
/// random per process, so crafted ids cannot make it quadratic.
struct PendingIDs {
    private struct Entry {
        var high: UInt64
        var low: UInt64
        var position: UInt64
    }

    private var entries: [Entry] = []
    /// Per bucket: 0 when empty, else the entry's index + 1.
    private var buckets = [UInt32](repeating: 0, count: 1 << 12)
    /// The process's seed, as ``IDSlots``'s (read without `swift_once`).
    private static var seed: UInt64 { essaim_hash_seed_value() }

    var count: Int { entries.count }

    /// Room for `capacity` ids: reserved at once so that the entries never move
    /// while they grow (the pages not written yet take no memory).
    init(capacity: Int) {
        entries.reserveCapacity(capacity)
    }

    /// The position filed for `id` in this write, or `nil`.
    func position(of id: EventID) -> UInt64? {
        let (high, low) = id.halves
        let mask = buckets.count - 1
        var index = Self.hash(high, low) & mask
        while true {
            let bucket = buckets[index]
            if bucket == 0 { return nil }
            let entry = entries[Int(bucket) - 1]
            if entry.high == high && entry.low == low { return entry.position }
            index = (index + 1) & mask
        }
    }

    /// Asks the processor to load the bucket a look-up of `id` starts at (a
    /// table of a million ids is several MB: each look-up would wait on memory).
    /// Mutating, though it changes nothing, so that the table is used in place.
    @inline(__always)
    mutating func prefetch(_ id: EventID) {
        let (high, low) = id.halves
        buckets.withUnsafeMutableBufferPointer { buckets in
            prefetchForWrite(buckets.baseAddress! + (Self.hash(high, low) & (buckets.count - 1)), bytes: 1)
        }
    }

    /// Holds `id` (not held yet) at `position`.
    mutating func add(_ id: EventID, at position: UInt64) {
        if (entries.count + 1) * 2 > buckets.count { grow() }
        let (high, low) = id.halves
        entries.append(Entry(high: high, low: low, position: position))
        place(entries.count - 1)
    }

    /// Sorts the ids in the index's order (their bytes, high half first), then
    /// calls `body` with each one and its position; call it last, as
    /// ``position(of:)`` no longer finds them after.
    ///
    /// The ids are dealt into buckets by their first bits (about one bucket
    /// an id, 65,536 at most), then each bucket is sorted: random ids
    /// (version 4) spread evenly, a few to a bucket, and the whole takes
    /// linear time (the merge sort of 200,000 took 121 M instructions, this
    /// about 9 M); ids that share their first bits (time-ordered ones)
    /// fall into few buckets, sorted as a whole would be. The ids are dealt
    /// in place, each swapped straight into its bucket (an "American flag"
    /// pass): no room but the buckets' bounds (a copy of the ids took 21 MiB
    /// more at the peak of a 5 M import than the merge sort's buffer).
    mutating func sortedForEach(_ body: (EventID, UInt64) throws -> Void) rethrows {
        let bits = max(1, min(16, Int.bitWidth - entries.count.leadingZeroBitCount))
        func bucket(_ entry: Entry) -> Int { Int(truncatingIfNeeded: entry.high >> UInt64(64 - bits)) }
        var starts = [Int](repeating: 0, count: (1 << bits) + 1)
        for entry in entries { starts[bucket(entry) + 1] += 1 }
        for index in 1 ..< starts.count { starts[index] += starts[index - 1] }
        entries.withUnsafeMutableBufferPointer { entries in
            // `next[b]`: the first place of bucket `b` not yet holding one of its own.
            var next = starts
            for current in 0 ..< starts.count - 1 {
                while next[current] < starts[current + 1] {
                    let home = bucket(entries[next[current]])
                    if home == current {
                        next[current] += 1
                    } else {
                        entries.swapAt(next[current], next[home])
                        next[home] += 1
                    }
                }
            }
            for index in 0 ..< starts.count - 1 where starts[index + 1] - starts[index] > 1 {
                entries[starts[index] ..< starts[index + 1]].sort { ($0.high, $0.low) < ($1.high, $1.low) }
            }
        }
        for entry in entries { try body(EventID(high: entry.high, low: entry.low), entry.position) }
    }

    private mutating func place(_ entry: Int) {
        let mask = buckets.count - 1
        var index = Self.hash(entries[entry].high, entries[entry].low) & mask
        while buckets[index] != 0 { index = (index + 1) & mask }
        buckets[index] = UInt32(entry + 1)
    }

    private mutating func grow() {
        buckets = [UInt32](repeating: 0, count: buckets.count * 2)
        for entry in entries.indices { place(entry) }
    }

    static func hash(_ high: UInt64, _ low: UInt64) -> Int {
        let m = (high ^ seed).multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
        let n = (m.high ^ m.low ^ low).multipliedFullWidth(by: 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: n.high ^ n.low)
    }
}

/// The ids a write has put in the id index from those it held
/// (``EventStore/Appender``), as a Bloom filter: an id it says is absent is not
/// in the index, so a new id, nearly every one, is not searched for there.
///
/// Past its first batch of held ids, a large import searched the index for
/// every id it claimed: a walk down a B-tree of millions of random keys, whose
/// pages are seldom in the processor's caches. Four bits of one 64-bit word per
/// id (one memory access), 8 to 16 bits per id expected: between one new id
/// in 40 and one in 400 is still searched for.
struct IDFilter {
    private var words: [UInt64]

    /// Room for about `capacity` ids; more only raise the share searched.
    init(capacity: Int) {
        let wanted = max(capacity / 8, 64)
        words = [UInt64](repeating: 0, count: 1 << (Int.bitWidth - (wanted - 1).leadingZeroBitCount))
    }

    /// Whether `id` may have been inserted (`false`: it was not).
    func mayContain(_ id: EventID) -> Bool {
        let (word, bits) = probe(id)
        return words[word] & bits == bits
    }

    /// Adds `id`: ``mayContain(_:)`` is `true` for it from now on.
    mutating func insert(_ id: EventID) {
        let (word, bits) = probe(id)
        words[word] |= bits
    }

    /// The word (from the hash's low bits) and its four bits (from its top 24).
    private func probe(_ id: EventID) -> (word: Int, bits: UInt64) {
        let (high, low) = id.halves
        let hash = UInt64(truncatingIfNeeded: PendingIDs.hash(high, low))
        var bits: UInt64 = 0
        for shift in stride(from: 40, to: 64, by: 6) { bits |= 1 << (hash >> UInt64(shift) & 63) }
        return (Int(truncatingIfNeeded: hash) & (words.count - 1), bits)
    }
}
