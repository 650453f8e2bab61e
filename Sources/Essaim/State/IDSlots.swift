/// The slot of each id in a ``RecordCache``: an open-addressing table keyed by
/// a word-at-a-time hash of the id's UTF-8 bytes.
///
/// Folding looks ids up several times per event; Swift's `Dictionary` hashes a
/// `String` with SipHash (a seeded, per-call hasher), which showed as the
/// largest single cost of a replay. Ids here are short (10–40 bytes), so a
/// multiply–xor hash over 8-byte words is a few instructions, and the table
/// stores each slot's hash beside it so growing never hashes again. The seed is
/// random per process: crafted ids cannot make the fold quadratic, and nothing
/// written depends on the table's order (caches write their records sorted).
struct IDSlots {
    /// Per bucket: 0 when empty, else the id's 32-bit hash in the high half and
    /// its slot + 1 in the low half.
    private var buckets = [UInt64](repeating: 0, count: 16)
    /// The ids, by slot.
    private(set) var ids: [String] = []

    private static let seed: UInt64 = .random(in: 1 ... .max)

    var count: Int { ids.count }

    init() {}

    /// Room for `count` ids without growing.
    init(capacity count: Int) {
        var buckets = 16
        while buckets < count * 2 { buckets *= 2 }
        self.buckets = [UInt64](repeating: 0, count: buckets)
        ids.reserveCapacity(count)
    }

    /// The slot of `id`, or `nil`.
    func slot(of id: String) -> Int? {
        let hash = Self.hash(id)
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let bucket = buckets[index]
            if bucket == 0 { return nil }
            if UInt32(truncatingIfNeeded: bucket >> 32) == hash {
                let slot = Int(truncatingIfNeeded: bucket & 0xFFFF_FFFF) - 1
                if ids[slot] == id { return slot }
            }
            index = (index + 1) & mask
        }
    }

    /// Adds `id` (not present) in the next slot and returns that slot.
    mutating func insert(_ id: String) -> Int {
        if (ids.count + 1) * 2 > buckets.count { grow() }
        let slot = ids.count
        ids.append(id)
        place(hash: Self.hash(id), slot: slot)
        return slot
    }

    /// Forgets every id, keeping the table's capacity.
    mutating func removeAll() {
        guard !ids.isEmpty else { return }
        ids.removeAll(keepingCapacity: true)
        buckets.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    private mutating func place(hash: UInt32, slot: Int) {
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while buckets[index] != 0 { index = (index + 1) & mask }
        buckets[index] = UInt64(hash) << 32 | UInt64(slot + 1)
    }

    private mutating func grow() {
        let old = buckets
        buckets = [UInt64](repeating: 0, count: old.count * 2)
        for bucket in old where bucket != 0 {
            place(hash: UInt32(truncatingIfNeeded: bucket >> 32), slot: Int(truncatingIfNeeded: bucket & 0xFFFF_FFFF) - 1)
        }
    }

    /// A 32-bit hash of the id's UTF-8 bytes, eight at a time.
    static func hash(_ id: String) -> UInt32 {
        var h = seed
        let done: Void? = id.utf8.withContiguousStorageIfAvailable { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            var offset = 0
            while offset + 8 <= raw.count {
                h = mix(h ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                offset += 8
            }
            var tail: UInt64 = UInt64(raw.count)
            while offset < raw.count {
                tail = tail << 8 | UInt64(raw[offset])
                offset += 1
            }
            h = mix(h ^ tail)
        }
        if done == nil {
            for byte in id.utf8 { h = mix(h ^ UInt64(byte)) }
        }
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
            let slot: Int
            if let found = slots.slot(of: id) {
                slot = found
            } else {
                values.append(initial())
                slot = slots.insert(id)
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
