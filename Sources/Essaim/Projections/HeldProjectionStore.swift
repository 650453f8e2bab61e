/// The built-in read models of a write into their empty table (a new ledger's
/// first import), held in memory until the write ends, then written in key
/// order, each record appended: the table's pages come out full.
///
/// A large write writes its records back several times (``Entities`` bounds its
/// caches). Into LMDB, every write-back after the first inserts its keys among
/// the earlier ones; each insert into a full page splits it in the middle, and
/// on a 1 M-event import the table ended two-thirds full (92 bytes per event,
/// 59 with full pages). Here each key is kept once (``ByteSlots``) and each
/// value written back is copied into one buffer, the key's slot pointing to
/// its latest, for the fold's later look-ups: over the key's earlier value
/// when it fits there, else at the end (a 1 M-event import: 61 MB of values
/// held for 41 MB of latest values, 71 MB when every value went to the end).
/// ``flush()`` writes every key with its latest value, sorted.
///
/// Past ``limit`` bytes held, everything held is written (appended into the
/// empty table) and later writes go straight to the table: memory stays bounded
/// however large the write.
final class HeldProjectionStore: ProjectionStore {
    let base: LMDBProjectionStore
    /// Bytes held (keys and values) past which they are written.
    let limit: Int
    // Touched for every record a write-back holds and every look-up of the
    // fold, so without the runtime's exclusivity checks (1.4 % of an import's
    // appending thread): no method reaches back into the store while it
    // changes them.
    @exclusivity(unchecked) private var keys = ByteSlots()
    /// Every value written, one after the other.
    @exclusivity(unchecked) private var values: [UInt8] = []
    /// By key slot: where its latest value starts in `values`, and where it ends.
    @exclusivity(unchecked) private var latest: [(start: UInt32, end: UInt32)] = []
    @exclusivity(unchecked) private var keyBytes = 0
    /// Whether writes are still held: until ``limit`` is passed.
    private(set) var isHolding = true

    /// Holds the writes into `base`, which should be empty, up to `limit` bytes.
    init(_ base: LMDBProjectionStore, limit: Int = HeldProjectionStore.defaultLimit) {
        self.base = base
        self.limit = limit
    }

    /// 96 MiB: a 1 M-event import (9 MB of keys, 61 MB of values, the
    /// earlier values of records written back again that did not fit in
    /// place included, and 24 MB for the 741,000 keys' places) fits; a
    /// larger one is written at the bound, then goes on as into any table.
    static let defaultLimit = 96 << 20

    func value(for key: [UInt8]) throws -> [UInt8]? {
        if let slot = key.withUnsafeBytes({ keys.slot(of: $0) }) { return Array(values[Int(latest[slot].start) ..< Int(latest[slot].end)]) }
        return try base.value(for: key)
    }

    func set(_ value: [UInt8], for key: [UInt8]) throws {
        try stopHolding(past: key.count + value.count)
        guard isHolding else { return try base.set(value, for: key) }
        key.withUnsafeBytes { key in value.withUnsafeBytes { add(key, $0) } }
    }

    /// Every entry under `prefix`: the table's, with those held in their place
    /// (for completeness; a write's fold only looks keys up).
    func entries(withPrefix prefix: [UInt8]) throws -> [(key: [UInt8], value: [UInt8])] {
        var merged: [[UInt8]: [UInt8]] = [:]
        for entry in try base.entries(withPrefix: prefix) { merged[entry.key] = entry.value }
        for slot in 0 ..< keys.count {
            let key = keys.withKey(slot) { Array($0) }
            if key.starts(with: prefix) { merged[key] = Array(values[Int(latest[slot].start) ..< Int(latest[slot].end)]) }
        }
        return merged.map { (key: $0.key, value: $0.value) }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// Holds a write-back's records (or writes them, once past the limit).
    func write(_ batch: consuming ProjectionWriteBatch) throws {
        try stopHolding(past: batch.byteCount)
        guard isHolding else { return try base.write(batch) }
        var batch = batch
        batch.forEachSorted { key, value in add(key, value) }
    }

    /// Writes every key held with its latest value, in key order, and lets go of them.
    func flush() throws {
        guard keys.count > 0 else { return }
        try values.withUnsafeBytes { values in
            try base.write(inKeyOrder: { put in
                for slot in keys.sortedSlots() {
                    try keys.withKey(slot) { key in
                        try put(key, UnsafeRawBufferPointer(rebasing: values[Int(latest[slot].start) ..< Int(latest[slot].end)]))
                    }
                }
            })
        }
        keys = ByteSlots()
        values = []
        latest = []
        keyBytes = 0
    }

    /// Writes what is held and holds nothing more when `bytes` more would pass
    /// the limit (what is held is older than what comes).
    private func stopHolding(past bytes: Int) throws {
        guard isHolding, heldBytes + bytes > limit else { return }
        try flush()
        isHolding = false
    }

    private func add(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        // Reserved at once: grown by doubling, the buffer would be copied,
        // both copies in memory meanwhile (the pages not written yet take none).
        if values.capacity == 0 { values.reserveCapacity(limit) }
        let hash = IDSlots.hash(key)
        guard let slot = keys.slot(of: key, hash: hash) else {
            _ = keys.insert(key, hash: hash)
            latest.append(append(value))
            keyBytes += key.count
            return
        }
        let start = latest[slot].start
        guard value.count <= Int(latest[slot].end - start) else { return latest[slot] = append(value) }
        // Over the earlier value, which no look-up reads again (an import
        // writes most records back several times, a cohort's growing, a
        // reach's or a program's not).
        values.withUnsafeMutableBytes { values in
            UnsafeMutableRawBufferPointer(rebasing: values[Int(start)...]).copyMemory(from: value)
        }
        latest[slot].end = start + UInt32(value.count)
    }

    /// Copies `value` to the end of the buffer; returns where it lies.
    private func append(_ value: UnsafeRawBufferPointer) -> (start: UInt32, end: UInt32) {
        let start = UInt32(values.count)
        values.append(contentsOf: value)
        return (start, UInt32(values.count))
    }

    /// Bytes held: keys and values, earlier values not written over
    /// included, and ``perKeyOverhead`` for each key.
    var heldBytes: Int { keyBytes + values.count + keys.count * Self.perKeyOverhead }

    /// What each key held takes besides its bytes and its value's: its
    /// value's place (8 bytes), where it ends (4) and its share of the hash
    /// table (11 to 21). Not counted, a 5 M-event import, its values
    /// written over in place, held more keys before the limit: a peak of
    /// private memory of 276 MiB, 257 counted.
    static let perKeyOverhead = 32
}
