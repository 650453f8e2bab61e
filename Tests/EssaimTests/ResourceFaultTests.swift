import Foundation
import Testing
@testable import Essaim

/// What happens when the machine says no: a full disk (a file size limit), a
/// truncated or emptied data file, a lock file that is not one, a map that
/// starts tiny. Every case ends in a clear error or a success, never a crash,
/// and never costs an event that was stored before.
@Suite struct ResourceFaultTests {
    static let prlimit = ["/usr/bin/prlimit", "/bin/prlimit"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Generated lines, split into what is stored first and what comes after.
    static func workload(_ count: Int, first: Int) throws -> (before: String, after: String) {
        let lines = WorkloadGenerator(events: count, seed: 21).map(\.jsonLine)
        return (lines.prefix(first).joined(separator: "\n"), lines.dropFirst(first).joined(separator: "\n"))
    }

    @Test("past the file size limit an import fails with a clear error; every earlier event stays and verifies",
          .enabled(if: prlimit != nil, "needs prlimit (util-linux)"))
    func fileSizeLimit() throws {
        let (directory, ledger) = try CommandLineTests.initialised()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (before, after) = try Self.workload(12_000, first: 2_000)
        #expect(try CommandLineTests.run(["--ledger", ledger, "import", "-"], stdin: before).status == 0)
        let size = try FileManager.default.attributesOfItem(atPath: ledger + "/data.mdb")[.size] as! Int
        let afterPath = directory + "/after.jsonl"
        try after.write(toFile: afterPath, atomically: true, encoding: .utf8)

        // The limit leaves room for a little growth, not for the 10,000 events.
        let limited = try CommandLineTests.run(["--fsize=\(size + 300_000)", CommandLineTests.binary, "--ledger", ledger, "import", afterPath],
                                               executable: Self.prlimit!)
        #expect(limited.status == 1, "\(limited.stderr)")
        #expect(limited.stderr.contains("could not write the ledger") && limited.stderr.contains("nothing of this write was stored"))

        let verify = try CommandLineTests.run(["--ledger", ledger, "verify"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let export = try CommandLineTests.run(["--ledger", ledger, "export"])
        #expect(export.stdout.split(separator: "\n").count == 2_000)
        // With room again, the same import goes through.
        #expect(try CommandLineTests.run(["--ledger", ledger, "import", afterPath]).status == 0)
        #expect(try CommandLineTests.run(["--ledger", ledger, "verify"]).status == 0)
    }

    @Test("a truncated or emptied data file: exit 3 with a message, no crash", arguments: [0, 100, 4_096, 8_192, 50_000])
    func truncatedDataFile(size: Int) throws {
        let (directory, ledger) = try CommandLineTests.initialised()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CommandLineTests.run(["--ledger", ledger, "import"] + fixtureFiles).status == 0)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: ledger + "/data.mdb"))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
        for arguments in [["stats"], ["export"], ["query", "roster", "--cohort", "medicen-stratexio-2018"], ["verify"],
                          ["import", fixtureFiles[1]]] {
            let result = try CommandLineTests.run(["--ledger", ledger] + arguments)
            #expect(result.status == 3, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.hasPrefix("essaim: "), "\(arguments): \(result.stderr)")
        }
        #expect(try FileManager.default.attributesOfItem(atPath: ledger + "/data.mdb")[.size] as! UInt64 == UInt64(size),
                "a refused open must not write the data file")
    }

    @Test("a lock file that is a directory, or a data file of random bytes: exit 3")
    func unusableFiles() throws {
        let (directory, ledger) = try CommandLineTests.initialised()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.removeItem(atPath: ledger + "/lock.mdb")
        try FileManager.default.createDirectory(atPath: ledger + "/lock.mdb", withIntermediateDirectories: false)
        let locked = try CommandLineTests.run(["--ledger", ledger, "stats"])
        #expect(locked.status == 3 && locked.stderr.contains("cannot open the ledger"))

        try FileManager.default.removeItem(atPath: ledger + "/lock.mdb")
        var random = SplitMix64(seed: 5)
        let noise = (0..<40_000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        try Data(noise).write(to: URL(fileURLWithPath: ledger + "/data.mdb"))
        let foreign = try CommandLineTests.run(["--ledger", ledger, "stats"])
        #expect(foreign.status == 3, "\(foreign.stderr)")
    }

    @Test("a map that starts at 64 KiB grows, doubling, through tens of thousands of events")
    func mapGrowth() throws {
        let t = try TemporaryLedger(configuration: LedgerConfiguration(initialMapSize: 64 << 10, durable: false))
        let events = Array(WorkloadGenerator(events: 30_000, seed: 8))
        for batch in stride(from: 0, to: events.count, by: 5_000) {
            try t.ledger.append(Array(events[batch..<min(batch + 5_000, events.count)]))
        }
        #expect(try t.ledger.headPosition() == 30_000)
        #expect(try t.ledger.statistics().mapSize > 64 << 10)
        #expect(try t.ledger.verify().passed)
    }
}
