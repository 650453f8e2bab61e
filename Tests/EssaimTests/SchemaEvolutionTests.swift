import Foundation
import Testing
@testable import Essaim

/// Ledgers written by an earlier Essaim: format 1, record layout 1, every event's
/// data stored as JSON (schema 1). Built here byte for byte as that version wrote
/// them, then opened with today's code.
@Suite struct SchemaEvolutionTests {
    /// Writes `lines` as a format-1 ledger at `path`: layout-1 records (32-bit
    /// lengths, µs times, the stream stored, data as canonical JSON), the `streams`
    /// index keyed by name + NUL + u64 version, a `heads` table, the catalogue, and
    /// no read models.
    static func writeFormat1(_ lines: [String], at path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var options = Environment.Options()
        options.durable = false
        let environment = try Environment(path: path, options: options)
        try environment.write { txn in
            let meta = try txn.open("meta", create: true), events = try txn.open("events", create: true)
            let ids = try txn.open("ids", create: true), streams = try txn.open("streams", create: true)
            let heads = try txn.open("heads", create: true)
            // Format 1 had a catalogue table too (the rules' state, now part of the
            // read models): the upgrade drops it.
            let catalogue = try txn.open("catalogue", create: true)
            var format = ByteWriter()
            format.u32(1)
            try txn.put(meta, Array("format".utf8), format.bytes)
            var versions: [String: UInt64] = [:]
            for (index, text) in lines.enumerated() {
                let event = try EventLine.decode(ArraySlice(text.utf8))
                try txn.put(catalogue, Array("a\(index)".utf8), [0])
                let position = UInt64(index + 1)
                let stream = event.event.stream
                let version = versions[stream].map { $0 + 1 } ?? 0
                versions[stream] = version
                var w = ByteWriter()
                w.u8(1)
                w.u8(event.event.type.code)
                w.raw(event.id!.bytes)
                w.i64(event.occurredAt.instant.microseconds)
                w.string(event.occurredAt.text)
                w.i64(1_600_000_000_123_456)
                w.string(stream)
                w.u64(version)
                w.blob(event.event.data.serializedBytes)
                w.blob(event.metadata.map { RecordedEvent.metadataJSON($0).serializedBytes } ?? [])
                let key = ByteWriter.key(position)
                try txn.put(events, key, w.bytes, append: true)
                try txn.put(ids, event.id!.bytes, key)
                try txn.put(streams, Array(stream.utf8) + [0] + ByteWriter.key(version), key)
                try txn.put(heads, Array(stream.utf8), ByteWriter.key(version))
            }
        }
    }

    static let worldWithIDs: [String] = baseWorld.enumerated().map { index, text in
        // Give every line an id, as an export would.
        text.replacingOccurrences(of: #"{"type""#, with: #"{"id":"00000000-0000-4000-8000-\#(String(format: "%012d", index + 1))","type""#)
    }

    @Test("a format-1 ledger opens, upgrades in place, and reads its JSON-era events as today's types")
    func upgradesFormat1() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let old = directory + "/old.ledger", fresh = directory + "/fresh.ledger"
        let lines = Self.worldWithIDs + [
            line("OutcomeRecorded", #"{"application":"A1","metrics":{"revenueEur":650000}}"#, on: "2022-06-30T09:30:00+02:00", id: "00000000-0000-4000-8000-000000000099"),
            // Format 1 stored a leader in the clear; the upgrade encrypts it.
            line("ApplicationSubmitted", application("A9", extra: #","leader":{"name":"Ada Lovelace","email":"ada@example.org"}"#),
                 on: "2021-05-06", id: "00000000-0000-4000-8000-000000000098"),
        ]
        try Self.writeFormat1(lines, at: old)

        // Read-only, the old ledger says how to upgrade it (exit 3 in the CLI).
        #expect(throws: LedgerError.self) { try Ledger.open(at: old, configuration: LedgerConfiguration(readOnly: true)) }

        let upgraded = try Ledger.open(at: old, configuration: LedgerConfiguration(durable: false))
        let reference = try Ledger.create(at: fresh, configuration: LedgerConfiguration(durable: false))
        try reference.importJSONLines(lines.joined(separator: "\n"))

        // Same events, field for field, as a ledger that stored them in today's schema.
        let before = try upgraded.events()
        let after = try reference.events()
        #expect(before.count == lines.count)
        for (a, b) in zip(before, after) {
            #expect(a.id == b.id && a.event == b.event && a.occurredAt == b.occurredAt && a.stream == b.stream && a.version == b.version)
        }
        #expect(before[lines.count - 2].occurredAt.text == "2022-06-30T09:30:00+02:00")
        // Re-filed in layout 2: system time kept to the millisecond, data kept as JSON
        // (schema 1), except applications, whose leader is now sealed (schema 3).
        #expect(before.first?.recordedAt == Instant(microseconds: 1_600_000_000_123_000))
        let schemas = try upgraded.read { txn in
            try (1...UInt64(lines.count)).map { try #require(try upgraded.log(txn).record(at: $0)) }
        }
        #expect(schemas.allSatisfy { $0.dataSchema == ($0.typeCode == EventType.applicationSubmitted.code ? 3 : 1) })
        // Streams and read models were rebuilt from the log.
        #expect(try upgraded.version(ofStream: "application-A1") == 2)
        #expect(try upgraded.events(inStream: "application-A1").map(\.position) == [8, 10, 11])
        #expect(try upgraded.roster(cohort: "C") == reference.roster(cohort: "C"))
        #expect(try upgraded.growth(.cohort("C")) == reference.growth(.cohort("C")))
        #expect(try upgraded.verify().passed)
        #expect(try upgraded.read { txn in try? txn.open("catalogue", create: false) } == nil)
        guard case let .applicationSubmitted(a9)? = try upgraded.events(inStream: "application-A9").first?.event else {
            Issue.record("A9 is missing")
            return
        }
        #expect(a9.leader == Leader(name: "Ada Lovelace", email: "ada@example.org"))
        #expect(try upgraded.forget(application: "A9") == .erased(position: UInt64(lines.count + 1)))

        // Re-importing the same events is idempotent across schemas: duplicates, not conflicts.
        let again = try upgraded.importJSONLines(lines.joined(separator: "\n"))
        #expect(again.duplicates == lines.count && again.appended == 0 && again.erasedDuplicates == 1)
        // New events are stored in today's schema next to the old ones.
        try upgraded.importJSONLines(line("CandidateRejected", #"{"application":"A2"}"#, on: "2021-05-28"))
        #expect(try upgraded.verify().passed)
        #expect(try upgraded.events().count == lines.count + 2)
    }

    @Test("schema-1 data (JSON) and the binary schemas decode to the same event for every type")
    func bothSchemasDecode() throws {
        let t = try TemporaryLedger()
        try t.ledger.importFiles(fixtureFiles)
        var seen = Set<EventType>()
        try t.ledger.forEachEvent { event in
            seen.insert(event.type)
            let binary = EventDataCodec.encode(event.event)
            let json = event.event.data.serializedBytes
            let schema = EventDataCodec.currentSchema(for: event.type)
            let fromBinary = try binary.withUnsafeBytes { try EventDataCodec.decode(type: event.type, schema: schema, $0) }
            let fromJSON = try json.withUnsafeBytes { try EventDataCodec.decode(type: event.type, schema: 1, $0) }
            #expect(fromBinary == event.event && fromJSON == event.event)
            return true
        }
        #expect(seen.count >= 12)
        // A NetworkRegistered of schema 2 (no optional field, no presence bits) reads as one without a member capacity.
        var old = ByteWriter()
        old.text("N"); old.text("Réseau"); old.u8(0); old.text("FR")
        let upcast = try old.bytes.withUnsafeBytes { try EventDataCodec.decode(type: .networkRegistered, schema: 2, $0) }
        #expect(upcast == .networkRegistered(NetworkRegistered(network: "N", name: "Réseau", kind: .association, territory: "FR")))
        #expect(EventDataCodec.currentSchema(for: .networkRegistered) == 3)
        #expect(throws: LedgerError.self) { try [UInt8]().withUnsafeBytes { try EventDataCodec.decode(type: .candidateSelected, schema: 9, $0) } }
    }
}
