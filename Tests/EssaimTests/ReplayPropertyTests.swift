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
    /// respect the rules, sessions of active participants, outcomes, sites, and
    /// the network's own life (members joining and leaving, mentorships and their
    /// sessions, a shared position's shares).
    static func randomLines(seed: UInt64, count: Int) -> [String] {
        var g = Generator(state: seed)
        var lines: [String] = [line("CohortOpened", #"{"program":"P","cohort":"K","label":"random","capacity":4}"#, on: "2021-01-01")]
        var status: [String: String] = [:]
        var active = 0
        var sessions = 0, sites = 0
        var members: [String] = [], former: [String] = []
        var mentorships: [String: Bool] = [:]   // id → ended
        var holders: [String: Int] = [:], positionOpen = false, positionClosed = false
        var companies: [String: String] = [:], closed: Set<String> = []
        for step in 0..<count {
            let day = "2021-\(String(format2(1 + g.next(12))))-\(String(format2(1 + g.next(28))))"
            let ids = status.keys.sorted()
            switch g.next(12) {
            case 0, 1:
                let id = "k\(step)"
                status[id] = "pending"
                companies[id] = "c\(step)"
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
            case 7:
                if !members.isEmpty && g.next(3) == 0 {
                    let leaving = members.remove(at: g.next(members.count))
                    former.append(leaving)
                    lines.append(line("MemberLeft", "{\"network\":\"N\",\"company\":\"\(leaving)\"}", on: day))
                } else {
                    let company = !former.isEmpty && g.next(3) == 0 ? former.remove(at: g.next(former.count)) : "m\(step)"
                    members.append(company)
                    let territory = ["34172", "FR-34", "FR-OCC", nil][g.next(4)].map { ",\"territory\":\"\($0)\"" } ?? ""
                    lines.append(line("MemberJoined", "{\"network\":\"N\",\"company\":{\"id\":\"\(company)\",\"name\":\"n\(step)\"\(territory)}}", on: day))
                }
            case 8:
                let open = mentorships.filter { !$0.value }.keys.sorted()
                if let id = open.randomElement(using: &g), g.next(2) == 0 {
                    if g.next(4) == 0 {
                        mentorships[id] = true
                        lines.append(line("MentorshipEnded", "{\"mentorship\":\"\(id)\"}", on: day))
                    } else {
                        sessions += 1
                        lines.append(line("MentoringSessionHeld", "{\"session\":\"s\(sessions)\",\"mentorship\":\"\(id)\",\"durationMinutes\":\(30 + g.next(90))}", on: day))
                    }
                } else if members.count >= 2 {
                    let mentor = members[g.next(members.count)]
                    guard let mentee = members.filter({ $0 != mentor }).randomElement(using: &g) else { continue }
                    mentorships["t\(step)"] = false
                    let theme = ["export", "financement", nil][g.next(3)].map { ",\"theme\":\"\($0)\"" } ?? ""
                    lines.append(line("MentorshipStarted", "{\"mentorship\":\"t\(step)\",\"network\":\"N\",\"mentor\":\"\(mentor)\",\"mentee\":\"\(mentee)\"\(theme),\"plannedMinutes\":120}", on: day))
                }
            case 9:
                if !positionOpen && !positionClosed {
                    positionOpen = true
                    lines.append(line("SharedPositionOpened", #"{"position":"pos","network":"N","title":"x","territory":"FR-34"}"#, on: day))
                } else if positionOpen, let holder = holders.keys.sorted().first, g.next(3) == 0 {
                    holders[holder] = nil
                    lines.append(line("SharedPositionLeft", "{\"position\":\"pos\",\"company\":\"\(holder)\"}", on: day))
                } else if positionOpen, g.next(12) == 0 {
                    positionOpen = false
                    positionClosed = true
                    lines.append(line("SharedPositionClosed", #"{"position":"pos"}"#, on: day))
                } else if positionOpen, let joiner = members.first(where: { holders[$0] == nil }),
                          holders.values.reduce(0, +) + 25 <= 100 {
                    holders[joiner] = 25
                    lines.append(line("SharedPositionJoined", "{\"position\":\"pos\",\"company\":\"\(joiner)\",\"sharePercent\":25}", on: day))
                }
            case 10:
                guard let id = ids.filter({ ["rejected", "waitlisted"].contains(status[$0]) }).randomElement(using: &g) else { continue }
                lines.append(line("FollowUpRecorded", "{\"application\":\"\(id)\",\"metrics\":{\"revenueEur\":\(g.next(900_000)),\"headcount\":\(g.next(30))}}", on: day))
            case 11:
                guard let id = ids.filter({ ["selected", "withdrawn"].contains(status[$0]) }).randomElement(using: &g),
                      let company = companies[id], closed.insert(company).inserted else { continue }
                lines.append(line("CompanyClosed", "{\"company\":\"\(company)\"}", on: "202\(2 + g.next(4))-0\(1 + g.next(9))-1\(g.next(9))"))
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
        let membersBefore = try t.ledger.members(network: "N")
        let mentoringBefore = try t.ledger.mentoring(network: "N")
        let positionsBefore = try t.ledger.sharedPositions()
        let reachBefore = try t.ledger.reach(territory: "FR-OCC")
        let survivalBefore = try t.ledger.survival(.cohort("K"), bounds: TimeBounds(asOf: CivilDate("2030-01-01")))
        try t.ledger.replay()
        let replayed = try t.ledger.read { txn in try t.ledger.projections.store(for: ReadModelsProjection(), txn).entries(withPrefix: []) }
        #expect(incremental.map(\.key) == replayed.map(\.key))
        #expect(incremental.map(\.value) == replayed.map(\.value))
        #expect(try t.ledger.roster(cohort: "K") == rosterBefore)
        #expect(try t.ledger.growth(.cohort("K")) == growthBefore)
        #expect(try t.ledger.members(network: "N") == membersBefore)
        #expect(try t.ledger.mentoring(network: "N") == mentoringBefore)
        #expect(try t.ledger.sharedPositions() == positionsBefore)
        #expect(try t.ledger.reach(territory: "FR-OCC") == reachBefore)
        #expect(try t.ledger.survival(.cohort("K"), bounds: TimeBounds(asOf: CivilDate("2030-01-01"))) == survivalBefore)
        // A bounded query at the head folds in memory and must agree too.
        let head = TimeBounds(atPosition: try t.ledger.headPosition())
        #expect(try t.ledger.roster(cohort: "K", bounds: head) == rosterBefore)
        #expect(try t.ledger.members(network: "N", bounds: head) == membersBefore)
        #expect(try t.ledger.mentoring(network: "N", bounds: head) == mentoringBefore)
        #expect(try t.ledger.sharedPositions(bounds: head) == positionsBefore)
        #expect(try t.ledger.reach(territory: "FR-OCC", bounds: head) == reachBefore)
        #expect(try t.ledger.growth(.cohort("K"), bounds: head) == growthBefore)
        #expect(try t.ledger.verify().passed)
    }

    @Test("write-backs encoded on threads of their own: appended and replayed read models are byte-identical, and verify")
    func concurrentWriteBack() throws {
        // Enough records that the import's and the replay's last write-backs
        // encode them on two more threads (the caches split in two runs); the
        // events appended one batch at a time before them write back on this thread.
        let events = Array(WorkloadGenerator(events: 30_000, seed: 5))
        let t = try TemporaryLedger()
        try t.ledger.append(Array(events.prefix(2_000)))
        for start in stride(from: 2_000, to: 2_600, by: 100) { try t.ledger.append(Array(events[start..<start + 100])) }
        try t.ledger.append(Array(events.dropFirst(2_600)))
        func readModels() throws -> [(key: [UInt8], value: [UInt8])] {
            try t.ledger.read { txn in try t.ledger.projections.store(for: ReadModelsProjection(), txn).entries(withPrefix: []) }
        }
        let appended = try readModels()
        #expect(appended.count >= Entities.concurrentWriteBack)
        try t.ledger.replay()
        let replayed = try readModels()
        #expect(appended.map(\.key) == replayed.map(\.key))
        #expect(appended.map(\.value) == replayed.map(\.value))
        #expect(try t.ledger.verify().passed)
    }

    /// The base world's stored events, and a full run of them.
    private func storedRun() throws -> (stored: [RecordedEvent], run: EventRun) {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld)
        let stored = try t.ledger.events()
        let run = EventRun(capacity: stored.count)
        for event in stored { run.append(event) }
        return (stored, run)
    }

    private struct Stop: Error {}

    @Test("an event run hands each event over once, in order; after an error the rest stay in it")
    func eventRun() throws {
        let (stored, run) = try storedRun()
        #expect(run.isFull && run.count == stored.count)
        var seen: [RecordedEvent] = []
        #expect(throws: Stop.self) {
            try run.takeEach { event in
                seen.append(copy event)
                if seen.count == 3 { throw Stop() }
            }
        }
        run.takeEach { event in seen.append(copy event) }
        #expect(seen == stored)
    }

    @Test("a run made from a room frees its values and gives the room back; the next run takes it; at most `kept` are kept")
    func runRoom() {
        final class Freed: @unchecked Sendable { var count = 0 }
        final class Value {
            let freed: Freed
            init(_ freed: Freed) { self.freed = freed }
            deinit { freed.count += 1 }
        }
        let freed = Freed()
        let room = RunRoom<Value>(capacity: 3)
        do {
            let run = MoveOutRun(room: room)
            for _ in 0 ..< 3 { run.append(Value(freed)) }
            #expect(run.isFull)
            var lent = 0
            run.lendEach { _ in lent += 1 }
            #expect(lent == 3 && freed.count == 0)
        }
        #expect(freed.count == 3 && room.keptCount == 1)
        do {
            let run = MoveOutRun(room: room)
            #expect(room.keptCount == 0 && run.count == 0)
            run.append(Value(freed))
            run.takeEach { _ in }
            #expect(freed.count == 4)
        }
        #expect(room.keptCount == 1)
        do {
            let runs = (0 ..< RunRoom<Value>.kept + 3).map { _ in MoveOutRun(room: room) }
            #expect(room.keptCount == 0 && runs.count == RunRoom<Value>.kept + 3)
        }
        #expect(room.keptCount == RunRoom<Value>.kept)
    }

    @Test("an event run lends each event in order and keeps it; after an error it still holds them all")
    func eventRunLends() throws {
        let (stored, run) = try storedRun()
        var lent: [RecordedEvent] = []
        #expect(throws: Stop.self) {
            try run.lendEach { event in
                lent.append(copy event)
                if lent.count == 3 { throw Stop() }
            }
        }
        #expect(lent == Array(stored.prefix(3)))
        lent = []
        run.lendEach { event in lent.append(copy event) }
        #expect(lent == stored)
        var taken: [RecordedEvent] = []
        run.takeEach { event in taken.append(copy event) }
        #expect(taken == stored)
    }
}

extension ReplayPropertyTests.Generator: RandomNumberGenerator {
    mutating func next() -> UInt64 { UInt64(next(Int.max)) }
}

func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
