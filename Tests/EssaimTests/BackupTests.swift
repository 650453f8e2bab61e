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

    @Test("a copy holds every entry of every table, plain and of sorted duplicates, in pages filled to the brim")
    func repackedCopy() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/source", withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: directory + "/copy", withIntermediateDirectories: false)
        var options = Environment.Options()
        options.durable = false
        let source = try Environment(path: directory + "/source", options: options)
        var random = SplitMix64(seed: 7)
        try source.write { txn in
            // Random 16-byte keys, as in the id index: B-tree splits leave pages about two-thirds full.
            let ids = try txn.open("ids", create: true)
            for position in 1...20_000 as ClosedRange<UInt64> {
                let key = ByteWriter.key(random.next()) + ByteWriter.key(random.next())
                try txn.put(ids, key, EventStore.idValue(position))
            }
            // Sorted duplicates, as in the stream index: keys and values in random order.
            let streams = try txn.open("streams", create: true, sortedDuplicates: true)
            for _ in 0..<5_000 {
                try txn.put(streams, Array("stream-\(random.next() % 700)".utf8), ByteWriter.key(random.next()))
            }
            _ = try txn.open("empty", create: true)
        }
        try source.copy(to: directory + "/copy", fullPages: true)
        let copy = try Environment(path: directory + "/copy", options: options)
        func contents(_ environment: Environment) throws -> [String: [[UInt8]]] {
            try environment.read { txn in
                var tables: [String: [[UInt8]]] = [:]
                for table in try txn.tables() {
                    var entries: [[UInt8]] = [table.sortedDuplicates ? [1] : [0]]
                    try txn.withCursor(try txn.open(table.name, create: false)) { cursor in
                        var entry = try cursor.first()
                        while let (key, value) = entry {
                            entries.append(Array(key) + [0xFF] + Array(value))
                            entry = try cursor.next()
                        }
                    }
                    tables[table.name] = entries
                }
                return tables
            }
        }
        let original = try contents(source), copied = try contents(copy)
        #expect(original.keys.sorted() == ["empty", "ids", "streams"])
        #expect(original == copied)
        #expect(copied["ids"]?.count == 20_001 && copied["streams"]?.count == 5_001)
        // Full pages: the copy takes at most four-fifths of the source's room (about 0.7 when measured).
        #expect(Double(copy.usedBytes) < 0.8 * Double(source.usedBytes), "\(copy.usedBytes) of \(source.usedBytes) bytes")
    }

    @Test("the CLI: backup then compact, each saying what it did")
    func command() throws {
        let (directory, ledger) = try QueryCommandTests.fixtureLedger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backup = try CommandLineTests.run(["--ledger", ledger, "backup", directory + "/copy.ledger"])
        #expect(backup.status == 0 && backup.stdout.hasPrefix("backed up \(fixtureEventCount) events"), "\(backup.stderr)")
        #expect(try CommandLineTests.run(["--ledger", directory + "/copy.ledger", "verify"]).status == 0)
        #expect(try CommandLineTests.run(["--ledger", ledger, "backup", directory + "/copy.ledger"]).status == 3)
        // With full pages: the same ledger, as its digest says.
        let full = try CommandLineTests.run(["--ledger", ledger, "backup", "--full-pages", directory + "/full.ledger"])
        #expect(full.status == 0 && full.stdout.hasPrefix("backed up \(fixtureEventCount) events"), "\(full.stderr)")
        let digest = { (output: String) in output.components(separatedBy: "digest ").last }
        #expect(digest(full.stdout) == digest(backup.stdout))
        let compact = try CommandLineTests.run(["--ledger", ledger, "compact"])
        #expect(compact.status == 0 && compact.stdout.contains("events verified"), "\(compact.stderr)")
        let fullCompact = try CommandLineTests.run(["--ledger", ledger, "compact", "--full-pages"])
        #expect(fullCompact.status == 0 && fullCompact.stdout.contains("events verified"), "\(fullCompact.stderr)")
    }
}
