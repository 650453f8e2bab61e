import Foundation
import Testing
@testable import Essaim

/// `essaim backup` and `essaim compact`: consistent, compacted, verified copies.
@Suite struct BackupTests {
    @Test("a backup holds the log, the read models and the keys, verifies, and answers like the ledger")
    func backup() throws {
        let t = try TemporaryLedger()
        try t.ledger.importFiles(fixtureFiles)
        try t.importLines([line("ApplicationSubmitted", #"{"application":"pd","cohort":"alexis-2020-porteurs","company":{"id":"co-pd","name":"x"},"leader":{"name":"Ada Lovelace"}}"#, on: "2020-07-30")])
        let path = t.directory + "/backup.ledger"
        let report = try t.ledger.backup(to: path)
        #expect(report.verification.passed && report.verification.events == UInt64(fixtureEventCount + 1))
        let copy = try Ledger.open(at: path, configuration: LedgerConfiguration(readOnly: true))
        #expect(try copy.verify().digest == t.ledger.verify().digest)
        #expect(try copy.growth(.program("alexis-poles")) == t.ledger.growth(.program("alexis-poles")))
        // The personal data came along with its key.
        let leader = try copy.events(inStream: "application-pd").first.flatMap { event -> Leader? in
            if case let .applicationSubmitted(e) = event.event { return e.leader }
            return nil
        }
        #expect(leader == Leader(name: "Ada Lovelace"))
        // A directory that exists is refused, and the ledger is untouched.
        #expect(throws: LedgerError.self) { try t.ledger.backup(to: path) }
    }

    @Test("compact removes the free pages a replay leaves, keeps every event, and refuses while another process has the ledger open")
    func compact() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/c.ledger"
        let ledger = try Ledger.create(at: path, configuration: LedgerConfiguration(durable: false))
        try ledger.importFiles(fixtureFiles)
        for _ in 0..<3 { try ledger.replay() }
        let digest = try ledger.verify().digest
        func dataFile() -> ino_t {
            var file = stat()
            return stat(path + "/data.mdb", &file) == 0 ? file.st_ino : 0
        }
        let original = dataFile()
        // Another process with the ledger open: refused, nothing changed.
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        reader.arguments = ["--ledger", path, "import", "-"]
        let input = Pipe()
        reader.standardInput = input
        reader.standardOutput = Pipe()
        reader.standardError = Pipe()
        try reader.run()
        Thread.sleep(forTimeInterval: 1)
        #expect(throws: LedgerError.self) { try Ledger.compact(at: path) }
        try input.fileHandleForWriting.close()
        reader.waitUntilExit()
        // The data file was not swapped. (Its length is the longest map of the processes
        // that have it open for writing, so the other process may have grown it.)
        #expect(dataFile() == original)
        let report = try Ledger.compact(at: path)
        #expect(report.bytesAfter < report.bytesBefore && report.verification.passed)
        let reopened = try Ledger.open(at: path)
        #expect(try reopened.verify().digest == digest)
        #expect(!FileManager.default.fileExists(atPath: path + "/.compacting"))
    }

    @Test("the CLI: backup then compact, each saying what it did")
    func command() throws {
        let (directory, ledger) = try QueryCommandTests.fixtureLedger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backup = try CommandLineTests.run(["--ledger", ledger, "backup", directory + "/copy.ledger"])
        #expect(backup.status == 0 && backup.stdout.hasPrefix("backed up \(fixtureEventCount) events"), "\(backup.stderr)")
        #expect(try CommandLineTests.run(["--ledger", directory + "/copy.ledger", "verify"]).status == 0)
        #expect(try CommandLineTests.run(["--ledger", ledger, "backup", directory + "/copy.ledger"]).status == 3)
        let compact = try CommandLineTests.run(["--ledger", ledger, "compact"])
        #expect(compact.status == 0 && compact.stdout.contains("events verified"), "\(compact.stderr)")
    }
}
