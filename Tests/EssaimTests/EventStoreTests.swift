import Foundation
import Testing
@testable import Essaim

/// The event store through the public library API: positions, streams, versions,
/// expected versions, idempotency, reading.
@Suite struct EventStoreTests {
    func territory(_ code: String, parent: String? = nil, id: EventID? = nil) -> NewEvent {
        NewEvent(id: id, occurredAt: OccurredAt(CivilDate(year: 2000, month: 1, day: 1)!),
                 event: .territoryDefined(TerritoryDefined(code: code, name: "Territory \(code)",
                                                           level: parent == nil ? .country : .region, parent: parent)))
    }

    @Test("positions are gapless from 1 and each event is filed in its stream at the next version")
    func positionsAndStreams() throws {
        let t = try TemporaryLedger()
        let report = try t.ledger.append([territory("FR"), territory("FR-OCC", parent: "FR")])
        #expect(report.appended == 2 && report.firstPosition == 1 && report.lastPosition == 2)
        try t.importLines(baseWorld.dropFirst(2).map { $0 } + [
            line("CandidateRejected", #"{"application":"A2","reason":"hors critères"}"#, on: "2021-05-28"),
        ])
        let events = try t.ledger.events()
        #expect(events.map(\.position) == Array(1...UInt64(events.count)))
        let a2 = try t.ledger.events(inStream: "application-A2")
        #expect(a2.map(\.type) == [.applicationSubmitted, .candidateRejected])
        #expect(a2.map(\.version) == [0, 1])
        #expect(try t.ledger.version(ofStream: "application-A2") == 1)
        #expect(try t.ledger.version(ofStream: "application-nobody") == nil)
        #expect(try t.ledger.events(inStream: "application-nobody").isEmpty)
    }

    @Test("a stream's key: its prefix as one byte, as characters decide it (a combining mark past the prefix keeps the whole name)")
    func streamKeys() throws {
        let t = try TemporaryLedger()
        let store = t.ledger.store
        let index = { (prefix: String) in UInt8(DomainEvent.streamPrefixes.firstIndex(of: prefix)! + 1) }
        #expect(store.streamKey("application-A2") == [index("application-")] + Array("A2".utf8))
        #expect(store.streamKey("company-") == [index("company-")])
        #expect(store.streamKey("application-é1") == [index("application-")] + Array("é1".utf8))
        #expect(store.streamKey("application-\u{301}x") == [0] + Array("application-\u{301}x".utf8))
        #expect(store.streamKey("elsewhere-1") == [0] + Array("elsewhere-1".utf8))
        #expect(store.streamKey("") == [0])
        for name in ["cohort-C1", "territory-FR-OCC", "application-\u{301}x", "position-p"] {
            #expect(store.streamKey(name).withUnsafeBytes { store.streamName($0) } == name)
        }
    }

    @Test("recordedAt is stamped with the system time of the append, to the millisecond")
    func recordedAt() throws {
        let t = try TemporaryLedger()
        let before = Instant(microseconds: Instant.now().microseconds / 1_000 * 1_000)
        try t.ledger.append(territory("FR"))
        let after = Instant.now()
        let stored = try #require(try t.ledger.event(at: 1))
        #expect(stored.recordedAt >= before && stored.recordedAt <= after)
        #expect(stored.recordedAt.microseconds % 1_000 == 0)
    }

    @Test("expected version: any, no-stream and an exact number; a mismatch names both versions")
    func expectedVersion() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld)
        func selectA2(_ expected: ExpectedVersion) -> NewEvent {
            NewEvent(occurredAt: OccurredAt("2021-05-28")!, event: .candidateWaitlisted(CandidateWaitlisted(application: "A2")), expectedVersion: expected)
        }
        for wrong in [ExpectedVersion.noStream, .exactly(1), .exactly(7)] {
            do {
                try t.ledger.append(selectA2(wrong))
                Issue.record("accepted expected version \(wrong)")
            } catch let refusal as EventRefusal {
                #expect(refusal.rule == .versionConflict)
                #expect(refusal.detail.contains("expected at version \(wrong)"))
                #expect(refusal.detail.contains("actual 0"))
            }
        }
        try t.ledger.append(selectA2(.exactly(0)))
        #expect(try t.ledger.version(ofStream: "application-A2") == 1)

        let fresh = NewEvent(occurredAt: OccurredAt("2021-05-05")!, event: .applicationSubmitted(ApplicationSubmitted(
            application: "A3", cohort: "C",
            company: Company(id: "c3", name: "C3", foundedOn: CivilDate("2010-01-01")),
            baseline: Figures(revenueEur: 400_000, headcount: 4))), expectedVersion: .noStream)
        try t.ledger.append(fresh)
        #expect(throws: EventRefusal.self) { try t.ledger.append(selectA2(.any).with(expected: .noStream)) }
    }

    @Test("idempotency: the same id and content is skipped and reported; other content is refused")
    func idempotency() throws {
        let t = try TemporaryLedger()
        let id = EventID("0b6f7d1e-8f0a-4a5b-9c2d-3e4f5a6b7c8d")!
        let report1 = try t.ledger.append(territory("FR", id: id))
        let report2 = try t.ledger.append(territory("FR", id: id))
        #expect(report1.appended == 1)
        #expect(report2.appended == 0 && report2.duplicates == 1)
        #expect(try t.ledger.headPosition() == 1)
        do {
            try t.ledger.append(territory("FR-X", id: id))
            Issue.record("different content under the same id was accepted")
        } catch let refusal as EventRefusal {
            #expect(refusal.rule == .idConflict)
            #expect(refusal.eventID == id.description)
        }
    }

    @Test("an id is claimed in the write that stores it: a refused batch leaves none behind, a repeat within a batch is its duplicate")
    func idClaims() throws {
        let t = try TemporaryLedger()
        let id = EventID("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")!
        #expect(throws: EventRefusal.self) {
            try t.ledger.append([territory("FR", id: id), territory("FR-OCC", parent: "FR-NOWHERE")])
        }
        #expect(try t.ledger.event(id: id) == nil)
        let report = try t.ledger.append([territory("FR", id: id), territory("FR", id: id)])
        #expect(report.appended == 1 && report.duplicates == 1)
        #expect(report.events.map(\.position) == [1, 1])
        struct Rollback: Error {}
        let other = EventID("2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a")!
        #expect(throws: Rollback.self) {
            try t.ledger.write { txn in
                var appender = try EventStore.Appender(store: t.ledger.store, txn: txn)
                #expect(try appender.claim(id) == 1)
                #expect(try appender.claim(other) == nil)
                #expect(try appender.claim(other) == 2, "a claim files the id at the next position")
                throw Rollback()
            }
        }
        #expect(try t.ledger.event(id: other) == nil)
        #expect(try t.ledger.headPosition() == 1)
    }

    @Test("a large write into a small index holds its ids and puts them in it at its end, in key order: duplicates within it and of stored events are found, the index is whole, its pages full")
    func heldIDs() throws {
        let t = try TemporaryLedger()
        let stored = EventID.random(), early = EventID.random(), late = EventID.random()
        try t.ledger.append([territory("FR", id: stored)])
        let size = EventStore.Appender.claimsPutAtOnce + 3_000

        // Refused at its last event: none of its ids stays behind.
        let refused = EventID.random()
        #expect(throws: EventRefusal.self) {
            try t.ledger.append((0..<size).map { territory("U\($0)", parent: "FR", id: $0 == 5_000 ? refused : .random()) }
                                + [territory("V", parent: "FR-NOWHERE")])
        }
        #expect(try t.ledger.event(id: refused) == nil)
        #expect(try t.ledger.read { try t.ledger.log($0).idCount() } == 1)

        var batch = (0..<size).map { territory("T\($0)", parent: "FR", id: $0 == 10 ? early : $0 == size - 10 ? late : .random()) }
        // A repeat of an id put in the index one by one, of one held, of one stored before.
        batch += [territory("T10", parent: "FR", id: early), territory("T\(size - 10)", parent: "FR", id: late), territory("FR", id: stored)]
        let report = try t.ledger.append(batch)
        #expect(report.appended == size && report.duplicates == 3)
        #expect(report.events.suffix(3).map(\.position) == [12, UInt64(size - 8), 1])
        #expect(try t.ledger.event(id: late)?.position == UInt64(size - 8))
        #expect(try t.ledger.read { try t.ledger.log($0).idCount() } == size + 1)
        #expect(try t.ledger.verify().passed)
        // An entry takes 32 bytes of a 4 KiB page (16-byte key, 6-byte value, 10 of header
        // and pointer): full pages hold 127 (and one branch page); half-full ones, 63.
        let pages = try t.ledger.read { try $0.size(of: t.ledger.store.ids).pages }
        #expect(pages <= (size + 1) / 120 + 2, "the index's pages are written full (\(pages) pages)")
    }

    @Test("a large write into a new ledger holds its stream entries, in batches past the most it holds: versions go on from the stored ones and the held ones, and the index comes out the same as put one by one, its pages fuller")
    func heldStreams() throws {
        // Streams of several records, some with records stored before the write,
        // one without a stored prefix; records in no stream order.
        let streams = (0..<2_000).map { "application-s\($0)" } + ["cohort-c1", "not prefixed"]
        let size = EventStore.Appender.claimsPutAtOnce + 12_000
        func record(_ stream: String) -> EventRecord {
            EventRecord(typeCode: 1, dataSchema: 2, id: .random(), occurredAt: Instant(microseconds: 0), stream: stream, data: [], metadata: [])
        }
        /// Appends `streams` as a small write, then `size` more as one write
        /// (said to be that large when `holding`, held in batches of at most
        /// `limit`); checks every version as it goes.
        func fill(holding: Bool, limit: Int? = nil) throws -> (TemporaryLedger, [String: [UInt64]]) {
            let t = try TemporaryLedger()
            var positions: [String: [UInt64]] = [:]
            func append(_ stream: String, _ appender: inout EventStore.Appender) throws {
                let new = record(stream)
                #expect(try appender.claim(new.id) == nil)
                let stored = try appender.append(new) { version in
                    #expect(version == positions[stream].map { UInt64($0.count - 1) })
                }
                positions[stream, default: []].append(stored.position)
            }
            try t.ledger.write { txn in
                var appender = try EventStore.Appender(store: t.ledger.store, txn: txn)
                for stream in streams.prefix(50) + streams.suffix(1) { try append(stream, &appender) }
                try appender.finish()
            }
            let before = positions
            try t.ledger.write { txn in
                // Run again from the start when the map grows.
                positions = before
                var appender = try EventStore.Appender(store: t.ledger.store, txn: txn)
                if holding { appender.expect(records: size) }
                if let limit { appender.heldIDsLimit = limit }
                for n in 0..<size { try append(streams[n * 7_919 % streams.count], &appender) }
                // Held, put in an earlier batch or stored, the appender answers for the write.
                for stream in streams {
                    #expect(try appender.version(ofStream: stream) == positions[stream].map { UInt64($0.count - 1) })
                    #expect(try appender.positions(ofStream: stream) == positions[stream] ?? [])
                }
                try appender.finish()
            }
            return (t, positions)
        }
        let (held, positions) = try fill(holding: true)
        let (oneByOne, _) = try fill(holding: false)
        // Held from the 4,097th record, with the 4,147 ids stored or put by
        // then: batches of 853 records, 5,000, 5,000, and a last one of 1,147
        // (not every stream named in it).
        let (batches, inBatches) = try fill(holding: true, limit: 5_000)
        func index(_ t: TemporaryLedger) throws -> (streams: [String: Int], pages: Int) {
            try t.ledger.read { txn in
                var streams: [String: Int] = [:]
                try t.ledger.log(txn).forEachStream { streams[$0] = $1 }
                return (streams, try txn.size(of: t.ledger.store.streams).pages)
            }
        }
        for (t, positions) in [(held, positions), (batches, inBatches)] {
            let stored = try t.ledger.read { txn in try streams.map { try t.ledger.log(txn).positions(ofStream: $0) } }
            #expect(stored == streams.map { positions[$0] ?? [] })
        }
        let (a, b) = (try index(held), try index(oneByOne))
        #expect(a.streams == b.streams && a.streams.count == streams.count)
        #expect(try index(batches).streams == b.streams)
        #expect(a.pages * 5 <= b.pages * 4, "held: \(a.pages) pages, one by one: \(b.pages)")
    }

    @Test("an import file larger than a write puts one by one, into a new ledger: its ids are held, the index's pages full; re-imported, every event is a duplicate")
    func importHoldsIDs() throws {
        let t = try TemporaryLedger()
        let events = 9_000
        #expect(try t.importWorkload(events: events, seed: 3).appended == events)
        let pages = try t.ledger.read { try $0.size(of: t.ledger.store.ids).pages }
        #expect(pages <= events / 120 + 2, "the index's pages are written full (\(pages) pages)")
        #expect(try t.ledger.verify().passed)
        #expect(try t.importWorkload(events: events, seed: 3).duplicates == events)
    }

    @Test("past the most ids a write holds, they go in the index and the next ones are held anew, put among them at the end; a large write into a large index puts its ids one by one")
    func heldIDsLimit() throws {
        let t = try TemporaryLedger()
        let ids = (0..<(EventStore.Appender.claimsPutAtOnce + 2_500)).map { _ in EventID.random() }
        struct Rollback: Error {}
        #expect(throws: Rollback.self) {
            try t.ledger.write { txn in
                var appender = try EventStore.Appender(store: t.ledger.store, txn: txn)
                // More come than the most held: the ids held reach the limit, twice.
                appender.heldIDsLimit = 1_000
                appender.expect(records: ids.count)
                for id in ids { #expect(try appender.claim(id) == nil) }
                // The first 4,096 claims were put one by one; held from there
                // (with those), put at the limit; twice 1,000 more held, put; 500 held.
                #expect(try t.ledger.log(txn).idCount() == ids.count - 500)
                // Each one is found, held or put: a repeat is a duplicate.
                for id in ids.shuffled().prefix(300) { #expect(try appender.claim(id) == 1) }
                try appender.finish()
                #expect(try t.ledger.log(txn).idCount() == ids.count)
                for id in ids.shuffled().prefix(300) { #expect(try t.ledger.log(txn).position(of: id) == 1) }
                throw Rollback()
            }
        }
        try t.ledger.append((0..<10_000).map { territory("T\($0)", parent: $0 == 0 ? nil : "T0") })
        let more = (0..<(EventStore.Appender.claimsPutAtOnce + 10)).map { territory("U\($0)", parent: "T0") }
        #expect(try t.ledger.append(more).appended == more.count)
        #expect(try t.ledger.read { try t.ledger.log($0).idCount() } == 10_000 + more.count)
        #expect(try t.ledger.verify().passed)
    }

    @Test("a large write keeps its map released only while it will not read back at random what it writes: expected past the ids it holds, it ends the releases")
    func releasesEndPastTheHeldIDs() throws {
        let t = try TemporaryLedger()
        struct Rollback: Error {}
        // 10,000 expected: past a limit of 6,000 (the 4,096 ids put one by one
        // are then held, below it), within one of 100,000.
        for (limit, releasing) in [(6_000, false), (100_000, true)] {
            #expect(throws: Rollback.self) {
                try t.ledger.write { txn in
                    txn.keepMappedPagesReleased()
                    var appender = try EventStore.Appender(store: t.ledger.store, txn: txn)
                    appender.heldIDsLimit = limit
                    appender.expect(records: 10_000)
                    for _ in 0 ... EventStore.Appender.claimsPutAtOnce { #expect(try appender.claim(.random()) == nil) }
                    #expect(txn.releasesMappedPages == releasing, "limit \(limit)")
                    throw Rollback()
                }
            }
        }
    }

    @Test("the filter of the ids put has every id inserted, and few others")
    func idFilter() {
        let put = (0..<50_000).map { _ in EventID.random() }
        var filter = IDFilter(capacity: put.count)
        for id in put { filter.insert(id) }
        #expect(put.allSatisfy(filter.mayContain))
        // About 10 bits per id here: about one new id in a hundred may be in it.
        let others = (0..<50_000).filter { _ in filter.mayContain(.random()) }.count
        #expect(others < 2_500, "\(others) of 50,000 new ids may be in the filter")
    }

    @Test("ids are accepted in upper case and stored in canonical lower case")
    func idCase() throws {
        let t = try TemporaryLedger()
        try t.importLines([line("TerritoryDefined", #"{"code":"FR","name":"France","level":"country"}"#,
                                id: "0B6F7D1E-8F0A-4A5B-9C2D-3E4F5A6B7C8D")])
        let report = try t.importLines([line("TerritoryDefined", #"{"code":"FR","name":"France","level":"country"}"#,
                                             id: "0b6f7d1e-8f0a-4a5b-9c2d-3e4f5a6b7c8d")])
        #expect(report.duplicates == 1)
        #expect(try t.ledger.event(at: 1)?.id.description == "0b6f7d1e-8f0a-4a5b-9c2d-3e4f5a6b7c8d")
    }

    @Test("reading forward from a position, through a position, and one event by id")
    func readingForward() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld)
        #expect(try t.ledger.events(from: 4).map(\.position) == Array(4...10))
        #expect(try t.ledger.events(from: 3, through: 5).map(\.position) == [3, 4, 5])
        var seen = 0
        try t.ledger.forEachEvent { _ in seen += 1; return seen < 3 }
        #expect(seen == 3)
        let third = try #require(try t.ledger.event(at: 3))
        #expect(try t.ledger.event(id: third.id) == third)
        #expect(try t.ledger.event(at: 99) == nil)
    }
}

extension NewEvent {
    func with(expected: ExpectedVersion) -> NewEvent {
        var copy = self
        copy.expectedVersion = expected
        return copy
    }
}

/// The ids a large write holds for its end.
@Suite struct PendingIDsTests {
    @Test("held ids come out in the index's order with their positions, random or sharing their first bits")
    func sortedInIndexOrder() {
        var generator = SystemRandomNumberGenerator()
        // Random ids, and time-ordered ones whose first 48 bits are a few milliseconds.
        let random = (0 ..< 20_000).map { _ in EventID.random() }
        let ordered = (0 ..< 20_000).map { n in
            EventID(high: 0x0190_0000_0000_7000 | UInt64(n % 7) << 16 | UInt64.random(in: 0 ... 0xFFF, using: &generator),
                    low: UInt64.random(in: .min ... .max, using: &generator))
        }
        for ids in [random, ordered, random + ordered, []] {
            var held = PendingIDs(capacity: ids.count)
            for (position, id) in ids.enumerated() { held.add(id, at: UInt64(position + 1)) }
            for (position, id) in ids.enumerated() { #expect(held.position(of: id) == UInt64(position + 1)) }
            var seen: [(EventID, UInt64)] = []
            held.sortedForEach { seen.append(($0, $1)) }
            let expected = ids.enumerated().map { ($0.element, UInt64($0.offset + 1)) }
                .sorted { ($0.0.halves.high, $0.0.halves.low) < ($1.0.halves.high, $1.0.halves.low) }
            #expect(seen.map(\.0) == expected.map(\.0))
            #expect(seen.map(\.1) == expected.map(\.1))
        }
    }
}
