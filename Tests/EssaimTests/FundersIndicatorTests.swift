import Foundation
import Testing
@testable import Essaim

/// What funders ask for (`events.md`: `CompanyClosed`, `FollowUpRecorded`, rules
/// 2, 6, 9, 1; `projections.md`: growth `jobs` and `comparison`, Survival, and
/// `--known-at`).
@Suite struct FundersIndicatorTests {
    static func close(_ company: String, on date: String) -> String {
        line("CompanyClosed", #"{"company":"\#(company)"}"#, on: date)
    }

    static func followUp(_ application: String, _ metrics: String, on date: String = "2022-06-30") -> String {
        line("FollowUpRecorded", #"{"application":"\#(application)","metrics":\#(metrics)}"#, on: date)
    }

    static func outcome(_ application: String, _ metrics: String, on date: String = "2022-06-30") -> String {
        line("OutcomeRecorded", #"{"application":"\#(application)","metrics":\#(metrics)}"#, on: date)
    }

    /// Applications A3…A6 besides the base world's A1 (selected) and A2 (pending).
    static let more = ["A3", "A4", "A5", "A6"].map { line("ApplicationSubmitted", application($0), on: "2021-05-05") }

    // MARK: Refusals

    @Test("CompanyClosed: rule 2 for an unknown company, rule 6 for one closed already")
    func closureRefusals() throws {
        let t = try TemporaryLedger()
        #expect(try t.refusal(after: [], Self.close("co-nope", on: "2022-01-01"))?.rule == .unknownReference)
        let twice = try TemporaryLedger()
        let refusal = try twice.refusal(after: [Self.close("co-A1", on: "2022-01-01")], Self.close("co-A1", on: "2023-01-01"))
        #expect(refusal?.rule == .decisionOutOfOrder && refusal?.detail == "co-A1 was already closed on 2022-01-01")
    }

    @Test("FollowUpRecorded: rule 2, rule 9 for an application ever selected or not decided, rule 1 without figures", arguments: [
        ([], followUp("nope", #"{"revenueEur":1}"#), EventRefusal.Rule.unknownReference),
        ([], followUp("A1", #"{"revenueEur":1}"#), .outcomeWithoutSelection),
        ([], followUp("A2", #"{"revenueEur":1}"#), .outcomeWithoutSelection),
        ([line("ParticipantWithdrew", #"{"application":"A1"}"#)], followUp("A1", #"{"revenueEur":1}"#), .outcomeWithoutSelection),
        ([line("CandidateRejected", #"{"application":"A2"}"#)], line("FollowUpRecorded", #"{"application":"A2","note":"x"}"#), .malformed),
    ])
    func followUpRefusals(_ example: ([String], String, EventRefusal.Rule)) throws {
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: example.0, example.1)
        #expect(refusal?.rule == example.2, "\(refusal?.description ?? "accepted")")
    }

    // MARK: Jobs and the comparison group

    @Test("jobs: a baseline of 0 counts, a latest below the baseline maintains it, a missing figure is not counted")
    func jobs() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld + Self.more)
        // A1: baseline 5 → 8 (3 created, 5 maintained); A3: 5 → 2 (0 created, 2 maintained); A4 without a latest headcount.
        // A3 withdraws after its outcome (still a participant) and frees the seat A4 takes.
        try t.importLines([
            line("CandidateSelected", #"{"application":"A3"}"#, on: "2021-05-28"),
            Self.outcome("A1", #"{"headcount":8}"#), Self.outcome("A3", #"{"headcount":2}"#),
            line("ParticipantWithdrew", #"{"application":"A3"}"#, on: "2022-07-01"),
            line("CandidateSelected", #"{"application":"A4"}"#, on: "2022-07-02"), Self.outcome("A4", #"{"revenueEur":900000}"#, on: "2023-01-01"),
        ])
        var jobs = try t.ledger.growth(.cohort("C")).jobs
        #expect(jobs == GrowthReport.Jobs(participants: 2, created: 3, maintained: 7, total: 10))
        // Baseline headcount 0 counts (a project holder who hires).
        let zero = try TemporaryLedger()
        try zero.importLines(baseWorld.dropLast(3) + [
            line("ProgramLaunched", #"{"program":"H","name":"hub","kind":"entrepreneurship-hub","networks":["N"],"territories":["FR"]}"#),
            line("CohortOpened", #"{"program":"H","cohort":"H1","label":"x"}"#),
            line("ApplicationSubmitted", #"{"application":"p1","cohort":"H1","company":{"id":"p1","name":"Projet"},"baseline":{"headcount":0}}"#),
            line("CandidateSelected", #"{"application":"p1"}"#), Self.outcome("p1", #"{"headcount":3}"#),
        ])
        jobs = try zero.ledger.growth(.cohort("H1")).jobs
        #expect(jobs == GrowthReport.Jobs(participants: 1, created: 3, maintained: 0, total: 3))
    }

    @Test("comparison: rejected and waitlisted applicants never selected, their latest follow-up; withdrawn and pending left out")
    func comparison() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld + Self.more + [
            line("CandidateRejected", #"{"application":"A3"}"#, on: "2021-05-28"),
            line("CandidateWaitlisted", #"{"application":"A4"}"#, on: "2021-05-28"),
            line("CandidateWaitlisted", #"{"application":"A5"}"#, on: "2021-05-28"),
            line("ParticipantWithdrew", #"{"application":"A1"}"#, on: "2021-06-15"),
            // A3: 500 000 → 600 000 (+20 %); later-dated first, then an earlier one that must not win.
            Self.followUp("A3", #"{"revenueEur":600000,"headcount":6}"#, on: "2022-06-30"),
            Self.followUp("A3", #"{"revenueEur":100000}"#, on: "2022-01-31"),
            // A4: two on the same day: the later position wins (+10 %).
            Self.followUp("A4", #"{"revenueEur":450000}"#, on: "2022-06-30"),
            Self.followUp("A4", #"{"revenueEur":550000}"#, on: "2022-06-30"),
            // A5 waitlisted then selected: a participant, not in the group.
            Self.followUp("A5", #"{"revenueEur":999999}"#, on: "2021-09-01"),
            line("CandidateSelected", #"{"application":"A5"}"#, on: "2021-10-01"),
        ])
        let g = try t.ledger.growth(.cohort("C"))
        #expect(g.comparison.applications == 2)
        let revenue = try #require(g.comparison.metrics.first { $0.name == "revenueEur" }?.growth)
        #expect(revenue.participants == 2)
        #expect(abs(revenue.mean! - 0.15) < 1e-12 && abs(revenue.min! - 0.1) < 1e-12 && abs(revenue.max! - 0.2) < 1e-12)
        #expect(abs(revenue.pooled! - 0.15) < 1e-12)
        #expect(g.comparison.metrics.first { $0.name == "headcount" }?.growth.participants == 1)
        #expect(g.comparison.jobs == GrowthReport.Jobs(participants: 1, created: 1, maintained: 5, total: 6))
        // The participants' figures ignore follow-ups (A5's is not an outcome).
        #expect(g.metrics.first { $0.name == "revenueEur" }?.growth.participants == 0)
        let json = g.json.serialized
        #expect(json.contains(#""comparison":{"applications":2,"metrics":{"revenueEur":{"participants":2"#))
        #expect(json.contains(#""jobs":{"participants":0,"created":0,"maintained":0,"total":0}"#))
    }

    // MARK: Survival

    /// A program whose cohort selects `companies` (id, foundedOn?, selected on), with outcomes and closures.
    static func survivalWorld(_ companies: [(String, String?, String)], extra: [String] = []) -> [String] {
        var lines = Array(baseWorld.prefix(5)) + [
            line("ProgramLaunched", #"{"program":"S","name":"s","kind":"club","networks":["N"],"territories":["FR"]}"#, on: "2010-01-01"),
            line("CohortOpened", #"{"program":"S","cohort":"S1","label":"x"}"#, on: "2010-01-01"),
        ]
        for (index, (company, founded, selected)) in companies.enumerated() {
            let foundedOn = founded.map { #","foundedOn":"\#($0)""# } ?? ""
            lines.append(line("ApplicationSubmitted", #"{"application":"s\#(index)","cohort":"S1","company":{"id":"\#(company)","name":"x"\#(foundedOn)}}"#, on: "2010-01-02"))
            lines.append(line("CandidateSelected", #"{"application":"s\#(index)"}"#, on: selected))
        }
        return lines + extra
    }

    @Test("survival: eligible on the anniversary day; closures on or before it count; start is the later of creation and selection")
    func anniversaries() throws {
        let t = try TemporaryLedger()
        try t.importLines(Self.survivalWorld([
            ("old", "2000-01-01", "2012-03-10"),      // start = selection 2012-03-10
            ("young", "2014-06-01", "2012-03-10"),    // start = creation 2014-06-01
            ("closed-on", "2000-01-01", "2012-03-10"),
            ("closed-after", "2000-01-01", "2012-03-10"),
        ], extra: [Self.close("closed-on", on: "2015-03-10"), Self.close("closed-after", on: "2015-03-11")]))
        let s = try t.ledger.survival(.program("S"), years: [3], bounds: TimeBounds(asOf: CivilDate("2015-03-10")))
        #expect(s.referenceDay == CivilDate("2015-03-10") && s.companies == 4 && s.unknownStart == 0)
        // young's third anniversary (2017) is after the reference day; closed-on closed on its anniversary.
        #expect(s.rates == [Survival.Rate(years: 3, eligible: 3, survived: 2)])
        #expect(s.closed == 1)   // closed-after's closure is after the as-of day
        let later = try t.ledger.survival(.program("S"), years: [3], bounds: TimeBounds(asOf: CivilDate("2017-06-01")))
        #expect(later.rates == [Survival.Rate(years: 3, eligible: 4, survived: 3)] && later.closed == 2)
        #expect(try t.ledger.survival(.program("S"), years: [3], bounds: TimeBounds(asOf: CivilDate("2015-03-09"))).rates[0].eligible == 0)
        #expect(try t.ledger.survival(.program("S"), years: [3], bounds: TimeBounds(asOf: CivilDate("2015-03-09"))).rates[0].rate == nil)
    }

    @Test("survival: a start on 29 February has its anniversary on 28 February in a year without one")
    func leapDay() throws {
        #expect(CivilDate("2016-02-29")!.anniversary(1) == CivilDate("2017-02-28"))
        #expect(CivilDate("2016-02-29")!.anniversary(4) == CivilDate("2020-02-29"))
        let t = try TemporaryLedger()
        try t.importLines(Self.survivalWorld([("leap", "2000-01-01", "2016-02-29")]))
        #expect(try t.ledger.survival(.program("S"), years: [1], bounds: TimeBounds(asOf: CivilDate("2017-02-28"))).rates[0].eligible == 1)
        #expect(try t.ledger.survival(.program("S"), years: [1], bounds: TimeBounds(asOf: CivilDate("2017-02-27"))).rates[0].eligible == 0)
    }

    @Test("survival: creation from a company-created outcome; unknown start; a company's several applications count once; years sorted without repeats")
    func startsAndCompanies() throws {
        let t = try TemporaryLedger()
        var world = Self.survivalWorld([("project", nil, "2012-01-10"), ("nostart", nil, "2012-01-10"),
                                        ("twice", "2000-01-01", "2013-05-01"), ("twice", "2000-01-01", "2012-05-01")])
        world.append(line("OutcomeRecorded", #"{"application":"s0","milestone":"company-created"}"#, on: "2013-01-10"))
        try t.importLines(world)
        let s = try t.ledger.survival(.program("S"), years: [5, 1, 3, 1], bounds: TimeBounds(asOf: CivilDate("2014-01-10")))
        #expect(s.companies == 3 && s.unknownStart == 1)
        #expect(s.rates.map(\.years) == [1, 3, 5])
        // project starts at its creation (2013-01-10), twice at its first selection (2012-05-01).
        #expect(s.rates[0] == Survival.Rate(years: 1, eligible: 2, survived: 2))
        #expect(s.rates[1].eligible == 0)
        #expect(throws: LedgerError.self) { try t.ledger.survival(.program("nope")) }
    }

    @Test("a closure declared late: the rate as it was known at a position and on a day, before and after it was recorded")
    func lateClosure() throws {
        let t = try TemporaryLedger()
        try t.importLines(Self.survivalWorld([("a", "2000-01-01", "2015-01-10"), ("b", "2000-01-01", "2015-01-10")]))
        let before = try t.ledger.headPosition()
        // Recorded a year later than everything else (the log's times rewritten to say so), dated before the anniversary.
        try t.importLines([Self.close("b", on: "2016-06-30")])
        try Self.backdate(t.ledger, through: before, to: CivilDate("2019-01-31")!)
        let asOf = CivilDate("2019-01-31")!
        let now = try t.ledger.survival(.program("S"), years: [3], bounds: TimeBounds(asOf: asOf))
        #expect(now.rates[0] == Survival.Rate(years: 3, eligible: 2, survived: 1))
        let atPosition = try t.ledger.survival(.program("S"), years: [3], bounds: TimeBounds(asOf: asOf, atPosition: before))
        #expect(atPosition.rates[0] == Survival.Rate(years: 3, eligible: 2, survived: 2))
        let knownThen = try t.ledger.survival(.program("S"), years: [3], bounds: TimeBounds(asOf: asOf, knownAt: asOf))
        #expect(knownThen == atPosition)
        let knownToday = try t.ledger.survival(.program("S"), years: [3], bounds: TimeBounds(asOf: asOf, knownAt: Instant.now().utcDate))
        #expect(knownToday == now)
    }

    /// Rewrites the system time of the events through `position` to `day`
    /// (re-sealing the chain), as if they had been recorded then.
    static func backdate(_ ledger: Ledger, through position: UInt64, to day: CivilDate) throws {
        try ledger.write { txn in
            let log = ledger.log(txn)
            var previous = EventRecord.chainStart
            for p in 1...(try log.head()) {
                var record = try #require(try log.record(at: p))
                if p <= position { record.recordedAt = day.startInstant }
                let (bytes, hash) = record.sealed(after: previous)
                previous = hash
                try txn.put(ledger.store.events, ByteWriter.key(p), bytes)
            }
        }
    }

    @Test("the CLI: survival in every format, --known-at validated, JSON equal to the library's")
    func command() throws {
        let (directory, ledger) = try QueryCommandTests.fixtureLedger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let library = try Ledger.open(at: ledger, configuration: LedgerConfiguration(readOnly: true))
        let head = try library.headPosition()
        let json = try CommandLineTests.run(["--ledger", ledger, "query", "survival", "--program", "alexis-poles", "--as-of", "2026-06-30",
                                             "--format", "json"])
        #expect(json.stdout == (try library.survival(.program("alexis-poles"), bounds: .init(asOf: CivilDate("2026-06-30")))).json.serialized + "\n")
        // The fixtures' last event is a closure declared late: Alexis's 3-year rate before and after it.
        let before = try library.survival(.program("alexis-poles"), years: [3], bounds: .init(asOf: CivilDate("2026-06-30"), atPosition: head - 1))
        let after = try library.survival(.program("alexis-poles"), years: [3], bounds: .init(asOf: CivilDate("2026-06-30")))
        #expect(before.rates[0].survived == after.rates[0].survived + 1)
        let table = try CommandLineTests.run(["--ledger", ledger, "query", "survival", "--program", "alexis-poles", "--years", "3", "--format", "table"])
        #expect(table.status == 0 && table.stdout.contains("Survival — program alexis-poles"))
        let csv = try CommandLineTests.run(["--ledger", ledger, "query", "survival", "--network", "alexis", "--format", "csv"])
        #expect(csv.stdout.contains("years,eligible,survived,rate"))
        #expect(try CommandLineTests.run(["--ledger", ledger, "query", "survival", "--program", "alexis-poles", "--years", "0"]).status == 2)
        #expect(try CommandLineTests.run(["--ledger", ledger, "query", "roster", "--cohort", "x", "--known-at", "2021-02-30"]).status == 2)
        let known = try CommandLineTests.run(["--ledger", ledger, "query", "growth", "--program", "alexis-poles", "--known-at", "2000-01-01"])
        #expect(known.status == 1 && known.stderr.contains("no program alexis-poles"))
        let growth = try CommandLineTests.run(["--ledger", ledger, "query", "growth", "--cohort", "medicen-stratexio-2018", "--format", "table"])
        #expect(growth.stdout.contains("Comparison group: 2 applications") && growth.stdout.contains("Jobs"))
    }
}
