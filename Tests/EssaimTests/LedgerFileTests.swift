import Foundation
import Testing
@testable import Essaim

/// The ledger as files: creation, permissions, format version, foreign files, map growth.
@Suite struct LedgerFileTests {
    @Test("init creates the directory 0700 and its files 0600")
    func permissions() throws {
        let t = try TemporaryLedger()
        let attributes = try FileManager.default.attributesOfItem(atPath: t.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        for file in ["data.mdb", "lock.mdb"] {
            let mode = try FileManager.default.attributesOfItem(atPath: t.path + "/" + file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
        }
    }

    @Test("creating over an existing ledger is refused")
    func createTwice() throws {
        let t = try TemporaryLedger()
        #expect { try Ledger.create(at: t.path) } throws: { ($0 as? LedgerError)?.code == .alreadyExists }
    }

    @Test("opening a missing ledger fails as missing")
    func missing() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect { try Ledger.open(at: directory + "/nope") } throws: {
            let error = $0 as? LedgerError
            return error?.code == .missing && error?.isOpenFailure == true
        }
    }

    @Test("a file that is not LMDB, or an LMDB environment that is not a ledger, is foreign")
    func foreign() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/junk", withIntermediateDirectories: true)
        try Data(repeating: 0x42, count: 65_536).write(to: URL(fileURLWithPath: directory + "/junk/data.mdb"))
        #expect { try Ledger.open(at: directory + "/junk") } throws: { ($0 as? LedgerError)?.isOpenFailure == true }

        // A bare LMDB environment with no Essaim tables.
        try FileManager.default.createDirectory(atPath: directory + "/bare", withIntermediateDirectories: true)
        _ = try Environment(path: directory + "/bare", options: .init())
        #expect { try Ledger.open(at: directory + "/bare") } throws: { ($0 as? LedgerError)?.code == .foreign }
    }

    @Test("a ledger of a newer format version is refused")
    func newerFormat() throws {
        let t = try TemporaryLedger()
        try t.ledger.environment.write { txn in
            try txn.put(t.ledger.store.meta, Array("format".utf8), [0, 0, 0, 99])
        }
        #expect { try Ledger.open(at: t.path) } throws: {
            let error = $0 as? LedgerError
            return error?.code == .newerFormat && error?.isOpenFailure == true
        }
    }

    @Test("a read-only ledger refuses writes")
    func readOnly() throws {
        let t = try TemporaryLedger()
        try t.importLines(Array(baseWorld.prefix(1)))
        let reader = try Ledger.open(at: t.path, configuration: LedgerConfiguration(readOnly: true))
        #expect(try reader.headPosition() == 1)
        #expect { try reader.importJSONLines(baseWorld[1]) } throws: { ($0 as? LedgerError)?.code == .readOnly }
    }

    @Test("the map grows from a tiny initial size without losing an event")
    func mapGrowth() throws {
        let t = try TemporaryLedger(configuration: LedgerConfiguration(initialMapSize: 64 << 10, durable: false))
        let initialMap = try t.ledger.statistics().mapSize
        try t.importLines(Array(baseWorld.prefix(4)))
        var total = 4
        for batch in 0..<20 {
            let lines = (0..<200).map { i in
                line("TerritoryDefined", "{\"code\":\"c-\(batch)-\(i)\",\"name\":\"Commune \(i) with a long enough name to fill pages\",\"level\":\"commune\",\"parent\":\"FR-34\"}", on: "2000-01-01")
            }
            try t.importLines(lines)
            total += lines.count
        }
        let stats = try t.ledger.statistics()
        #expect(stats.mapSize > initialMap)
        #expect(stats.events == total)
        #expect(try t.ledger.events().map(\.position) == Array(1...UInt64(total)))
    }

    @Test("statistics count events by type")
    func statistics() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld)
        let stats = try t.ledger.statistics()
        #expect(stats.events == 10 && stats.headPosition == 10)
        #expect(stats.eventsByType[.territoryDefined] == 4)
        #expect(stats.eventsByType[.applicationSubmitted] == 2)
        #expect(stats.eventsByType[.siteOpened] == 0)
        #expect(stats.streams == 9)
        #expect(stats.bytesOnDisk > 0)
    }
}

extension LedgerFileTests {
    @Test("long scans find the ledger's mapping to let go of, also when the ledger was opened by a relative path")
    func mappedRegionsOfARelativePath() throws {
        let relative = ".build/essaim-test-relative-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: relative) }
        let ledger = try Ledger.create(at: relative, configuration: LedgerConfiguration(durable: false))
        try ledger.importFiles(fixtureFiles)
        #expect(try ledger.read { txn in txn.mappedRegions() }.count == 1)
    }

    /// The data file's mappings as `/proc/self/smaps` lists them: file offset,
    /// length, bytes resident, and whether random access was advised (`rr` in `VmFlags`).
    static func advisedMappings(of path: String) throws -> [(offset: Int, length: Int, resident: Int, random: Bool)] {
        let file = URL(fileURLWithPath: path + "/data.mdb").resolvingSymlinksInPath().path
        var mappings: [(offset: Int, length: Int, resident: Int, random: Bool)] = []
        var current: (offset: Int, length: Int, resident: Int)?
        // Read to the end: procfs files report no size.
        let smaps = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/smaps")).readToEnd() ?? Data()
        for line in String(decoding: smaps, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if line.hasSuffix(" " + file), fields.count >= 6 {
                let range = fields[0].split(separator: "-").compactMap { Int($0, radix: 16) }
                current = (Int(fields[2], radix: 16)!, range[1] - range[0], 0)
            } else if line.hasPrefix("Rss:"), fields.count >= 2, let kilobytes = Int(fields[1]) {
                current?.resident = kilobytes * 1_024
            } else if line.hasPrefix("VmFlags:") {
                if let mapping = current { mappings.append((mapping.offset, mapping.length, mapping.resident, fields.contains("rr"))) }
                current = nil
            }
        }
        return mappings
    }

    @Test("a large write keeps the pages it writes out of resident memory while it writes and at its commit, unless it ends the releases; another write's commit maps them back in")
    func keptReleased() throws {
        let t = try TemporaryLedger()
        let value = [UInt8](repeating: 7, count: 1_000)
        for releasing in ["no", "at commit", "kept", "ended"] {
            try t.ledger.write { txn in
                switch releasing {
                case "at commit": txn.releaseMappedPagesAtCommit()
                case "kept", "ended": txn.keepMappedPagesReleased()
                default: break
                }
                if releasing == "ended" { txn.endReleasingMappedPages() }
                let table = try txn.open("scratch-\(releasing)", create: true)
                // About 20 MB over some 5,000 pages.
                for index in 0 ..< 16_000 { try txn.put(table, ByteWriter.key(UInt64(index)), value) }
                if releasing == "kept" {
                    // The second thread lets go of them while the write goes on.
                    let deadline = Date().addingTimeInterval(30)
                    while try Self.resident(t.path) > 2 << 20 && Date() < deadline { usleep(1_000) }
                    #expect(try Self.resident(t.path) < 2 << 20)
                } else {
                    usleep(50_000)
                    #expect(try Self.resident(t.path) > 12 << 20, "while writing, releases \(releasing)")
                    txn.releaseMappedPages()
                }
            }
            // LMDB's commit writes to every page the write dirtied.
            let resident = try Self.resident(t.path)
            if releasing == "no" || releasing == "ended" {
                #expect(resident > 12 << 20, "releases \(releasing): \(resident) bytes resident")
            } else {
                #expect(resident < 2 << 20, "releases \(releasing): \(resident) bytes resident")
            }
        }
    }

    static func resident(_ path: String) throws -> Int {
        try advisedMappings(of: path).reduce(0) { $0 + $1.resident }
    }

    @Test("a large write advises no readahead past the pages in use, only until it ends the advice or ends")
    func fillingUnusedPagesAdvice() throws {
        let t = try TemporaryLedger()
        try t.ledger.importFiles(fixtureFiles)
        let used = t.ledger.environment.usedBytes
        #expect(try Self.advisedMappings(of: t.path).allSatisfy { !$0.random })
        struct Rollback: Error {}
        for ending in ["advice", "commit", "abort"] {
            try? t.ledger.write { txn in
                txn.fillUnusedPages()
                let mappings = try Self.advisedMappings(of: t.path)
                // The pages in use keep their readahead; all after them are advised random.
                #expect(mappings.filter { $0.offset < used }.allSatisfy { !$0.random })
                #expect(mappings.contains { $0.offset >= used && $0.random })
                #expect(mappings.filter { $0.offset >= used + 4_096 }.allSatisfy { $0.random })
                if ending == "advice" {
                    // A write that goes on to read what it wrote gives it its readahead back.
                    txn.endFillingUnusedPages()
                    #expect(try Self.advisedMappings(of: t.path).allSatisfy { !$0.random })
                }
                if ending == "abort" { throw Rollback() }
            }
            #expect(try Self.advisedMappings(of: t.path).allSatisfy { !$0.random }, "after the \(ending)")
        }
    }
}

/// The data file's length under `MDB_WRITEMAP`: room allocated while a writer has
/// it open, the pages in use once the last writer closes, never cut under another
/// process's map.
extension LedgerFileTests {
    static func fileLength(_ path: String) -> Int {
        var file = stat()
        return stat(path + "/data.mdb", &file) == 0 ? Int(file.st_size) : -1
    }

    static func usedBytes(_ path: String) throws -> Int {
        try Ledger.open(at: path, configuration: LedgerConfiguration(readOnly: true)).environment.usedBytes
    }

    @Test("a writable ledger's data file has room while open and holds only the pages in use once closed")
    func trimmedAtClose() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/t.ledger"
        do {
            let ledger = try Ledger.create(at: path, configuration: LedgerConfiguration(durable: false))
            try ledger.importFiles(fixtureFiles)
            #expect(Self.fileLength(path) > ledger.environment.usedBytes)
        }
        let used = try Self.usedBytes(path)
        #expect(Self.fileLength(path) == used)
        #expect(Environment.missingBytes(at: path) == nil)
        // Reopened for writing, it gets its room back and loses no page.
        do {
            let ledger = try Ledger.open(at: path, configuration: LedgerConfiguration(durable: false))
            #expect(Self.fileLength(path) > used)
            #expect(try ledger.verify().passed)
        }
        #expect(Self.fileLength(path) == used)
    }

    @Test("another process's close does not cut the file under this one's map: this one then writes past the pages in use")
    func notCutUnderAnOpenWriter() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/t.ledger"
        let lines = WorkloadGenerator(events: 20_000, seed: 13).map(\.jsonLine)
        let ledger = try Ledger.create(at: path, configuration: LedgerConfiguration(durable: false))
        try ledger.importJSONLines(lines.prefix(1_000).joined(separator: "\n"))
        // Another process opens the ledger, appends one event and closes it, while
        // this one has it open (idle, between transactions).
        let appended = try CommandLineTests.run(["--ledger", path, "import", "-"], stdin: lines[1_000])
        #expect(appended.status == 0, "\(appended.stderr)")
        #expect(Self.fileLength(path) > ledger.environment.usedBytes, "the file was cut to the pages in use")
        // Pages past those: a cut file would fault here (SIGBUS).
        try ledger.importJSONLines(lines.dropFirst(1_001).joined(separator: "\n"))
        #expect(try ledger.headPosition() == 20_000)
        #expect(try ledger.verify().passed)
    }

    @Test("closing while another process imports: its import completes and verifies")
    func closingDuringAnotherImport() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/t.ledger", rest = directory + "/rest.jsonl"
        let lines = WorkloadGenerator(events: 30_000, seed: 12).map(\.jsonLine)
        try lines.dropFirst(1_000).joined(separator: "\n").write(toFile: rest, atomically: true, encoding: .utf8)
        let other = Process()
        other.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        other.arguments = ["--ledger", path, "import", rest]
        other.standardOutput = Pipe()
        other.standardError = Pipe()
        do {
            let ledger = try Ledger.create(at: path, configuration: LedgerConfiguration(durable: false))
            try ledger.importJSONLines(lines.prefix(1_000).joined(separator: "\n"))
            let length = Self.fileLength(path)
            try withExtendedLifetime(ledger) {
                // The other process makes room for its import (three times the file's
                // size) when it starts, then writes 29,000 events into pages past this
                // process's; this process closes the ledger meanwhile.
                try other.run()
                while Self.fileLength(path) < length + (16 << 20) && other.isRunning { Thread.sleep(forTimeInterval: 0.005) }
                #expect(other.isRunning, "the other process ended before this one closed the ledger")
            }
        }
        // Closing waited for LMDB's writer lock, so the import went on untouched.
        other.waitUntilExit()
        #expect(other.terminationReason == .exit && other.terminationStatus == 0)
        let reopened = try Ledger.open(at: path, configuration: LedgerConfiguration(readOnly: true))
        #expect(try reopened.headPosition() == 30_000)
        #expect(try reopened.verify().passed)
        // The other process was the last writer: it trimmed the file.
        #expect(Self.fileLength(path) == reopened.environment.usedBytes)
    }
}
