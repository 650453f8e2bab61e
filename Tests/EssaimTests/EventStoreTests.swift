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
