import Foundation
import Testing
@testable import Essaim

/// A ledger in a fresh temporary directory, removed when the value is dropped.
final class TemporaryLedger {
    let directory: String
    let path: String
    let ledger: Ledger

    init(configuration: LedgerConfiguration = LedgerConfiguration(durable: false)) throws {
        directory = try TemporaryDirectory.make()
        path = directory + "/test.ledger"
        ledger = try Ledger.create(at: path, configuration: configuration)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

enum TemporaryDirectory {
    /// A new private directory under the system's temporary directory.
    static func make() throws -> String {
        let path = NSTemporaryDirectory() + "essaim-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// The repository's root, from this file's location.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

let fixtureFiles = [repositoryRoot + "/Fixtures/territories-fr.jsonl", repositoryRoot + "/Fixtures/seeds.jsonl"]

/// How many events the fixture files hold (one per non-empty line).
let fixtureEventCount: Int = fixtureFiles.reduce(0) { total, path in
    total + ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count
}

/// One JSON Lines event, for tests.
func line(_ type: String, _ data: String, on date: String = "2020-01-10", id: String? = nil) -> String {
    let idPart = id.map { "\"id\":\"\($0)\"," } ?? ""
    return "{\(idPart)\"type\":\"\(type)\",\"occurredAt\":\"\(date)\",\"data\":\(data)}"
}

/// A small world the refusal tests build on: a territory tree, a network, a
/// program with 2 seats per cohort and eligibility criteria, a cohort with a
/// deadline, and two applications (one selected).
let baseWorld: [String] = [
    line("TerritoryDefined", #"{"code":"FR","name":"France","level":"country"}"#, on: "2000-01-01"),
    line("TerritoryDefined", #"{"code":"FR-OCC","name":"Occitanie","level":"region","parent":"FR"}"#, on: "2000-01-01"),
    line("TerritoryDefined", #"{"code":"FR-34","name":"Hérault","level":"department","parent":"FR-OCC"}"#, on: "2000-01-01"),
    line("TerritoryDefined", #"{"code":"34172","name":"Montpellier","level":"commune","parent":"FR-34"}"#, on: "2000-01-01"),
    line("NetworkRegistered", #"{"network":"N","name":"Medef Hérault","kind":"employers-federation","territory":"FR-34"}"#),
    line("ProgramLaunched", #"{"program":"P","name":"Bureau des pairs","kind":"peer-board","networks":["N"],"territories":["FR-34"],"capacityPerCohort":2,"eligibility":{"minCompanyAgeYears":3,"minRevenueEur":300000,"minHeadcount":3}}"#),
    line("CohortOpened", #"{"program":"P","cohort":"C","label":"Juin","applicationDeadline":"2021-05-21"}"#, on: "2021-04-15"),
    line("ApplicationSubmitted", application("A1"), on: "2021-05-03"),
    line("ApplicationSubmitted", application("A2"), on: "2021-05-04"),
    line("CandidateSelected", #"{"application":"A1"}"#, on: "2021-05-28"),
]

/// An eligible application to cohort C.
func application(_ id: String, founded: String = "2015-01-01", revenue: Int = 500_000, headcount: Int = 5,
                 extra: String = "") -> String {
    #"{"application":"\#(id)","cohort":"C","company":{"id":"co-\#(id)","name":"Company \#(id)","territory":"34172","foundedOn":"\#(founded)"},"baseline":{"revenueEur":\#(revenue),"headcount":\#(headcount)}\#(extra)}"#
}

extension TemporaryLedger {
    /// Imports `lines` (joined with newlines).
    @discardableResult
    func importLines(_ lines: [String]) throws -> AppendReport {
        try ledger.importJSONLines(lines.joined(separator: "\n"))
    }

    /// Writes `events` generated events (`seed`) to a file of the directory and
    /// imports it as `essaim import` does (decoded on a second thread, its size
    /// said ahead).
    @discardableResult
    func importWorkload(events: Int, seed: UInt64) throws -> AppendReport {
        let file = directory + "/workload.jsonl"
        try WorkloadGenerator(events: events, seed: seed).map(\.jsonLine).joined(separator: "\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        return try ledger.importFiles([file])
    }

    /// Imports `lines` after the base world and returns the refusal, checking that
    /// nothing of the refused import was stored.
    func refusal(after lines: [String], _ refused: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> EventRefusal? {
        try importLines(baseWorld)
        let before = try ledger.headPosition()
        do {
            try importLines(lines + [refused])
        } catch let refusal as EventRefusal {
            #expect(try ledger.headPosition() == before, "a refused import stored events", sourceLocation: sourceLocation)
            #expect(refusal.line == lines.count + 1, "the refusal names the wrong line", sourceLocation: sourceLocation)
            return refusal
        }
        Issue.record("the line was accepted: \(refused)", sourceLocation: sourceLocation)
        return nil
    }
}
