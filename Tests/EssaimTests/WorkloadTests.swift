import Foundation
import Testing
@testable import Essaim

/// The workload generator and the benchmark path (no timing assertions: those
/// figures come from `tools/bench`, not from tests).
@Suite struct WorkloadTests {
    @Test("generated events import without a refusal, in realistic proportions, and verify")
    func generatedWorkloadImports() throws {
        let t = try TemporaryLedger()
        let events = Array(WorkloadGenerator(events: 6_000, seed: 3))
        #expect(events.count == 6_000)
        let report = try t.ledger.append(events)
        #expect(report.appended == 6_000)
        let stats = try t.ledger.statistics()
        func count(_ type: EventType) -> Int { stats.eventsByType[type] ?? 0 }
        let submitted = count(.applicationSubmitted), selected = count(.candidateSelected)
        #expect(count(.territoryDefined) > 300)
        #expect(count(.cohortOpened) > 10)
        // About three applications per seat, a dozen seats per cohort.
        #expect(submitted > 2 * selected && submitted < 4 * selected)
        #expect(count(.candidateRejected) > 0 && count(.candidateWaitlisted) > 0)
        #expect(count(.sessionHeld) > 0 && count(.outcomeRecorded) > 0 && count(.programLaunched) > 0)
        #expect(try t.ledger.verify().passed)
    }

    @Test("import then export gives back every field of generated events, personal data (encrypted at rest) included")
    func roundTrip() throws {
        let t = try TemporaryLedger()
        let lines = WorkloadGenerator(events: 3_000, seed: 14).map(\.jsonLine)
        try t.ledger.importJSONLines(lines.joined(separator: "\n"))
        let exported = try t.ledger.events()
        #expect(exported.count == lines.count)
        var leaders = 0
        for (line, event) in zip(lines, exported) {
            let input = try JSONParser.parse(line)
            #expect(input["id"] == event.json["id"] && input["type"] == event.json["type"] && input["data"] == event.json["data"]
                    && input["occurredAt"] == event.json["occurredAt"] && input["metadata"] == event.json["metadata"], "\(line)")
            if input["data"]?["leader"] != nil { leaders += 1 }
        }
        #expect(leaders > 500)
    }

    @Test("the same seed gives the same events; another seed other events; any prefix is valid")
    func deterministic() throws {
        let a = WorkloadGenerator(events: 1_500, seed: 11).map(\.jsonLine)
        let b = WorkloadGenerator(events: 1_500, seed: 11).map(\.jsonLine)
        let c = WorkloadGenerator(events: 1_500, seed: 12).map(\.jsonLine)
        #expect(a == b)
        #expect(a != c)
        // A shorter run is a prefix of a longer one with the same seed.
        #expect(Array(WorkloadGenerator(events: 700, seed: 11).map(\.jsonLine)) == Array(a.prefix(700)))
    }

    @Test("essaim generate writes importable JSON Lines")
    func generateCommand() throws {
        let (directory, ledger) = try CommandLineTests.initialised()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let generated = try CommandLineTests.run(["generate", "--events", "2000", "--seed", "5"])
        #expect(generated.status == 0)
        #expect(generated.stdout.split(separator: "\n").count == 2_000)
        let imported = try CommandLineTests.run(["--ledger", ledger, "import", "-"], stdin: generated.stdout)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported 2000 events"))
        #expect(try CommandLineTests.run(["generate", "--events", "-3"]).status == 2)
    }

    @Test("the benchmark runs end to end on a small workload and writes every figure, the shared log's too")
    func benchSmoke() throws {
        let server = try #require(ProcessInfo.processInfo.environment["ESSAIM_TEST_POSTGRES"],
                                  "tools/test starts a private PostgreSQL cluster and sets ESSAIM_TEST_POSTGRES")
        let bench = URL(fileURLWithPath: CommandLineTests.binary).deletingLastPathComponent().appendingPathComponent("essaim-bench").path
        try #require(FileManager.default.isExecutableFile(atPath: bench), "essaim-bench is built with the tests")
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bench)
        process.arguments = ["--events", "3000", "--samples", "3", "--json", directory + "/bench.json", "--essaim", CommandLineTests.binary,
                             "--postgres", server, "--postgres-seconds", "0.3"]
        process.standardOutput = FileHandle.nullDevice
        try #require(FileManager.default.createFile(atPath: directory + "/bench.err", contents: nil))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/bench.err"))
        try process.run()
        process.waitUntilExit()
        let messages = (try? String(contentsOfFile: directory + "/bench.err", encoding: .utf8)) ?? ""
        try #require(process.terminationStatus == 0, "essaim-bench failed: \(messages)")
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/bench.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["import_events_per_s", "replay_events_per_s", "raw_put_events_per_s", "raw_scan_events_per_s",
                    "append_p50_ms", "query_roster_p50_ms", "query_growth_p50_ms", "query_territory_p50_ms",
                    "query_expansion_p50_ms", "cli_query_p50_ms", "import_peak_rss_mib", "replay_peak_rss_mib",
                    "disk_bytes_per_event", "map_growth_events_per_s", "pg_import_events_per_s", "pg_events_bytes_per_event",
                    "pg_appends_1w_batch1_per_s", "pg_appends_4w_batch100_per_s", "pg_lag_p50_ms"] {
            guard let value = json[key] as? Double else { Issue.record("missing \(key)"); continue }
            #expect(value > 0, "\(key)")
        }
    }
}
