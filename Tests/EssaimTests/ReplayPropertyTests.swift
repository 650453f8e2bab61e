import Testing
@testable import Essaim

/// Property: for random valid event sequences, the read models kept up to date by
/// appends equal those rebuilt by replay (and a fresh fold, which verify checks).
@Suite struct ReplayPropertyTests {
    /// A small deterministic generator (SplitMix64), so a failing seed can be rerun.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    /// Random but valid lines after the base world: applications, decisions that
    /// respect the rules, sessions of active participants, outcomes, sites.
    static func randomLines(seed: UInt64, count: Int) -> [String] {
        var g = Generator(state: seed)
        var lines: [String] = [line("CohortOpened", #"{"program":"P","cohort":"K","label":"random","capacity":4}"#, on: "2021-01-01")]
        var status: [String: String] = [:]
        var active = 0
        var sessions = 0, sites = 0
        for step in 0..<count {
            let day = "2021-\(String(format2(1 + g.next(12))))-\(String(format2(1 + g.next(28))))"
            let ids = status.keys.sorted()
            switch g.next(7) {
            case 0, 1:
                let id = "k\(step)"
                status[id] = "pending"
                let segment = ["economic-layoff", "reconversion", "x"][g.next(3)]
                lines.append(line("ApplicationSubmitted", #"{"application":"\#(id)","cohort":"K","company":{"id":"c\#(step)","name":"c","territory":"34172","foundedOn":"2010-01-01"},"baseline":{"revenueEur":\#(300_000 + g.next(500_000)),"headcount":\#(3 + g.next(20))},"segments":["\#(segment)"]}"#, on: "2021-01-0\(1 + g.next(9))"))
            case 2:
                guard let id = ids.filter({ ["pending", "waitlisted"].contains(status[$0]) }).first else { continue }
                if active < 4 && g.next(2) == 0 {
                    status[id] = "selected"; active += 1
                    lines.append(line("CandidateSelected", "{\"application\":\"\(id)\"}", on: day))
                } else if status[id] == "pending" && g.next(2) == 0 {
                    status[id] = "waitlisted"
                    lines.append(line("CandidateWaitlisted", "{\"application\":\"\(id)\"}", on: day))
                } else {
                    status[id] = "rejected"
                    lines.append(line("CandidateRejected", "{\"application\":\"\(id)\"}", on: day))
                }
            case 3:
                guard let id = ids.filter({ status[$0] == "selected" }).last, g.next(3) == 0 else { continue }
                status[id] = "withdrawn"; active -= 1
                lines.append(line("ParticipantWithdrew", "{\"application\":\"\(id)\"}", on: day))
            case 4:
                let attendees = ids.filter { status[$0] == "selected" && g.next(3) > 0 }.map { "\"\($0)\"" }
                sessions += 1
                lines.append(line("SessionHeld", "{\"session\":\"s\(sessions)\",\"cohort\":\"K\",\"kind\":\"coaching\",\"attendees\":[\(attendees.joined(separator: ","))]}", on: day))
            case 5:
                guard let id = ids.filter({ ["selected", "withdrawn"].contains(status[$0]) }).randomElement(using: &g) else { continue }
                let metrics = "{\"revenueEur\":\(g.next(900_000)),\"headcount\":\(g.next(40))}"
                let milestone = g.next(3) == 0 ? ",\"milestone\":\"company-created\"" : ""
                lines.append(line("OutcomeRecorded", "{\"application\":\"\(id)\",\"metrics\":\(metrics)\(milestone)}", on: day))
            default:
                sites += 1
                let kind = g.next(2) == 0 ? "SitePlanned" : "SiteOpened"
                let site = kind == "SitePlanned" ? "site\(sites)" : "open\(sites)"
                lines.append(line(kind, "{\"site\":\"\(site)\",\"name\":\"x\",\"network\":\"N\",\"territory\":\"\(["34172", "FR-34", "FR-OCC"][g.next(3)])\",\"program\":\"P\"}", on: day))
            }
        }
        return lines
    }

    @Test("incremental read models equal replayed ones for random valid sequences", arguments: Array(UInt64(1)...12))
    func incrementalEqualsReplay(seed: UInt64) throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld)
        // Appended in several batches, as an app would.
        let lines = Self.randomLines(seed: seed, count: 120)
        for chunk in stride(from: 0, to: lines.count, by: 17) {
            try t.importLines(Array(lines[chunk..<min(chunk + 17, lines.count)]))
        }
        let incremental = try t.ledger.read { txn in try t.ledger.projections.store(for: ReadModelsProjection(), txn).entries(withPrefix: []) }
        let rosterBefore = try t.ledger.roster(cohort: "K")
        let growthBefore = try t.ledger.growth(.cohort("K"))
        try t.ledger.replay()
        let replayed = try t.ledger.read { txn in try t.ledger.projections.store(for: ReadModelsProjection(), txn).entries(withPrefix: []) }
        #expect(incremental.map(\.key) == replayed.map(\.key))
        #expect(incremental.map(\.value) == replayed.map(\.value))
        #expect(try t.ledger.roster(cohort: "K") == rosterBefore)
        #expect(try t.ledger.growth(.cohort("K")) == growthBefore)
        // A bounded query at the head folds in memory and must agree too.
        #expect(try t.ledger.roster(cohort: "K", bounds: .init(atPosition: t.ledger.headPosition())) == rosterBefore)
        #expect(try t.ledger.verify().passed)
    }
}

extension ReplayPropertyTests.Generator: RandomNumberGenerator {
    mutating func next() -> UInt64 { UInt64(next(Int.max)) }
}

func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
