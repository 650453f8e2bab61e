import Foundation
import Testing
@testable import Essaim

/// The integrity chain: each stored event ends with SHA-256(previous hash ||
/// its bytes); `verify` recomputes it and names the first altered position, and a
/// published digest shows later whether the history up to it was rewritten.
@Suite struct IntegrityTests {
    /// Changes the stored record at `position` through the LMDB API, behind the ledger's back.
    static func tamper(_ ledger: Ledger, at position: UInt64, _ change: (inout [UInt8]) -> Void) throws {
        try ledger.write { txn in
            let key = ByteWriter.key(position)
            var bytes = try #require(try txn.get(ledger.store.events, key))
            change(&bytes)
            try txn.put(ledger.store.events, key, bytes)
        }
    }

    @Test("one byte changed anywhere in a stored event: verify fails at exactly that position",
          arguments: [("a byte of the data", -40), ("the hash itself", -1), ("the type code", 1), ("the event id", 5)])
    func alteredByte(_ place: (String, Int)) throws {
        let t = try TemporaryLedger()
        try t.ledger.importFiles(fixtureFiles)
        #expect(try t.ledger.verify().passed)
        try Self.tamper(t.ledger, at: 200) { bytes in
            let index = place.1 < 0 ? bytes.count + place.1 : place.1
            bytes[index] ^= 0x01
        }
        let report = try t.ledger.verify()
        #expect(!report.passed, "\(place.0)")
        #expect(report.alteredAt == 200, "\(place.0): \(report.problems.prefix(2))")
        #expect(report.problems.first?.contains("position 200") == true, "\(place.0): \(report.problems.prefix(2))")
    }

    @Test("a stored event cut short anywhere: verify fails at its position, a replay refuses it as corrupt")
    func truncatedRecord() throws {
        for keep in [0, 1, 2, 20, 32, 33, -33, -32, -31, -1] {
            let t = try TemporaryLedger()
            try t.ledger.importFiles([fixtureFiles[0]])
            try Self.tamper(t.ledger, at: 5) { bytes in bytes = Array(bytes.prefix(keep < 0 ? bytes.count + keep : keep)) }
            let report = try t.ledger.verify()
            #expect(!report.passed && report.alteredAt == 5, "\(keep): \(report.problems.prefix(2))")
            #expect { try t.ledger.replay() } throws: {
                ($0 as? LedgerError)?.code == .corrupt && "\($0)".contains("position 5")
            }
        }
    }

    @Test("digests: a prefix's digest stays while the log grows; rewriting history (chain recomputed) still breaks it")
    func digests() throws {
        let t = try TemporaryLedger()
        try t.ledger.importFiles(fixtureFiles)
        let published = try t.ledger.verify().digest
        let head = UInt64(fixtureEventCount)
        #expect(published.position == head && published.hash.count == 32)
        #expect(LedgerDigest(published.description) == published)
        // The stored hash at a position is what verify recomputes there.
        #expect(try t.ledger.digest(at: head) == published)
        #expect(try t.ledger.digest(at: 10) == t.ledger.verify(digestAt: 10).digestAt)
        #expect(try t.ledger.withReadModels(TimeBounds(atPosition: 10)) { $0.digest } == t.ledger.digest(at: 10))

        try t.ledger.append(NewEvent(occurredAt: OccurredAt("2024-01-01")!, event: .territoryDefined(
            TerritoryDefined(code: "34999", name: "Nouvelle commune", level: .commune, parent: "FR-34"))))
        let later = try t.ledger.verify(digestAt: head)
        #expect(later.passed && later.digestAt == published && later.digest != published)

        // Someone edits event 300 and recomputes every hash after it: each link holds...
        try t.ledger.write { txn in
            var previous = try t.ledger.log(txn).chainHash(at: 299)
            for position in UInt64(300)...head + 1 {
                var record = try #require(try t.ledger.log(txn).record(at: position))
                if position == 300 { record.occurredAt = CivilDate(year: 2001, month: 1, day: 1)!.startInstant }
                let (bytes, hash) = record.sealed(after: previous)
                previous = hash
                try txn.put(t.ledger.store.events, ByteWriter.key(position), bytes)
            }
        }
        let rewritten = try t.ledger.verify(digestAt: head)
        #expect(rewritten.alteredAt == nil)
        // ... but the published digest no longer matches.
        #expect(rewritten.digestAt != published)
    }

    @Test("essaim verify --digest and --expect")
    func command() throws {
        let (directory, ledger) = try CommandLineTests.initialised()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CommandLineTests.run(["--ledger", ledger, "import"] + fixtureFiles).status == 0)
        let digest = try CommandLineTests.run(["--ledger", ledger, "verify", "--digest"])
        #expect(digest.status == 0)
        let published = digest.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(published.hasPrefix("\(fixtureEventCount):") && published.count == String(fixtureEventCount).count + 1 + 64)
        #expect(try CommandLineTests.run(["--ledger", ledger, "append", "--type", "TerritoryDefined",
                                         "--data", #"{"code":"34999","name":"x","level":"commune","parent":"FR-34"}"#]).status == 0)
        #expect(try CommandLineTests.run(["--ledger", ledger, "verify", "--expect", published]).status == 0)
        let wrong = String(published.dropLast()) + (published.hasSuffix("0") ? "1" : "0")
        let refused = try CommandLineTests.run(["--ledger", ledger, "verify", "--expect", wrong])
        #expect(refused.status == 1 && refused.stderr.contains("differ from the digest"))
        #expect(try CommandLineTests.run(["--ledger", ledger, "verify", "--expect", "12:abc"]).status == 2)
        let beyond = try CommandLineTests.run(["--ledger", ledger, "verify", "--expect", "5000:" + String(repeating: "0", count: 64)])
        #expect(beyond.status == 1)
    }
}
