import Foundation
import Testing
@testable import Essaim

/// Every read-model rule of `projections.md`, on the base world (program P with 2
/// seats per cohort, cohort C, A1 selected on 2021-05-28, A2 pending).
@Suite struct ProjectionTests {
    func world(_ extra: [String] = []) throws -> TemporaryLedger {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld + extra)
        return t
    }

    func select(_ a: String, _ on: String) -> String { line("CandidateSelected", "{\"application\":\"\(a)\"}", on: on) }
    func submit(_ a: String, _ on: String = "2021-05-05", extra: String = "") -> String {
        line("ApplicationSubmitted", application(a, extra: extra), on: on)
    }
    func session(_ id: String, _ on: String, _ attendees: [String]) -> String {
        line("SessionHeld", "{\"session\":\"\(id)\",\"cohort\":\"C\",\"kind\":\"meeting\",\"attendees\":[\(attendees.map { "\"\($0)\"" }.joined(separator: ","))]}", on: on)
    }
    func outcome(_ a: String, _ on: String, _ metrics: String) -> String {
        line("OutcomeRecorded", "{\"application\":\"\(a)\",\"metrics\":\(metrics)}", on: on)
    }

    // MARK: Roster

    @Test("roster: capacity falls back to the program's; seats left is capacity - active; counts by state")
    func rosterCounts() throws {
        let t = try world([submit("A3"), line("CandidateRejected", #"{"application":"A3"}"#, on: "2021-05-28"),
                           submit("A4"), line("CandidateWaitlisted", #"{"application":"A4"}"#, on: "2021-05-28")])
        let r = try t.ledger.roster(cohort: "C")
        #expect(r.capacity == 2 && r.active == 1 && r.seatsLeft == 1)
        #expect(r.applications == 4 && r.pending == 1 && r.waitlisted == 1 && r.rejected == 1 && r.withdrawn == 0)
        #expect(r.program == "P" && r.label == "Juin")
    }

    @Test("roster: the cohort's own capacity wins; without any capacity both are null")
    func rosterCapacity() throws {
        let t = try world([
            line("CohortOpened", #"{"program":"P","cohort":"C5","label":"five","capacity":5}"#, on: "2021-04-15"),
            line("ProgramLaunched", #"{"program":"Q","name":"open","kind":"club","networks":["N"],"territories":["FR"]}"#),
            line("CohortOpened", #"{"program":"Q","cohort":"Q1","label":"open"}"#, on: "2021-04-15"),
        ])
        #expect(try t.ledger.roster(cohort: "C5").capacity == 5)
        let open = try t.ledger.roster(cohort: "Q1")
        #expect(open.capacity == nil && open.seatsLeft == nil)
        #expect(open.json["capacity"] == .null && open.json["seatsLeft"] == .null)
    }

    @Test("roster: attendance counts sessions on or after selectedOn; null when none; members by selectedOn then position")
    func attendance() throws {
        let t = try world([
            session("S0", "2021-05-27", []),            // before A1's selection: not in its denominator
            session("S1", "2021-06-01", ["A1"]),
            select("A2", "2021-06-02"),
            session("S2", "2021-06-03", ["A1", "A2"]),
            session("S3", "2021-06-04", ["A2"]),
        ])
        let r = try t.ledger.roster(cohort: "C")
        #expect(r.sessionsHeld == 4)
        #expect(r.members.map(\.application) == ["A1", "A2"])
        #expect(r.members[0].sessionsAttended == 2 && r.members[0].attendanceRate == 2.0 / 3.0)
        #expect(r.members[1].sessionsAttended == 2 && r.members[1].attendanceRate == 1.0)

        let none = try world()
        #expect(try none.ledger.roster(cohort: "C").members[0].attendanceRate == nil)
    }

    @Test("roster: an attendee listed twice in one session counts once, in a short list and in a long one")
    func attendeeListedTwice() throws {
        let t = try world([
            session("S1", "2021-06-01", ["A1", "A1"]),
            select("A2", "2021-06-02"),
            session("S2", "2021-06-03", Array(repeating: "A1", count: 20) + Array(repeating: "A2", count: 13)),
        ])
        let r = try t.ledger.roster(cohort: "C")
        #expect(r.members.map(\.application) == ["A1", "A2"])
        #expect(r.members.map(\.sessionsAttended) == [2, 1])
        #expect(try t.ledger.verify().passed)
    }

    @Test("roster: withdrawn members stay listed; order is selectedOn, then selection position")
    func membersOrder() throws {
        let t = try world([
            submit("A3"),
            line("ParticipantWithdrew", #"{"application":"A1"}"#, on: "2021-06-10"),
            select("A3", "2021-05-20"),   // earlier day, later position
            select("A2", "2021-05-28"),   // same day as A1, later position
        ])
        let r = try t.ledger.roster(cohort: "C")
        #expect(r.members.map(\.application) == ["A3", "A1", "A2"])
        #expect(r.members.map(\.status) == ["active", "withdrawn", "active"])
        #expect(r.withdrawn == 1 && r.active == 2)
    }

    // MARK: Growth

    @Test("growth: latest is the greatest occurredAt; equal dates, the later position wins")
    func latestByBusinessDate() throws {
        let t = try world([
            outcome("A1", "2023-01-01", #"{"revenueEur":800000}"#),
            outcome("A1", "2022-01-01", #"{"revenueEur":600000}"#),   // logged later, happened earlier
            outcome("A1", "2023-01-01T00:00:00Z", #"{"headcount":9}"#),
            outcome("A1", "2023-01-01", #"{"headcount":10}"#),        // same instant, later position
        ])
        let g = try t.ledger.growth(.cohort("C"))
        let revenue = try #require(g.metrics.first { $0.name == "revenueEur" }?.growth)
        #expect(revenue.participants == 1 && revenue.mean == 800_000.0 / 500_000.0 - 1)
        let headcount = try #require(g.metrics.first { $0.name == "headcount" }?.growth)
        #expect(headcount.mean == 10.0 / 5.0 - 1)
    }

    /// A program without eligibility or capacity, with one participant per baseline.
    func openProgram(revenues baselines: [Int?], latests: [Int?]) throws -> TemporaryLedger {
        let t = try TemporaryLedger()
        var lines = Array(baseWorld.prefix(5)) + [
            line("ProgramLaunched", #"{"program":"Q","name":"open","kind":"club","networks":["N"],"territories":["FR"]}"#),
            line("CohortOpened", #"{"program":"Q","cohort":"Q1","label":"open"}"#, on: "2021-01-01"),
        ]
        for (i, (baseline, latest)) in zip(baselines, latests).enumerated() {
            let figures = baseline.map { ",\"baseline\":{\"revenueEur\":\($0)}" } ?? ""
            lines.append(line("ApplicationSubmitted", "{\"application\":\"q\(i)\",\"cohort\":\"Q1\",\"company\":{\"id\":\"c\(i)\",\"name\":\"c\(i)\"}\(figures)}", on: "2021-01-02"))
            lines.append(select("q\(i)", "2021-01-03"))
            if let latest { lines.append(outcome("q\(i)", "2022-01-01", "{\"revenueEur\":\(latest)}")) }
        }
        try t.importLines(lines)
        return t
    }

    @Test("growth: a baseline of 0, or a missing baseline or latest, is not counted; with nobody counted all are null")
    func baselineZeroExcluded() throws {
        let t = try openProgram(revenues: [0, nil, 200, 100], latests: [50, 80, 300, nil])
        let revenue = try #require(try t.ledger.growth(.program("Q")).metrics.first { $0.name == "revenueEur" }?.growth)
        #expect(revenue.participants == 1 && revenue.mean == 0.5 && revenue.pooled == 0.5)
        let g = try t.ledger.growth(.program("Q"))
        let export = try #require(g.metrics.first { $0.name == "exportRevenueEur" }?.growth)
        #expect(export.participants == 0 && export.mean == nil && export.median == nil && export.min == nil && export.pooled == nil)
        #expect(g.json["metrics"]?["exportRevenueEur"]?["mean"] == .null)
        #expect(g.json["metrics"]?["exportRevenueEur"]?["participants"] == .integer(0))
    }

    @Test("growth: mean, median of an even count, min, max and pooled")
    func statistics() throws {
        let baselines = [100, 200, 400, 1000], latests = [110, 300, 400, 500]
        let t = try openProgram(revenues: baselines, latests: latests)
        let r = try #require(try t.ledger.growth(.program("Q")).metrics.first { $0.name == "revenueEur" }?.growth)
        let growths = zip(latests, baselines).map { Double($0) / Double($1) - 1 }
        let sorted = growths.sorted()
        #expect(r.participants == 4)
        #expect(r.mean == growths.reduce(0, +) / 4)
        #expect(r.median == (sorted[1] + sorted[2]) / 2)
        #expect(r.min == -0.5 && r.max == 0.5)
        #expect(r.pooled == 1310.0 / 1700.0 - 1)
    }

    @Test("growth: funnel, selection rate, conversion overall and by segment in lexicographic order")
    func funnelAndConversion() throws {
        let t = try TemporaryLedger()
        var lines = Array(baseWorld.prefix(5)) + [
            line("ProgramLaunched", #"{"program":"Q","name":"hub","kind":"entrepreneurship-hub","networks":["N"],"territories":["FR"]}"#),
            line("CohortOpened", #"{"program":"Q","cohort":"Q1","label":"porteurs"}"#, on: "2020-07-01"),
        ]
        let segments = [#"["zeta","economic-layoff"]"#, #"["economic-layoff"]"#, "[]", "[]", "[]"]
        for i in 0..<5 {
            lines.append(line("ApplicationSubmitted", "{\"application\":\"p\(i)\",\"cohort\":\"Q1\",\"company\":{\"id\":\"p\(i)\",\"name\":\"p\(i)\"},\"segments\":\(segments[i])}", on: "2020-07-02"))
        }
        for i in 0..<4 { lines.append(select("p\(i)", "2020-07-10")) }
        lines.append(line("CandidateRejected", #"{"application":"p4"}"#, on: "2020-07-10"))
        lines.append(line("OutcomeRecorded", #"{"application":"p0","milestone":"company-created"}"#, on: "2021-01-01"))
        lines.append(line("OutcomeRecorded", #"{"application":"p2","milestone":"award"}"#, on: "2021-01-01"))
        try t.importLines(lines)
        let g = try t.ledger.growth(.network("N"))
        #expect(g.funnel.applications == 5 && g.funnel.participants == 4 && g.funnel.rejected == 1 && g.funnel.selectionRate == 0.8)
        #expect(g.overall == .init(participants: 4, converted: 1))
        #expect(g.bySegment.map(\.segment) == ["economic-layoff", "zeta"])
        #expect(g.bySegment[0].conversion.rate == 0.5)
        #expect(try t.ledger.growth(.network("N"), milestone: "award").overall.converted == 1)
        if case let .object(members)? = g.json["conversion"]?["bySegment"] {
            #expect(members.map(\.key) == ["economic-layoff", "zeta"])
        } else { Issue.record("no bySegment object") }
    }

    @Test("growth: a territory scope counts companies in the territory or below it")
    func territoryScope() throws {
        let t = try world()
        #expect(try t.ledger.growth(.territory("FR-OCC")).funnel.applications == 2)
        #expect(try t.ledger.growth(.territory("34172")).funnel.participants == 1)
        #expect(try t.ledger.growth(.territory("FR")).funnel.applications == 2)
    }

    @Test("queries about unknown ids fail with unknownID", arguments: [
        "roster", "cohort", "program", "network", "territory", "code", "expansion-network", "expansion-program",
    ])
    func unknownIDs(_ which: String) throws {
        let t = try world()
        #expect {
            switch which {
            case "roster": _ = try t.ledger.roster(cohort: "nope")
            case "cohort": _ = try t.ledger.growth(.cohort("nope"))
            case "program": _ = try t.ledger.growth(.program("nope"))
            case "network": _ = try t.ledger.growth(.network("nope"))
            case "territory": _ = try t.ledger.growth(.territory("nope"))
            case "code": _ = try t.ledger.territoryExpansion(code: "nope")
            case "expansion-network": _ = try t.ledger.expansionTimeline(.network("nope"))
            default: _ = try t.ledger.expansionTimeline(.program("nope"))
            }
        } throws: { ($0 as? LedgerError)?.code == .unknownID }
    }

    // MARK: Territory expansion and timeline

    @Test("territory: coverage flows down, activity rolls up; planned until opened")
    func coverageAndActivity() throws {
        let t = try world([
            line("TerritoryDefined", #"{"code":"FR-30","name":"Gard","level":"department","parent":"FR-OCC"}"#, on: "2000-01-01"),
            line("ProgramExtended", #"{"program":"P","territories":["FR-OCC"]}"#, on: "2022-01-17"),
            line("SitePlanned", #"{"site":"S1","name":"Pôle","network":"N","territory":"34172","program":"P"}"#, on: "2021-03-01"),
        ])
        let before = try t.ledger.territoryExpansion()
        let montpellier = try #require(before.territories.first { $0.code == "34172" })
        #expect(montpellier.programs == [.init(program: "P", since: CivilDate("2020-01-10")!)])
        #expect(montpellier.planned.map(\.site) == ["S1"] && montpellier.sites.isEmpty)
        #expect(montpellier.participants == 1)
        let gard = try #require(before.territories.first { $0.code == "FR-30" })
        #expect(gard.programs.first?.since == CivilDate("2022-01-17"))
        let region = try #require(before.territories.first { $0.code == "FR-OCC" })
        #expect(region.participants == 1 && region.planned.count == 1)
        #expect(region.firstActivityOn == CivilDate("2022-01-17"))
        #expect(before.territories.map(\.code) == before.territories.map(\.code).sorted())
        #expect(before.territories.contains { $0.code == "FR" })  // planned sites and participants roll up

        try t.importLines([line("SiteOpened", #"{"site":"S1","name":"Pôle","network":"N","territory":"34172","program":"P"}"#, on: "2021-06-03")])
        let after = try t.ledger.territoryExpansion(code: "FR-34")
        #expect(after.territories.map(\.code) == ["34172", "FR-34"])
        let opened = try #require(after.territories.first { $0.code == "34172" })
        #expect(opened.planned.isEmpty && opened.sites.map(\.site) == ["S1"])
        #expect(opened.sites.first?.on == CivilDate("2021-06-03"))
    }

    @Test("timeline: one entry per territory of a launch or extension and per site, by date, position, territory")
    func timeline() throws {
        let t = try world([
            line("NetworkRegistered", #"{"network":"M","name":"Other","kind":"other","territory":"FR"}"#),
            line("ProgramExtended", #"{"program":"P","territories":["FR-OCC","34172"]}"#, on: "2019-01-01"),
            line("SiteOpened", #"{"site":"S2","name":"x","network":"M","territory":"34172"}"#, on: "2019-01-01"),
            line("SitePlanned", #"{"site":"S3","name":"y","network":"N","territory":"FR-34"}"#, on: "2018-06-01"),
        ])
        let all = try t.ledger.expansionTimeline()
        #expect(all.timeline.map(\.kind) == ["site-planned", "program-extended", "program-extended", "site-opened", "program-launched"])
        #expect(all.timeline[1].territory == "34172" && all.timeline[2].territory == "FR-OCC")
        #expect(try t.ledger.expansionTimeline(.network("M")).timeline.map(\.site) == ["S2"])
        #expect(try t.ledger.expansionTimeline(.network("N")).timeline.count == 4)
        #expect(try t.ledger.expansionTimeline(.program("P")).timeline.count == 3)
        #expect(all.json["timeline"]?.serialized.contains(#""network":null"#) == true)
    }

    // MARK: Time travel and replay

    @Test("as-of and at-position, apart and together")
    func timeTravel() throws {
        let t = try world([select("A2", "2021-06-02"), line("ParticipantWithdrew", #"{"application":"A1"}"#, on: "2021-06-01")])
        // Positions: 10 = A1 selected (05-28), 11 = A2 selected (06-02), 12 = A1 withdrew (06-01).
        #expect(try t.ledger.roster(cohort: "C").active == 1)
        #expect(try t.ledger.roster(cohort: "C", bounds: .init(asOf: CivilDate("2021-05-31"))).active == 1)
        #expect(try t.ledger.roster(cohort: "C", bounds: .init(asOf: CivilDate("2021-05-31"))).members.map(\.application) == ["A1"])
        #expect(try t.ledger.roster(cohort: "C", bounds: .init(asOf: CivilDate("2021-06-01"))).active == 0)
        #expect(try t.ledger.roster(cohort: "C", bounds: .init(atPosition: 11)).active == 2)
        #expect(try t.ledger.roster(cohort: "C", bounds: .init(asOf: CivilDate("2021-06-01"), atPosition: 11)).active == 1)
        #expect(throws: LedgerError.self) { try t.ledger.roster(cohort: "C", bounds: .init(atPosition: 6)) }
        // Unbounded queries read the persisted read models; bounded ones fold: same answer at the head.
        #expect(try t.ledger.roster(cohort: "C") == t.ledger.roster(cohort: "C", bounds: .init(atPosition: 12)))
    }

    @Test("replay rebuilds read models identical to incremental ones, and verify passes")
    func replayEqualsIncremental() throws {
        let t = try TemporaryLedger()
        try t.ledger.importFiles(fixtureFiles)
        let incremental = try t.ledger.read { txn in try t.ledger.projections.store(for: ReadModelsProjection(), txn).entries(withPrefix: []) }
        #expect(try t.ledger.replay() == UInt64(fixtureEventCount))
        let replayed = try t.ledger.read { txn in try t.ledger.projections.store(for: ReadModelsProjection(), txn).entries(withPrefix: []) }
        #expect(incremental.map(\.key) == replayed.map(\.key) && incremental.map(\.value) == replayed.map(\.value))
        let report = try t.ledger.verify()
        #expect(report.passed, "\(report.problems)")
        #expect(report.events == UInt64(fixtureEventCount))
    }

    @Test("a cohort record keeps its sessions' attendees, participants stored by index and any other id in full")
    func cohortRecordRoundTrip() throws {
        var cohort = CohortRecord(program: "P", label: "Juin", capacity: 2, applicationDeadline: 18_700)
        cohort.applications = ["A1", "A2", "A3"]
        cohort.active = 2
        cohort.sessions = [SessionRecord(day: 18_800, position: 9, attendees: ["A3", "A1"]),
                           SessionRecord(day: 18_801, position: 12, attendees: []),
                           SessionRecord(day: 18_802, position: 15, attendees: ["A2", "elsewhere", "A2"])]
        let bytes = cohort.storedBytes
        #expect(try bytes.withUnsafeBytes { try CohortRecord(stored: $0) } == cohort)
        // Participants are stored once, in the applications; sessions name them by index.
        func occurrences(_ id: String) -> Int {
            let needle = Array(id.utf8)
            return (0...(bytes.count - needle.count)).filter { Array(bytes[$0..<$0 + needle.count]) == needle }.count
        }
        #expect(occurrences("A2") == 1 && occurrences("A3") == 1 && occurrences("elsewhere") == 1)

        // A large cohort (its attendees found through a table): the same round trip.
        var large = cohort
        large.applications = (1...60).map { "L\($0)" }
        large.sessions = [SessionRecord(day: 18_900, position: 70, attendees: ["L60", "L1", "outsider", "L33"])]
        #expect(try large.storedBytes.withUnsafeBytes { try CohortRecord(stored: $0) } == large)
    }

    @Test("replay decodes on a second thread, a chunk at a time: the same read models over several chunks; a record that does not decode stops it and changes nothing")
    func replayInChunks() throws {
        let t = try TemporaryLedger()
        try t.ledger.importJSONLines(WorkloadGenerator(events: 10_000, seed: 5).map(\.jsonLine).joined(separator: "\n"))
        func readModels() throws -> [(key: [UInt8], value: [UInt8])] {
            try t.ledger.read { txn in try t.ledger.projections.store(for: ReadModelsProjection(), txn).entries(withPrefix: []) }
        }
        let incremental = try readModels()
        #expect(try t.ledger.replay() == 10_000)
        let replayed = try readModels()
        #expect(incremental.map(\.key) == replayed.map(\.key) && incremental.map(\.value) == replayed.map(\.value))

        // An unknown storage layout at position 9,000 (past the first chunks).
        try IntegrityTests.tamper(t.ledger, at: 9_000) { $0[0] = 0x7F }
        #expect(throws: LedgerError.self) { try t.ledger.replay() }
        let after = try readModels()
        #expect(after.map(\.key) == replayed.map(\.key) && after.map(\.value) == replayed.map(\.value))
    }

    @Test("verify notices a read model that differs from the log")
    func verifyNotices() throws {
        let t = try world()
        try t.ledger.environment.write { txn in
            try t.ledger.projections.store(for: ReadModelsProjection(), txn).set(Array("{}".utf8), for: RecordKind.cohort.key("ghost"))
        }
        let report = try t.ledger.verify()
        #expect(!report.passed)
        #expect(report.problems.contains { $0.contains("differs from a fresh fold") })
        try t.ledger.replay()
        #expect(try t.ledger.verify().passed)
    }
}

