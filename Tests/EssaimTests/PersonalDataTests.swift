import Foundation
import Testing
@testable import Essaim

/// Personal data (an application's leader) is stored encrypted with a key per
/// application; `forget` destroys the key (crypto-shredding) and records a
/// `PersonalDataErased` event; nothing else changes and the log still verifies.
@Suite struct PersonalDataTests {
    static let name = "Zéphyrine Quillardet-Unique"
    static let email = "zq.unique-4711@exemple-confidentiel.fr"
    static let withLeader = application("A3", extra: #","leader":{"name":"\#(name)","email":"\#(email)"}"#)

    /// The base world plus application A3 with a leader, selected.
    static func world() throws -> TemporaryLedger {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld + [line("ApplicationSubmitted", withLeader, on: "2021-05-05"),
                                       line("CandidateSelected", #"{"application":"A3"}"#, on: "2021-05-28")])
        return t
    }

    /// Whether `needle` occurs in any file of the ledger directory.
    static func found(_ needle: [UInt8], in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { file in
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)))
            return bytes.count >= needle.count && (0...(bytes.count - needle.count)).contains { bytes[$0..<$0 + needle.count].elementsEqual(needle) }
        }
    }

    @Test("stored encrypted; after forget neither the key nor the name or email is in any file of the ledger")
    func unrecoverable() throws {
        let t = try Self.world()
        let key = try #require(try t.ledger.read { txn in try t.ledger.personalKeys.key(for: "A3", create: false, txn) })
        #expect(try t.ledger.events(inStream: "application-A3").first?.event == DomainEvent.applicationSubmitted(
            ApplicationSubmitted(application: "A3", cohort: "C", company: Company(id: "co-A3", name: "Company A3", territory: "34172",
                                 foundedOn: CivilDate("2015-01-01")), leader: Leader(name: Self.name, email: Self.email),
                                 baseline: Figures(revenueEur: 500_000, headcount: 5))))
        // Encrypted at rest: the plaintext was never written.
        for needle in [Self.name, Self.email, "Quillardet"] {
            #expect(try Self.found(Array(needle.utf8), in: t.path).isEmpty, "\(needle) is stored in the clear")
        }
        #expect(try Self.found(key, in: t.path) == ["keys.db"])

        #expect(try t.ledger.forget(application: "A3", reason: "request of the person") == .erased(position: 13))
        for needle in [Array(Self.name.utf8), Array(Self.email.utf8), key] {
            #expect(try Self.found(needle, in: t.path).isEmpty)
        }
        let submitted = try #require(try t.ledger.event(at: 11))
        guard case let .applicationSubmitted(e) = submitted.event else { Issue.record("not an application"); return }
        #expect(e.leader == .erased && e.leader?.isErased == true)
        #expect(e.company.name == "Company A3" && e.baseline?.revenueEur == 500_000)
        #expect(submitted.jsonLine.contains(#""leader":{"name":"[erased]"}"#))
        // The rest is intact and the chain still verifies.
        #expect(try t.ledger.roster(cohort: "C").members.map(\.application) == ["A1", "A3"])
        let report = try t.ledger.verify()
        #expect(report.passed && report.erasedApplications == 1, "\(report.problems)")
    }

    @Test("erasing twice is a no-op; an unknown application is refused (rule 2)")
    func twice() throws {
        let t = try Self.world()
        #expect(try t.ledger.forget(application: "A3") == .erased(position: 13))
        #expect(try t.ledger.forget(application: "A3") == .alreadyErased)
        #expect(try t.ledger.headPosition() == 13)
        #expect(throws: EventRefusal.self) { try t.ledger.forget(application: "nobody") }
        // An application without personal data can be marked erased too (nothing to destroy).
        #expect(try t.ledger.forget(application: "A1") == .erased(position: 14))
        #expect(try t.ledger.verify().erasedApplications == 2)
    }

    @Test("an export taken after erasure re-imports into a new ledger with the same read models and the erasure")
    func exportAfter() throws {
        let t = try Self.world()
        try t.ledger.forget(application: "A3")
        let export = try t.ledger.events().map(\.jsonLine).joined(separator: "\n")
        let copy = try TemporaryLedger()
        try copy.ledger.importJSONLines(export)
        #expect(try copy.ledger.roster(cohort: "C") == t.ledger.roster(cohort: "C"))
        #expect(try copy.ledger.growth(.cohort("C")) == t.ledger.growth(.cohort("C")))
        #expect(try copy.ledger.territoryExpansion() == t.ledger.territoryExpansion())
        #expect(try copy.ledger.verify().erasedApplications == 1)
        guard case let .applicationSubmitted(e)? = try copy.ledger.event(at: 11)?.event else { Issue.record("no application"); return }
        #expect(e.leader == .erased)
    }

    @Test("an export taken before erasure, imported again, does not bring the person back, and says so")
    func exportBefore() throws {
        let t = try Self.world()
        let before = try t.ledger.events().map(\.jsonLine).joined(separator: "\n")
        try t.ledger.forget(application: "A3")
        let report = try t.ledger.importJSONLines(before)
        #expect(report.appended == 0 && report.duplicates == 12 && report.erasedDuplicates == 1)
        guard case let .applicationSubmitted(e)? = try t.ledger.event(at: 11)?.event else { Issue.record("no application"); return }
        #expect(e.leader == .erased)
        // While the data is there, a changed leader under the same id is a conflict;
        // once erased, there is nothing left to compare it with.
        let other = try Self.world()
        let exported = try other.ledger.events().map(\.jsonLine).joined(separator: "\n")
        #expect(throws: EventRefusal.self) { try other.ledger.importJSONLines(exported.replacingOccurrences(of: Self.name, with: "Someone Else")) }
    }

    @Test("a PersonalDataErased line imported (e.g. from a later export) destroys the key too")
    func importedErasure() throws {
        let t = try Self.world()
        try t.importLines([line("PersonalDataErased", #"{"application":"A3","reason":"art. 17"}"#, on: "2022-01-01")])
        #expect(try t.ledger.verify().erasedApplications == 1)
        guard case let .applicationSubmitted(e)? = try t.ledger.event(at: 11)?.event else { Issue.record("no application"); return }
        #expect(e.leader == .erased)
        #expect(try t.ledger.forget(application: "A3") == .alreadyErased)
    }

    @Test("a key created and erased in one import, and keys left by a refused import, leave nothing readable behind")
    func keysWithinOneImport() throws {
        let t = try Self.world()
        let more = (1...40).map { line("ApplicationSubmitted", application("B\($0)", extra: #","leader":{"name":"B","email":"b@x.fr"}"#), on: "2021-05-06") }
        // Refused at its last line: the keys it created are never referred to.
        #expect(throws: (any Error).self) { try t.importLines(more + [line("CandidateSelected", #"{"application":"nobody"}"#, on: "2021-05-28")]) }
        try t.importLines(more + [line("PersonalDataErased", #"{"application":"B7","reason":"art. 17"}"#, on: "2021-05-07")])
        #expect(try t.ledger.verify().erasedApplications == 1)
        for (position, expected) in [(13, true), (19, false), (52, true)] {
            guard case let .applicationSubmitted(e)? = try t.ledger.event(at: UInt64(position))?.event else {
                Issue.record("no application at \(position)"); continue
            }
            #expect((e.leader?.name == "B") == expected, "position \(position): \(String(describing: e.leader))")
        }
    }

    @Test("a new ledger's first write holds its key index entries to its end and writes them in key order: a refused first write leaves none held, an erasure in the write is kept, the index's pages come out full; past the most it holds, and in a later write, entries are put one by one", arguments: [nil, 500])
    func heldKeyEntries(limit: Int?) throws {
        let t = try TemporaryLedger()
        if let limit { t.ledger.personalKeys.heldEntriesLimit = limit }
        let count = 2_000
        let submissions = (1...count).map { i in
            line("ApplicationSubmitted", application("H\(i)", extra: #","leader":{"name":"Personne \#(i)","email":"h\#(i)@exemple.fr"}"#), on: "2021-05-06")
        }
        // Refused at its last line: held entries of that write must not reach the next.
        #expect(throws: EventRefusal.self) { try t.importLines(baseWorld + submissions + [line("CandidateSelected", #"{"application":"nobody"}"#)]) }
        try t.importLines(baseWorld + submissions + [line("PersonalDataErased", #"{"application":"H7"}"#, on: "2021-05-07")])
        try t.importLines([line("ApplicationSubmitted", application("Z1", extra: #","leader":{"name":"Zoé","email":"z@exemple.fr"}"#), on: "2021-05-08")])
        let keys = try t.ledger.read { txn in try (1...count).map { try t.ledger.personalKeys.key(for: "H\($0)", create: false, txn) } }
        #expect(keys[6] == nil && Set(keys.compactMap { $0 }).count == count - 1)
        for i in [1, 7, 1_000, count] {
            guard case let .applicationSubmitted(e)? = try t.ledger.events(inStream: "application-H\(i)").first?.event else {
                Issue.record("no application H\(i)"); continue
            }
            #expect(e.leader == (i == 7 ? .erased : Leader(name: "Personne \(i)", email: "h\(i)@exemple.fr")))
        }
        guard case let .applicationSubmitted(z)? = try t.ledger.events(inStream: "application-Z1").first?.event else {
            Issue.record("no application Z1"); return
        }
        #expect(z.leader?.name == "Zoé")
        #expect(try t.ledger.verify().erasedApplications == 1)
        guard limit == nil else { return }
        // An entry takes 22 bytes of a page and more (a 5-byte id, 5-byte value,
        // 8 of header, 2 of pointer, alignment): full pages hold about 160; put
        // one by one in the applications' order, about 100.
        let pages = try t.ledger.read { try $0.size(of: try #require(t.ledger.personalKeys.index)).pages }
        #expect(pages * 130 <= count + 260, "\(pages) pages for \(count + 1) entries")
    }

    @Test("a file import seals on its decoding thread: encrypted at rest, readable, each key its own, erasable")
    func sealedAhead() throws {
        let t = try TemporaryLedger()
        let submissions = (1...30).map { i in
            line("ApplicationSubmitted", application("P\(i)", extra: #","leader":{"name":"Personne \#(i) Quillardet","email":"p\#(i)@exemple.fr"}"#), on: "2021-05-06")
        }
        let file = t.directory + "/submissions.jsonl"
        try (baseWorld + submissions).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        try t.ledger.importFiles([file])
        #expect(try Self.found(Array("Quillardet".utf8), in: t.path).isEmpty, "a leader is stored in the clear")
        let keys = try t.ledger.read { txn in try (1...30).map { try #require(try t.ledger.personalKeys.key(for: "P\($0)", create: false, txn)) } }
        #expect(Set(keys).count == 30)
        for i in [1, 17, 30] {
            guard case let .applicationSubmitted(e)? = try t.ledger.events(inStream: "application-P\(i)").first?.event else {
                Issue.record("no application P\(i)"); continue
            }
            #expect(e.leader == Leader(name: "Personne \(i) Quillardet", email: "p\(i)@exemple.fr"))
        }
        // Its export imported again: duplicates, compared through the keys; a changed leader conflicts.
        let exported = try t.ledger.events().map(\.jsonLine)
        let export = t.directory + "/export.jsonl"
        try exported.joined(separator: "\n").write(toFile: export, atomically: true, encoding: .utf8)
        #expect(try t.ledger.importFiles([export]).duplicates == baseWorld.count + 30)
        let changed = t.directory + "/changed.jsonl"
        try exported.joined(separator: "\n").replacingOccurrences(of: "Personne 5 ", with: "Quelqu'un ")
            .write(toFile: changed, atomically: true, encoding: .utf8)
        #expect(throws: EventRefusal.self) { try t.ledger.importFiles([changed]) }
        #expect(try t.ledger.forget(application: "P17") == .erased(position: UInt64(baseWorld.count + 31)))
        #expect(try Self.found(keys[16], in: t.path).isEmpty)
        #expect(try t.ledger.verify().passed)
    }

    @Test("random bytes do not repeat across the generator's refills; any length is served")
    func randomBytes() {
        var seen = Set<[UInt8]>()
        for _ in 0..<2_000 { seen.insert(SecureRandom.bytes(16)) }
        #expect(seen.count == 2_000)
        let long = SecureRandom.bytes(10_000)
        #expect(long.count == 10_000 && Set(long).count > 200)
        #expect(SecureRandom.bytes(0).isEmpty)
    }

    /// A projection that notes whether it ever saw a leader.
    struct LeaderWatcher: Projection {
        let name = "leader-watcher"
        let schemaVersion = 1
        func apply(_ event: RecordedEvent, to store: any ProjectionStore) throws {
            if case let .applicationSubmitted(e) = event.event, e.leader != nil { try store.set([1], for: Array("seen".utf8)) }
        }
    }

    @Test("projections never see personal data, appended or replayed")
    func projectionsSeeNone() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = try Ledger.create(at: directory + "/l", configuration: LedgerConfiguration(durable: false, projections: [LeaderWatcher()]))
        try ledger.importJSONLines((baseWorld + [line("ApplicationSubmitted", Self.withLeader, on: "2021-05-05")]).joined(separator: "\n"))
        #expect(try ledger.readProjection(named: "leader-watcher") { try $0.value(for: Array("seen".utf8)) } == nil)
        try ledger.replay()
        #expect(try ledger.readProjection(named: "leader-watcher") { try $0.value(for: Array("seen".utf8)) } == nil)
        #expect(try ledger.verify().passed)
    }

    @Test("essaim forget: erased, then a no-op; unknown application exits 1")
    func command() throws {
        let (directory, ledger) = try CommandLineTests.initialised()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lines = baseWorld + [line("ApplicationSubmitted", Self.withLeader, on: "2021-05-05")]
        #expect(try CommandLineTests.run(["--ledger", ledger, "import", "-"], stdin: lines.joined(separator: "\n")).status == 0)
        let first = try CommandLineTests.run(["--ledger", ledger, "forget", "--application", "A3", "--reason", "asked"])
        #expect(first.status == 0 && first.stdout.contains("erased the personal data of application A3"))
        let again = try CommandLineTests.run(["--ledger", ledger, "forget", "--application", "A3"])
        #expect(again.status == 0 && again.stdout.contains("already erased"))
        #expect(try CommandLineTests.run(["--ledger", ledger, "forget", "--application", "ghost"]).status == 1)
        let export = try CommandLineTests.run(["--ledger", ledger, "export"])
        #expect(export.stdout.contains(#""leader":{"name":"[erased]"}"#) && !export.stdout.contains(Self.email))
        #expect(export.stdout.contains(#""type":"PersonalDataErased""#))
        let verify = try CommandLineTests.run(["--ledger", ledger, "verify"])
        #expect(verify.status == 0 && verify.stdout.contains("1 application(s) with personal data erased"))
    }
}
