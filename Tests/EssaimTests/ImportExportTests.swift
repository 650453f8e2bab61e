import Foundation
import Testing
@testable import Essaim

/// Import and export of JSON Lines: the fixtures, the round trip, refused imports.
@Suite struct ImportExportTests {
    static func fields(_ line: String) throws -> [String: JSONValue] {
        guard case let .object(members) = try JSONParser.parse(line) else { throw CommandLineError("not an object") }
        return Dictionary(uniqueKeysWithValues: members.map { ($0.key, $0.value) })
    }

    @Test("the fixtures import cleanly, in order, and export gives the same events back")
    func fixturesRoundTrip() throws {
        let t = try TemporaryLedger()
        let report = try t.ledger.importFiles(fixtureFiles)
        let input = try fixtureFiles.flatMap { try String(contentsOfFile: $0, encoding: .utf8).split(separator: "\n").map(String.init) }
        #expect(report.appended == input.count && report.duplicates == 0)
        let exported = try t.ledger.events().map(\.jsonLine)
        #expect(exported.count == input.count)
        for (given, back) in zip(input, exported) {
            let a = try Self.fields(given), b = try Self.fields(back)
            for key in ["id", "type", "occurredAt", "data", "metadata"] {
                #expect(a[key] == b[key], "\(key) differs: \(given) vs \(back)")
            }
        }
    }

    @Test("export carries position, stream, version and recordedAt, and re-imports into another ledger")
    func exportReimports() throws {
        let source = try TemporaryLedger()
        try source.importLines(baseWorld)
        let export = try source.ledger.events().map(\.jsonLine)
        let first = try Self.fields(export[0])
        #expect(first["position"] == .integer(1))
        #expect(first["stream"] == .string("territory-FR"))
        #expect(first["version"] == .integer(0))
        if case let .string(recorded)? = first["recordedAt"] { #expect(Instant(rfc3339: recorded) != nil) } else { Issue.record("no recordedAt") }

        let target = try TemporaryLedger()
        #expect(try target.importLines(export).appended == export.count)
        #expect(try target.ledger.events().map(\.jsonLine).map { try Self.fields($0)["data"] }
                == export.map { try Self.fields($0)["data"] })
        // And once more: every line is now a duplicate.
        let again = try target.importLines(export)
        #expect(again.appended == 0 && again.duplicates == export.count)
    }

    @Test("a refused line in a file names the file and line, and nothing of the import is stored")
    func refusedFile() throws {
        let t = try TemporaryLedger()
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/good.jsonl", bad = directory + "/bad.jsonl"
        try baseWorld.joined(separator: "\n").write(toFile: good, atomically: true, encoding: .utf8)
        try [line("CandidateSelected", #"{"application":"A2"}"#, on: "2021-05-28"),
             line("CandidateSelected", #"{"application":"ghost"}"#, on: "2021-05-28")]
            .joined(separator: "\n").write(toFile: bad, atomically: true, encoding: .utf8)
        do {
            try t.ledger.importFiles([good, bad])
            Issue.record("import accepted")
        } catch let refusal as EventRefusal {
            #expect(refusal.source == bad && refusal.line == 2)
            #expect(refusal.description.hasPrefix("\(bad):2: CandidateSelected"))
        }
        #expect(try t.ledger.headPosition() == 0)
    }

    @Test("a file import decoded on a second thread still reports the first refused line, whatever its rule",
          arguments: [(7_000, 9_000, 7_000), (9_000, 5_000, 5_000)])
    func firstRefusalWins(ruleLine: Int, malformedLine: Int, expected: Int) throws {
        let t = try TemporaryLedger()
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var lines = WorkloadGenerator(events: 10_000, seed: 9).map(\.jsonLine)
        lines[ruleLine - 1] = line("CandidateSelected", #"{"application":"ghost"}"#)
        lines[malformedLine - 1] = #"{"type":"CandidateSelected","occurredAt":"2021-02-30","data":{"application":"x"}}"#
        let path = directory + "/workload.jsonl"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        do {
            try t.ledger.importFiles([path])
            Issue.record("import accepted")
        } catch let refusal as EventRefusal {
            #expect(refusal.line == expected && refusal.source == path)
            #expect((refusal.rule == .malformed) == (expected == malformedLine))
        }
        #expect(try t.ledger.headPosition() == 0)
        // A file that cannot be read stops the import the same way.
        #expect(throws: LedgerError.self) { try t.ledger.importFiles([path, directory + "/missing.jsonl"]) }
        #expect(try t.ledger.headPosition() == 0)
    }

    @Test("blank lines and CRLF line ends are accepted")
    func blankLinesAndCRLF() throws {
        let t = try TemporaryLedger()
        let report = try t.ledger.importJSONLines(baseWorld.prefix(2).joined(separator: "\r\n") + "\r\n\n  \n")
        #expect(report.appended == 2)
    }

    @Test("events appended through the typed API export as the contract's JSON")
    func typedExport() throws {
        let t = try TemporaryLedger()
        try t.ledger.append(NewEvent(
            id: EventID("7a1c1f0e-0000-4000-8000-000000000001"), occurredAt: OccurredAt("2017-11-17T09:30:00+01:00")!,
            event: .territoryDefined(TerritoryDefined(code: "FR", name: "France", level: .country)),
            metadata: ["source": "test", "actor": "me"]))
        #expect(try t.ledger.event(at: 1)?.jsonLine.hasPrefix(
            #"{"position":1,"id":"7a1c1f0e-0000-4000-8000-000000000001","type":"TerritoryDefined","occurredAt":"2017-11-17T09:30:00+01:00","stream":"territory-FR","version":0,"recordedAt":""#) == true)
        #expect(try t.ledger.event(at: 1)?.jsonLine.hasSuffix(
            #""data":{"code":"FR","name":"France","level":"country"},"metadata":{"actor":"me","source":"test"}}"#) == true)
    }
}

struct CommandLineError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
