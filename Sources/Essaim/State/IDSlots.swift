import EssaimCSupport
#if canImport(Glibc)
import Glibc
#endif

/// Ids to slots numbered in the order added (an ``IDMap``'s values are kept by
/// slot): an open-addressing table keyed by a word-at-a-time hash of the id's
/// UTF-8 bytes. ``RecordCache`` keeps its ids beside its records over the same
/// ``SlotTable`` and hash.
///
/// Folding looks ids up several times per event; Swift's `Dictionary` hashes a
/// `String` with SipHash (a seeded, per-call hasher), which showed as the
/// largest single cost of a replay. Ids here are short (10–40 bytes), so a
/// multiply–xor hash over 8-byte words is a few instructions, and the table
/// stores each slot's hash beside it so growing never hashes again. The seed is
/// random per process: crafted ids cannot make the fold quadratic, and nothing
/// written depends on the table's order (caches write their records sorted).
struct IDSlots {
    private var table = SlotTable(maxLoad: 2)
    /// The ids, by slot.
    private(set) var ids: [String] = []

    /// Random per process, set before any Swift code runs (a static here
    /// would be read through `swift_once` at every hash).
    private static var seed: UInt64 { essaim_hash_seed_value() }

    var count: Int { ids.count }

    init() {}

    /// Room for `count` ids without growing.
    init(capacity count: Int) {
        table = SlotTable(capacity: count, maxLoad: 2)
        ids.reserveCapacity(count)
    }

    /// The slot of `id`, or `nil`.
    func slot(of id: String) -> Int? {
        slot(of: id, hash: Self.hash(id))
    }

    /// The slot of `id`, whose ``hash(_:)-(String)`` is `hash`, or `nil`: a miss
    /// followed by an ``insert(_:hash:)`` hashes the id once.
    func slot(of id: String, hash: UInt32) -> Int? {
        table.slot(hash: hash) { ids[$0] == id }
    }

    /// Adds `id` (not present) in the next slot and returns that slot.
    mutating func insert(_ id: String) -> Int {
        insert(id, hash: Self.hash(id))
    }

    /// Adds `id` (not present), whose hash is `hash`, in the next slot and returns that slot.
    mutating func insert(_ id: String, hash: UInt32) -> Int {
        let slot = ids.count
        table.insert(hash: hash, slot: slot)
        ids.append(id)
        return slot
    }

    /// Forgets every id, keeping the table's capacity.
    mutating func removeAll() {
        guard !ids.isEmpty else { return }
        ids.removeAll(keepingCapacity: true)
        table.removeAll()
    }

    /// A 32-bit hash of the id's UTF-8 bytes, eight at a time: the same as
    /// ``hash(_:)-(UnsafeRawBufferPointer)`` of those bytes.
    ///
    /// An id of up to 15 bytes (most are) is hashed from the string's own two
    /// words, in registers (``Swift/String/smallUTF8``); reaching its bytes
    /// through `utf8` took about 90 instructions, a twelfth of a replay's
    /// folding thread.
    static func hash(_ id: String) -> UInt32 {
        guard let (low, high, count) = id.smallUTF8 else { return id.withUTF8Bytes { hash($0) } }
        // The first 8 bytes, if there are as many, are the low word; the rest, the tail, in one word.
        let rest = count & 7
        let tail = rest == 0 ? 0 : (count >= 8 ? high : low) & (UInt64.max >> (64 - 8 * UInt64(rest)))
        return finish(count >= 8 ? mix(seed ^ low) : seed, tail: tail, count: count)
    }

    /// A 32-bit hash of `raw`, eight bytes at a time (seeded per process).
    /// The last 1 to 7 bytes are read in at most two loads, not one by one
    /// (ids are 10–40 bytes, so most have such a tail).
    static func hash(_ raw: UnsafeRawBufferPointer) -> UInt32 {
        var h = seed
        let count = raw.count
        var offset = 0
        while offset + 8 <= count {
            h = mix(h ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        // The tail, in order in one little-endian word, zero above.
        let rest = count - offset
        var tail: UInt64 = 0
        if rest >= 4 {
            // The first and last 4 bytes, overlapping when fewer than 8 are left.
            tail = UInt64(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                | UInt64(raw.loadUnaligned(fromByteOffset: offset + rest - 4, as: UInt32.self)) << (8 * UInt64(rest - 4))
        } else if rest > 0 {
            // The first, middle and last bytes cover every length from 1 to 3.
            tail = UInt64(raw[offset]) | UInt64(raw[offset + rest / 2]) << (8 * UInt64(rest / 2))
                | UInt64(raw[offset + rest - 1]) << (8 * UInt64(rest - 1))
        }
        return finish(h, tail: tail, count: count)
    }

    /// The hash of the words mixed so far, `h`, with the tail (at most 7
    /// bytes, so the count's top byte is its own) and the count.
    @inline(__always)
    private static func finish(_ h: UInt64, tail: UInt64, count: Int) -> UInt32 {
        let h = mix(h ^ tail ^ UInt64(truncatingIfNeeded: count) << 56)
        return UInt32(truncatingIfNeeded: h ^ h >> 32)
    }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        let m = x.multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
        return m.high ^ m.low
    }
}

/// A map from ids to values over ``IDSlots``: what the fold keeps per id
/// between write-backs (the reach's pending changes, a territory's ancestors,
/// an application's index in its cohort) without `Dictionary`'s SipHash.
struct IDMap<Value> {
    private var slots = IDSlots()
    private var values: [Value] = []

    init() {}

    /// Room for `count` ids without growing.
    init(capacity count: Int) {
        slots = IDSlots(capacity: count)
        values.reserveCapacity(count)
    }

    var count: Int { values.count }
    var isEmpty: Bool { values.isEmpty }

    subscript(id: String) -> Value? {
        slots.slot(of: id).map { values[$0] }
    }

    /// The value of `id`, added as `initial` when absent; changes happen in place.
    subscript(id: String, default initial: @autoclosure () -> Value) -> Value {
        get { slots.slot(of: id).map { values[$0] } ?? initial() }
        _modify {
            let hash = IDSlots.hash(id)
            let slot: Int
            if let found = slots.slot(of: id, hash: hash) {
                slot = found
            } else {
                values.append(initial())
                slot = slots.insert(id, hash: hash)
            }
            yield &values[slot]
        }
    }

    /// Adds `id` (absent) with `value`.
    mutating func insert(_ id: String, _ value: Value) {
        values.append(value)
        _ = slots.insert(id)
    }

    /// Calls `body` with each id and value, in the order they were added.
    func forEach(_ body: (String, Value) throws -> Void) rethrows {
        for (slot, id) in slots.ids.enumerated() { try body(id, values[slot]) }
    }

    /// Forgets every id, keeping the capacity.
    mutating func removeAll() {
        slots.removeAll()
        values.removeAll(keepingCapacity: true)
    }
}

/// Byte strings to slots numbered in the order added, like ``IDSlots`` but
/// over one buffer of the keys' bytes: no allocation per key, about the key's
/// length plus 12 bytes each (a large write holds hundreds of thousands).
struct ByteSlots {
    private var table = SlotTable(maxLoad: 3)
    /// Every key's bytes, in slot order.
    private var bytes: [UInt8] = []
    /// Per slot: where its key ends in `bytes` (it starts where the one before ends).
    private var ends: [UInt32] = []

    var count: Int { ends.count }

    init() {}

    /// Room for `keys` keys of `bytes` bytes in all without growing (growing
    /// copies the table and the bytes, both copies in memory meanwhile).
    init(keys: Int, bytes: Int) {
        table = SlotTable(capacity: keys, maxLoad: 3)
        self.bytes.reserveCapacity(bytes)
        ends.reserveCapacity(keys)
    }

    /// The slot of `key`, or `nil`.
    func slot(of key: UnsafeRawBufferPointer) -> Int? {
        slot(of: key, hash: IDSlots.hash(key))
    }

    /// The slot of `key`, whose ``IDSlots/hash(_:)-(UnsafeRawBufferPointer)``
    /// is `hash`, or `nil`: a miss followed by an ``insert(_:hash:)`` hashes
    /// the key once.
    func slot(of key: UnsafeRawBufferPointer, hash: UInt32) -> Int? {
        table.slot(hash: hash) { slot in
            withKey(slot) { $0.sameBytes(as: key) }
        }
    }

    /// Asks the processor to load the bucket a look-up of `hash` starts at
    /// (mutating: see ``SlotTable/prefetch(hash:)``).
    @inline(__always)
    mutating func prefetch(hash: UInt32) {
        table.prefetch(hash: hash)
    }

    /// Adds `key` (not present), whose hash is `hash`, in the next slot and returns that slot.
    mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt32) -> Int {
        let slot = ends.count
        table.insert(hash: hash, slot: slot)
        bytes.append(contentsOf: key)
        ends.append(UInt32(bytes.count))
        return slot
    }

    /// Calls `body` with the bytes of the key in `slot`.
    func withKey<R>(_ slot: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let start = slot == 0 ? 0 : Int(ends[slot - 1])
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start ..< Int(ends[slot])])) }
    }

    private struct Ordered: KeyOrdered {
        var prefix: UInt64 = 0
        let slot: Int
    }

    /// The slots in their keys' order (bytes compared as LMDB compares keys).
    func sortedSlots() -> [Int] {
        bytes.withUnsafeBytes { bytes in
            func key(_ slot: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: bytes[(slot == 0 ? 0 : Int(ends[slot - 1])) ..< Int(ends[slot])])
            }
            var order = (0 ..< count).map { Ordered(slot: $0) }
            sortInKeyOrder(&order) { key($0.slot) }
            return order.map(\.slot)
        }
    }

}

/// Slots by hash, for ``IDSlots``, ``ByteSlots`` and ``RecordCache`` (which keep the keys): an
/// open-addressing table that keeps each slot's 32-bit hash beside it, so a
/// probe compares keys only when the hashes match and growing never hashes again.
struct SlotTable {
    /// Per bucket: 0 when empty, else the hash in the high half and the slot + 1
    /// in the low half.
    private var buckets: [UInt64]
    private var count = 0
    /// Quarters of the buckets in use past which the table grows.
    private let maxLoad: Int

    /// Room for `capacity` slots without growing, growing past `maxLoad`
    /// quarters of its buckets in use.
    init(capacity: Int = 0, maxLoad: Int) {
        var buckets = 16
        while buckets * maxLoad < capacity * 4 { buckets *= 2 }
        self.buckets = [UInt64](repeating: 0, count: buckets)
        self.maxLoad = maxLoad
    }

    /// The slot filed under `hash` for which `matches` holds, or `nil`.
    @inline(__always)
    func slot(hash: UInt32, where matches: (Int) -> Bool) -> Int? {
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let bucket = buckets[index]
            if bucket == 0 { return nil }
            if UInt32(truncatingIfNeeded: bucket >> 32) == hash {
                let slot = Int(truncatingIfNeeded: bucket & 0xFFFF_FFFF) - 1
                if matches(slot) { return slot }
            }
            index = (index + 1) & mask
        }
    }

    /// Asks the processor to load the bucket a look-up of `hash` starts at.
    /// (Mutating, though it changes nothing, so that a table held by a class
    /// is used in place: read, it would be copied, its buckets retained and
    /// released, at each of the fold's prefetches.)
    @inline(__always)
    mutating func prefetch(hash: UInt32) {
        buckets.withUnsafeMutableBufferPointer { buckets in
            prefetchForWrite(buckets.baseAddress! + (Int(truncatingIfNeeded: hash) & (buckets.count - 1)), bytes: 1)
        }
    }

    /// The first slot filed under `hash`: the one a look-up of an id with that
    /// hash most likely finds (its key is not compared), or `nil`. (Mutating,
    /// though it changes nothing: see ``prefetch(hash:)``.)
    @inline(__always)
    mutating func firstSlot(hash: UInt32) -> Int? {
        slot(hash: hash) { _ in true }
    }

    /// Files `slot` (not filed yet) under `hash`.
    mutating func insert(hash: UInt32, slot: Int) {
        if (count + 1) * 4 > buckets.count * maxLoad { grow() }
        place(UInt64(hash) << 32 | UInt64(slot + 1))
        count += 1
    }

    /// Forgets every slot, keeping the capacity.
    mutating func removeAll() {
        buckets.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        count = 0
    }

    private mutating func place(_ bucket: UInt64) {
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: bucket >> 32) & mask
        while buckets[index] != 0 { index = (index + 1) & mask }
        buckets[index] = bucket
    }

    private mutating func grow() {
        let old = buckets
        buckets = [UInt64](repeating: 0, count: old.count * 2)
        for bucket in old where bucket != 0 { place(bucket) }
    }
}
