import Foundation
import Testing
@testable import Essaim

/// A new ledger's first write holds its read models in memory until its end
/// (`HeldProjectionStore`): what the fold reads back, what the table ends with.
@Suite struct HeldReadModelTests {
    struct Rollback: Error {}

    /// Runs `body` in a write of `t`'s ledger with an empty table of its own, then rolls back.
    func withScratchTable(_ t: TemporaryLedger, _ body: (Transaction, LMDBProjectionStore) throws -> Void) throws {
        #expect(throws: Rollback.self) {
            try t.ledger.write { txn in
                try body(txn, LMDBProjectionStore(table: try txn.open("held-test", create: true), txn: txn))
                throw Rollback()
            }
        }
    }

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("a key's latest record answers, set or written back; entries merge the table's with those held; past the limit what is held is written and the rest goes straight to the table")
    func latestRecord() throws {
        let t = try TemporaryLedger()
        try withScratchTable(t) { txn, table in
            try table.set(bytes("in table"), for: bytes("k0"))
            let held = HeldProjectionStore(table, limit: 200)
            try held.set(bytes("one"), for: bytes("k1"))
            var first = ProjectionWriteBatch(records: 2)
            for (key, value) in [("k1", "two"), ("k2", "first")] {
                bytes(key).withUnsafeBytes { key in first.add(key: key) { $0.raw(self.bytes(value)) } }
            }
            try held.write(first)
            try held.set(bytes("three"), for: bytes("k1"))
            #expect(try held.value(for: bytes("k1")) == bytes("three"))
            #expect(try held.value(for: bytes("k2")) == bytes("first"))
            #expect(try held.value(for: bytes("k0")) == bytes("in table"))
            #expect(try held.value(for: bytes("k9")) == nil)
            // Nothing reached the table yet.
            #expect(try table.value(for: bytes("k1")) == nil)
            #expect(try held.entries(withPrefix: bytes("k")).map { String(decoding: $0.value, as: UTF8.self) } == ["in table", "three", "first"])

            // Past the limit (200 bytes with the records' lengths): written, then straight to the table.
            var large = ProjectionWriteBatch(records: 10)
            for n in 3 ..< 13 {
                bytes("k\(n)").withUnsafeBytes { key in large.add(key: key) { $0.raw([UInt8](repeating: UInt8(n), count: 20)) } }
            }
            try held.write(large)
            #expect(try table.value(for: bytes("k1")) == bytes("three"))
            #expect(try table.value(for: bytes("k12")) == [UInt8](repeating: 12, count: 20))
            try held.set(bytes("four"), for: bytes("k1"))
            #expect(try table.value(for: bytes("k1")) == bytes("four"))
            try held.flush()
            #expect(try txn.count(table.table) == 13)
        }
    }

    @Test("a value written again over one as long or longer takes its place; a longer one goes after the others; each reads back as written, and the table gets the latest")
    func writtenOverInPlace() throws {
        let t = try TemporaryLedger()
        try withScratchTable(t) { txn, table in
            let held = HeldProjectionStore(table, limit: 1_000)
            try held.set(bytes("twelve bytes"), for: bytes("k1"))
            try held.set(bytes("other"), for: bytes("k2"))
            let keys = 2 * HeldProjectionStore.perKeyOverhead
            #expect(held.heldBytes == keys + 4 + 12 + 5)
            // As long, then shorter: in place, nothing more held.
            try held.set(bytes("TWELVE BYTES"), for: bytes("k1"))
            #expect(try held.value(for: bytes("k1")) == bytes("TWELVE BYTES"))
            try held.set(bytes("six b."), for: bytes("k1"))
            #expect(try held.value(for: bytes("k1")) == bytes("six b."))
            #expect(try held.value(for: bytes("k2")) == bytes("other"))
            #expect(held.heldBytes == keys + 4 + 12 + 5)
            // Longer than its room (now six bytes): after the others.
            try held.set(bytes("seven b"), for: bytes("k1"))
            #expect(try held.value(for: bytes("k1")) == bytes("seven b"))
            #expect(held.heldBytes == keys + 4 + 12 + 5 + 7)
            try held.set(bytes(""), for: bytes("k2"))
            #expect(try held.value(for: bytes("k2")) == [])
            try held.flush()
            #expect(try table.value(for: bytes("k1")) == bytes("seven b"))
            #expect(try table.value(for: bytes("k2")) == [])
            #expect(try txn.count(table.table) == 2)
        }
    }

    @Test("a fold through held read models, written back every 4,096 events, ends with the table a fold in memory gives, its pages fuller than written back into the table; with a small limit too")
    func foldThroughHeld() throws {
        let t = try TemporaryLedger()
        let events = 20_000
        #expect(try t.importWorkload(events: events, seed: 5).appended == events)
        #expect(try t.ledger.verify().passed)

        /// Folds the log into `store` (through caches of at most 500 records) and
        /// returns the table's entries and pages.
        func fold(_ txn: Transaction, into store: any ProjectionStore, _ table: LMDBProjectionStore) throws -> ([[UInt8]], Int) {
            let entities = Entities(store, storeIsEmpty: false, cacheBound: 500)
            try t.ledger.log(txn).forEachStored(from: 1, through: .max) { position, bytes in
                try entities.apply(RecordedEvent(stored: bytes, position: position))
                return true
            }
            try entities.finish()
            return (try table.entries(withPrefix: []).flatMap { [$0.key, $0.value] }, try txn.size(of: table.table).pages)
        }
        let memory = MemoryProjectionStore()
        let fresh = Entities(memory, storeIsEmpty: true)
        try t.ledger.read { txn in
            try t.ledger.log(txn).forEachStored(from: 1, through: .max) { position, bytes in
                try fresh.apply(RecordedEvent(stored: bytes, position: position))
                return true
            }
        }
        try fresh.finish()
        let expected = memory.allEntries.flatMap { [$0.key, $0.value] }

        var pages: [Int] = []
        for limit in [HeldProjectionStore.defaultLimit, 100_000, nil] {
            try withScratchTable(t) { txn, table in
                let (entries, used) = try fold(txn, into: limit.map { HeldProjectionStore(table, limit: $0) } ?? table, table)
                #expect(entries == expected, "limit \(limit.map(String.init) ?? "none")")
                pages.append(used)
            }
        }
        // Held to the end: every record appended, the pages full.
        #expect(pages[0] * 5 < pages[2] * 4, "held \(pages[0]) pages, written back \(pages[2])")
    }
}
