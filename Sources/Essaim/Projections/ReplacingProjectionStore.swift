/// A read model rebuilt over its own table rather than into an emptied one:
/// the fold sees the table as empty, and each record it writes is compared
/// with the one the table holds and written only where they differ.
///
/// A replay of a ledger whose read models are what its log gives then
/// changes no page. LMDB cannot reuse, in the transaction that freed them,
/// the pages of a table emptied whole: a replay that wrote every record anew
/// left the ledger larger by a copy of its read models (1 M events: 297 →
/// 388 bytes per event), and its commit wrote them all out again.
///
/// A fold from scratch writes back several times (``Entities`` bounds its
/// caches), and a record written back early may change again: until the
/// last write-back (``lastPassBegins()``), a value that differs from the
/// table's is held here, not written, so that a record which ends as the
/// table has it leaves its page alone. Past ``heldLimit`` bytes held, values
/// go to the table. The keys written before the last write-back are kept
/// (``ByteSlots``): the fold's look-ups find those, and a key it did not
/// write reads as absent, whatever the table holds.
///
/// The keys kept take about 30 bytes each with their table: a table of more
/// than ``maxKeys`` keys is rebuilt emptied instead, in memory bounded
/// however large the ledger.
///
/// ``finish()`` tells whether the table holds keys the fold did not write
/// (a read model changed by hand, or records the fold no longer makes); the
/// caller then empties the table and folds again into it.
final class ReplacingProjectionStore: ProjectionStore, BatchWritingStore {
    let base: LMDBProjectionStore
    // Touched for every record written back and every look-up of the fold,
    // so without the runtime's exclusivity checks: no method reaches back
    // into the store while it changes them.
    /// Keys written before the last write-back (by a write-back or ``set(_:for:)``).
    @exclusivity(unchecked) private var written: ByteSlots
    /// Keys whose value, written before the last write-back, differed from the table's.
    @exclusivity(unchecked) private var heldKeys = ByteSlots()
    /// By slot of `heldKeys`: the latest value written.
    @exclusivity(unchecked) private var heldValues: [[UInt8]] = []
    private var heldBytes = 0
    /// Bytes held (keys, values and their overhead) past which values are
    /// written to the table.
    let heldLimit: Int
    /// Whether the last write-back has begun.
    private var lastPass = false
    /// Keys written, each counted once.
    private var distinct = 0
    /// Records written found equal to the table's, and records put into it
    /// (at most once each, for those held).
    private(set) var unchanged = 0, replaced = 0

    /// Keys a table may hold to be rebuilt over (a 1 M-event ledger's read
    /// models hold about 740,000): at most about 30 MiB of keys kept.
    static let maxKeys = 1_000_000

    /// Rebuilds the read model in `base`'s table, whatever it holds now,
    /// with room for `keys` keys written before the last write-back.
    init(_ base: LMDBProjectionStore, keys: Int = Entities.rebuildBound, heldLimit: Int = 16 << 20) {
        self.base = base
        written = ByteSlots(keys: keys, bytes: keys * 16)
        self.heldLimit = heldLimit
    }

    func value(for key: [UInt8]) throws -> [UInt8]? {
        let (held, known) = key.withUnsafeBytes { key -> ([UInt8]?, Bool) in
            let hash = IDSlots.hash(key)
            if let slot = heldKeys.slot(of: key, hash: hash) { return (heldValues[slot], true) }
            return (nil, written.slot(of: key, hash: hash) != nil)
        }
        if let held { return held }
        return known ? try base.value(for: key) : nil
    }

    func set(_ value: [UInt8], for key: [UInt8]) throws {
        try base.txn.withCursor(base.table) { cursor in
            try key.withUnsafeBytes { key in try value.withUnsafeBytes { value in try store(key, value, cursor) } }
        }
    }

    /// The table's entries the fold wrote, with the values held in their place.
    func entries(withPrefix prefix: [UInt8]) throws -> [(key: [UInt8], value: [UInt8])] {
        var merged: [[UInt8]: [UInt8]] = [:]
        for entry in try base.entries(withPrefix: prefix) where entry.key.withUnsafeBytes({ written.slot(of: $0) != nil }) {
            merged[entry.key] = entry.value
        }
        for slot in 0 ..< heldKeys.count {
            let key = heldKeys.withKey(slot) { Array($0) }
            if key.starts(with: prefix) { merged[key] = heldValues[slot] }
        }
        return merged.map { (key: $0.key, value: $0.value) }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// Each record is found and compared where it lies, in whatever order.
    var takesBatchesInAnyOrder: Bool { true }

    /// Writes a write-back's batch: each record compared with the table's.
    func write(_ batch: consuming ProjectionWriteBatch) throws {
        guard batch.count > 0 else { return }
        var batch = batch
        try base.txn.withCursor(base.table) { cursor in
            var done = 0
            // The keys' buckets asked for ahead: the keys kept are too many to stay in the processor's caches.
            try batch.forEachSorted(ahead: 8, upcoming: { key, _, far in
                guard !far else { return }
                let hash = IDSlots.hash(key)
                heldKeys.prefetch(hash: hash)
                written.prefetch(hash: hash)
            }) { key, value in
                try store(key, value, cursor)
                done += 1
                // The table's pages read to compare: let go of them as a write-back does.
                if done % LMDBProjectionStore.releaseEvery == 0 { base.txn.releaseMappedPages() }
            }
        }
    }

    /// The write-backs to come are the fold's last: what they write differing
    /// from the table goes to it, and their keys are not kept.
    func lastPassBegins() {
        lastPass = true
    }

    /// Writes the values held that differ from the table's. Returns `false`
    /// when the table holds keys the fold did not write.
    func finish() throws -> Bool {
        // No look-up follows: the keys kept go before the values held are written.
        written = ByteSlots()
        try base.txn.withCursor(base.table) { cursor in
            for slot in heldKeys.sortedSlots() {
                try heldKeys.withKey(slot) { key in
                    try heldValues[slot].withUnsafeBytes { value in try replace(key, value, cursor) }
                }
            }
        }
        heldKeys = ByteSlots()
        heldValues = []
        // Every key written is in the table: any more were not written.
        return try base.txn.count(base.table) == distinct
    }

    private func store(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ cursor: Cursor) throws {
        let hash = IDSlots.hash(key)
        if let slot = heldKeys.slot(of: key, hash: hash) {
            heldValues[slot] = Array(value)
            return
        }
        let known = written.slot(of: key, hash: hash) != nil
        if !known {
            distinct += 1
            if !lastPass { _ = written.insert(key, hash: hash) }
        }
        if lastPass || heldBytes >= heldLimit { return try replace(key, value, cursor) }
        if try !isStored(key, value, cursor) {
            _ = heldKeys.insert(key, hash: hash)
            heldValues.append(Array(value))
            // With what each value takes besides its bytes: its array, its slot.
            heldBytes += key.count + value.count + 64
        }
    }

    /// Puts `value` under `key` unless the table holds it already.
    private func replace(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ cursor: Cursor) throws {
        guard try !isStored(key, value, cursor) else { return }
        try cursor.put(key, value, append: false)
        replaced += 1
    }

    /// Whether the table holds `value` under `key` (counted as unchanged).
    /// Each cursor is asked for keys in ascending order (a batch's, the
    /// values held), which it mostly finds by stepping from the one before.
    private func isStored(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ cursor: Cursor) throws -> Bool {
        guard let stored = try cursor.find(ascending: key), stored.value.sameBytes(as: value) else { return false }
        unchanged += 1
        return true
    }
}
