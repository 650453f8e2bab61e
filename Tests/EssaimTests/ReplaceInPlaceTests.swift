import Testing
@testable import Essaim

/// A replay rebuilds the built-in read models over their table
/// (`ReplacingProjectionStore`): records equal to the table's are left
/// alone, the others put back, and keys the fold does not write removed.
@Suite struct ReplaceInPlaceTests {
    struct Rollback: Error {}

    func readModels(_ t: TemporaryLedger) throws -> [(key: [UInt8], value: [UInt8])] {
        try t.ledger.read { txn in try t.ledger.projections.store(for: ReadModelsProjection(), txn).entries(withPrefix: []) }
    }

    /// A ledger of `events` generated events, imported (all must be appended).
    func imported(_ events: Int, seed: UInt64) throws -> TemporaryLedger {
        let t = try TemporaryLedger()
        #expect(try t.importWorkload(events: events, seed: seed).appended == events)
        return t
    }

    /// Pages the built-in read models' table takes.
    func tablePages(_ t: TemporaryLedger) throws -> Int {
        try t.ledger.read { txn in try txn.size(of: t.ledger.projections.store(for: ReadModelsProjection(), txn).table).pages }
    }

    func same(_ a: [(key: [UInt8], value: [UInt8])], _ b: [(key: [UInt8], value: [UInt8])]) -> Bool {
        a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
    }

    @Test("a replay that changes nothing leaves the read models' pages as they were: the ledger does not grow")
    func unchangedReplayKeepsPages() throws {
        let t = try imported(5_000, seed: 11)
        let before = try readModels(t)
        let tablePages = try tablePages(t)
        let used = t.ledger.environment.usedBytes
        for _ in 0 ..< 3 { #expect(try t.ledger.replay() == 5_000) }
        #expect(same(try readModels(t), before))
        // The checkpoint and the meta pages change; a table written anew would add its pages again each time.
        let grown = (t.ledger.environment.usedBytes - used) / 4_096
        #expect(grown <= 6, "grew by \(grown) pages; the table has \(tablePages)")
        #expect(tablePages > 20)
        #expect(try t.ledger.verify().passed)
    }

    @Test("read models of more keys than the limit are rebuilt into their table emptied: the same records, the table written anew")
    func largeTableRebuiltEmptied() throws {
        let t = try imported(3_000, seed: 14)
        let before = try readModels(t)
        func rebuild(upTo limit: Int) throws -> Int {
            let used = t.ledger.environment.usedBytes
            try t.ledger.write { txn in
                try t.ledger.projections.rebuild([ReadModelsProjection()], log: t.ledger.log(txn), fromScratch: true, txn,
                                                 replacingUpTo: limit)
            }
            #expect(same(try readModels(t), before))
            return t.ledger.environment.usedBytes - used
        }
        let tablePages = try tablePages(t)
        // Written anew, the table's pages are added again (the old ones free only once it commits).
        #expect(try rebuild(upTo: before.count - 1) >= tablePages * 4_096)
        #expect(try rebuild(upTo: before.count) <= 6 * 4_096)
        #expect(try t.ledger.verify().passed)
    }

    @Test("a replay over read models changed by hand puts back each changed or missing record and removes the keys the fold does not write")
    func replayRepairsTable() throws {
        let t = try imported(3_000, seed: 12)
        let before = try readModels(t)
        let changed = before[before.count / 3].key, missing = before[before.count / 2].key
        try t.ledger.environment.write { txn in
            let store = t.ledger.projections.store(for: ReadModelsProjection(), txn)
            try store.set([0x01, 0x02], for: changed)
            #expect(try txn.delete(store.table, missing))
        }
        #expect(!(try t.ledger.verify().passed))
        try t.ledger.replay()
        #expect(same(try readModels(t), before))

        // A key the fold never writes: the table is emptied and folded into again.
        try t.ledger.environment.write { txn in
            try t.ledger.projections.store(for: ReadModelsProjection(), txn).set([0x00], for: RecordKind.cohort.key("ghost"))
        }
        try t.ledger.replay()
        #expect(same(try readModels(t), before))
        #expect(try t.ledger.verify().passed)
    }

    @Test("over a table, look-ups and listings see only what the fold wrote, the values held in place of the table's")
    func readsWhatWasWritten() throws {
        let t = try TemporaryLedger()
        func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
        #expect(throws: Rollback.self) {
            try t.ledger.write { txn in
                let table = LMDBProjectionStore(table: try txn.open("replace-test", create: true), txn: txn)
                for (key, value) in [("k1", "old 1"), ("k2", "old 2"), ("k4", "stale")] { try table.set(bytes(value), for: bytes(key)) }
                let store = ReplacingProjectionStore(table)
                #expect(try store.value(for: bytes("k1")) == nil)
                try store.set(bytes("new 1"), for: bytes("k1"))
                try store.set(bytes("new 3"), for: bytes("k3"))
                var batch = ProjectionWriteBatch(records: 1)
                bytes("k2").withUnsafeBytes { key in batch.add(key: key) { $0.raw(bytes("old 2")) } }
                try store.write(batch)
                #expect(try store.value(for: bytes("k1")) == bytes("new 1"))
                #expect(try store.value(for: bytes("k2")) == bytes("old 2"))
                #expect(try store.value(for: bytes("k4")) == nil)
                // Held, not written yet: the table still has the old value.
                #expect(try table.value(for: bytes("k1")) == bytes("old 1"))
                #expect(try store.entries(withPrefix: bytes("k")).map { String(decoding: $0.value, as: UTF8.self) } == ["new 1", "old 2", "new 3"])
                #expect(store.unchanged == 1)
                // k4 was never written.
                #expect(!(try store.finish()))
                #expect(try table.value(for: bytes("k1")) == bytes("new 1"))
                throw Rollback()
            }
        }
    }

    @Test("a cursor asked for keys in ascending order answers as a search does: keys present and absent, gaps longer than it steps over, past the last, after a write")
    func ascendingFinds() throws {
        let t = try TemporaryLedger()
        var random = SplitMix64(seed: 21)
        #expect(throws: Rollback.self) {
            try t.ledger.write { txn in
                let table = try txn.open("ascending-test", create: true)
                // Keys of 1 to 3 bytes from a small alphabet: many are prefixes of others.
                func key() -> [UInt8] { (0 ..< 1 + Int(random.next() % 3)).map { _ in UInt8(random.next() % 6) } }
                var stored: [[UInt8]: [UInt8]] = [:]
                for _ in 0 ..< 120 {
                    let (k, v) = (key(), key())
                    stored[k] = v
                    try txn.put(table, k, v)
                }
                for round in 0 ..< 200 {
                    // A random few of the alphabet's keys, stored or not, asked in order.
                    let asked = Set((0 ..< 1 + Int(random.next() % 60)).map { _ in key() })
                        .sorted { $0.lexicographicallyPrecedes($1) }
                    try txn.withCursor(table) { cursor in
                        for k in asked {
                            let found = try k.withUnsafeBytes { try cursor.find(ascending: $0).map { Array($0.value) } }
                            #expect(found == stored[k], "round \(round), key \(k)")
                            // As a rebuild over a table does: an absent key is put where it belongs.
                            if found == nil && round % 3 == 0 {
                                let value = key()
                                try k.withUnsafeBytes { k in try value.withUnsafeBytes { try cursor.put(k, $0, append: false) } }
                                stored[k] = value
                            }
                        }
                    }
                }
                throw Rollback()
            }
        }
    }

    @Test("rebuilt over its table through write-backs of 500 records, with changed values held or written at once, the table ends as a fold in memory gives; unchanged, nothing is put")
    func rebuildThroughWriteBacks() throws {
        let t = try imported(20_000, seed: 13)
        let expected = try readModels(t)

        /// Rebuilds the read models' own table in a write that is rolled back.
        func rebuild(heldLimit: Int, tamper: (LMDBProjectionStore) throws -> Void = { _ in },
                     _ check: (ReplacingProjectionStore, _ clean: Bool, _ entries: [(key: [UInt8], value: [UInt8])]) throws -> Void) throws {
            #expect(throws: Rollback.self) {
                try t.ledger.write { txn in
                    let table = t.ledger.projections.store(for: ReadModelsProjection(), txn)
                    try tamper(table)
                    let store = ReplacingProjectionStore(table, keys: 100, heldLimit: heldLimit)
                    let entities = Entities(store, storeIsEmpty: true, cacheBound: 500)
                    try t.ledger.log(txn).forEachStored(from: 1, through: .max) { position, bytes in
                        try entities.apply(RecordedEvent(stored: bytes, position: position))
                        return true
                    }
                    try entities.finish()
                    let clean = try store.finish()
                    try check(store, clean, try table.entries(withPrefix: []))
                    throw Rollback()
                }
            }
        }
        try rebuild(heldLimit: 16 << 20) { store, clean, entries in
            #expect(clean)
            #expect(same(entries, expected))
            #expect(store.replaced == 0 && store.unchanged > expected.count)
        }
        // Nothing held: records written back early go to the table, and back again.
        try rebuild(heldLimit: 0) { store, clean, entries in
            #expect(clean)
            #expect(same(entries, expected))
            #expect(store.replaced > 0)
        }
        // A record changed by hand is put back; a ghost key is reported.
        let changed = expected[expected.count / 4].key
        try rebuild(heldLimit: 16 << 20, tamper: { try $0.set([0x7F], for: changed) }) { store, clean, entries in
            #expect(clean)
            #expect(same(entries, expected))
            #expect(store.replaced == 1)
        }
        try rebuild(heldLimit: 16 << 20, tamper: { try $0.set([0x00], for: RecordKind.cohort.key("ghost")) }) { _, clean, entries in
            #expect(!clean)
            #expect(entries.count == expected.count + 1)
        }
    }
}
