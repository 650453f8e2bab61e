import Foundation
import Testing
@testable import Essaim

/// The networks' own life (`events.md`, "The networks' own life", "Companies",
/// rules 2, 3, 5, 6, 7, 10; `projections.md`: Members, Reach, Mentoring,
/// Shared positions).
@Suite struct NetworkLifeTests {
    // A club of at most 2 members, in Hérault, next to the base world's network N.
    static let club = line("NetworkRegistered", #"{"network":"club","name":"Cercle des Vingt","kind":"association","territory":"FR-34","memberCapacity":2}"#)

    static func join(_ network: String, _ company: String, on date: String = "2020-02-01", territory: String? = "34172",
                     name: String? = nil) -> String {
        let place = territory.map { #","territory":"\#($0)""# } ?? ""
        return line("MemberJoined", #"{"network":"\#(network)","company":{"id":"\#(company)","name":"\#(name ?? "Company \(company)")"\#(place)}}"#, on: date)
    }

    static func leave(_ network: String, _ company: String, on date: String = "2020-06-01") -> String {
        line("MemberLeft", #"{"network":"\#(network)","company":"\#(company)"}"#, on: date)
    }

    static func mentor(_ id: String, _ mentor: String, _ mentee: String, theme: String? = nil, planned: Int? = nil,
                       network: String = "N", on date: String = "2020-03-01") -> String {
        var data = #"{"mentorship":"\#(id)","network":"\#(network)","mentor":"\#(mentor)","mentee":"\#(mentee)""#
        if let theme { data += #","theme":"\#(theme)""# }
        if let planned { data += #","plannedMinutes":\#(planned)"# }
        return line("MentorshipStarted", data + "}", on: date)
    }

    static func mentoringSession(_ id: String, _ mentorship: String, _ minutes: Int, on date: String = "2020-04-01") -> String {
        line("MentoringSessionHeld", #"{"session":"\#(id)","mentorship":"\#(mentorship)","durationMinutes":\#(minutes)}"#, on: date)
    }

    static let position = line("SharedPositionOpened", #"{"position":"boston","network":"N","title":"Business developer","territory":"FR","capacityPercent":100}"#, on: "2020-03-01")

    static func share(_ company: String, _ percent: Int, on date: String = "2020-03-15") -> String {
        line("SharedPositionJoined", #"{"position":"boston","company":"\#(company)","sharePercent":\#(percent)}"#, on: date)
    }

    /// The base world, with co-1 and co-2 members of N.
    static let members = [join("N", "co-1"), join("N", "co-2")]

    // MARK: Refusals

    @Test("rule 2: unknown network, company, mentorship, position or territory", arguments: [
        join("nope", "co-9"),
        leave("N", "co-9"),
        mentor("m1", "co-1", "co-9"),
        mentoringSession("ms", "nope", 30),
        line("MentorshipEnded", #"{"mentorship":"nope"}"#),
        share("co-1", 10),
        line("SharedPositionOpened", #"{"position":"p","network":"N","title":"x","territory":"US-MA"}"#),
        join("N", "co-9", territory: "US-MA"),
    ])
    func unknownReferences(_ refused: String) throws {
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: Self.members, refused)
        #expect(refusal?.rule == .unknownReference, "\(refusal?.description ?? "accepted")")
    }

    @Test("rule 3: a mentorship, a position, and a mentoring session in the sessions' one namespace")
    func duplicates() throws {
        for (setup, refused) in [
            ([Self.mentor("m1", "co-1", "co-2")], Self.mentor("m1", "co-2", "co-1")),
            ([Self.position], Self.position),
            ([Self.mentor("m1", "co-1", "co-2"), line("SessionHeld", #"{"session":"s1","cohort":"C","kind":"coaching","attendees":[]}"#)],
             Self.mentoringSession("s1", "m1", 30)),
        ] {
            let t = try TemporaryLedger()
            let refusal = try t.refusal(after: Self.members + setup, refused)
            #expect(refusal?.rule == .duplicateDefinition, "\(refusal?.description ?? "accepted")")
        }
    }

    @Test("rule 5: a members-only program takes active members of its networks, and says who is not one")
    func membersOnly() throws {
        let program = line("ProgramLaunched", #"{"program":"MO","name":"Club des dirigeants","kind":"club","networks":["N"],"territories":["FR-34"],"eligibility":{"membersOnly":true}}"#)
        let cohort = line("CohortOpened", #"{"program":"MO","cohort":"MO1","label":"2020"}"#)
        func apply(_ company: String, _ id: String, on date: String = "2020-09-01") -> String {
            line("ApplicationSubmitted", #"{"application":"\#(id)","cohort":"MO1","company":{"id":"\#(company)","name":"x"}}"#, on: date)
        }
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: Self.members + [program, cohort, Self.leave("N", "co-2")], apply("co-2", "a2"))
        #expect(refusal?.rule == .ineligible)
        #expect(refusal?.detail == "program MO: co-2 is not a member of Medef Hérault since 2020-06-01")
        try t.importLines(Self.members + [program, cohort, apply("co-1", "a1")])
        #expect(try t.ledger.roster(cohort: "MO1").applications == 1)
        let never = try TemporaryLedger()
        let neverRefusal = try never.refusal(after: [program, cohort], apply("co-7", "a7"))
        #expect(neverRefusal?.detail == "program MO: co-7 is not a member of Medef Hérault")
    }

    @Test("rule 6: joining twice, leaving when not a member, a closed mentorship or position, a share held or not held",
          arguments: [
        ([], join("N", "co-1")),
        ([leave("N", "co-1")], leave("N", "co-1")),
        ([mentor("m1", "co-1", "co-2"), line("MentorshipEnded", #"{"mentorship":"m1"}"#)], mentoringSession("ms", "m1", 30)),
        ([mentor("m1", "co-1", "co-2"), line("MentorshipEnded", #"{"mentorship":"m1"}"#)], line("MentorshipEnded", #"{"mentorship":"m1"}"#)),
        ([position, share("co-1", 20)], share("co-1", 10)),
        ([position, line("SharedPositionClosed", #"{"position":"boston"}"#)], share("co-1", 10)),
        ([position], line("SharedPositionLeft", #"{"position":"boston","company":"co-1"}"#)),
        ([position, line("SharedPositionClosed", #"{"position":"boston"}"#)], line("SharedPositionClosed", #"{"position":"boston"}"#)),
    ])
    func outOfOrder(_ example: ([String], String)) throws {
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: Self.members + example.0, example.1)
        #expect(refusal?.rule == .decisionOutOfOrder, "\(refusal?.description ?? "accepted")")
    }

    @Test("rule 7: a full club, then a leave, then a join; shares beyond the position's capacity")
    func full() throws {
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: [Self.club, Self.join("club", "co-1"), Self.join("club", "co-2")], Self.join("club", "co-3"))
        #expect(refusal?.rule == .full)
        #expect(refusal?.detail == "Cercle des Vingt already has its 2 members")
        try t.importLines([Self.club, Self.join("club", "co-1"), Self.join("club", "co-2"), Self.leave("club", "co-1"), Self.join("club", "co-3")])
        #expect(try t.ledger.members(network: "club").active == 2)

        let shares = try TemporaryLedger()
        let over = try shares.refusal(after: Self.members + [Self.position, Self.share("co-1", 70)], Self.share("co-2", 40))
        #expect(over?.rule == .full)
        #expect(over?.detail == "shared position boston has 30 % left of 100 %, not 40 %")
    }

    @Test("rule 10: mentor and mentee active members and different; a share holder an active member", arguments: [
        ([], mentor("m1", "co-1", "co-1")),
        ([join("club", "co-3")], mentor("m1", "co-1", "co-3")),
        ([join("club", "co-3")], mentor("m1", "co-3", "co-1")),
        ([leave("N", "co-2")], mentor("m1", "co-1", "co-2")),
        ([join("club", "co-3"), position], share("co-3", 10)),
    ])
    func membership(_ example: ([String], String)) throws {
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: Self.members + [Self.club] + example.0, example.1)
        #expect(refusal?.rule == .membership, "\(refusal?.description ?? "accepted")")
        #expect(refusal?.rule.number == 10)
    }

    // MARK: Read models

    @Test("members: since the latest membership, left on the last departure, by since then company; counts and seats")
    func memberList() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld + [
            Self.club, Self.join("club", "co-b", on: "2020-01-05"), Self.join("club", "co-a", on: "2020-01-05"),
            Self.leave("club", "co-b", on: "2020-03-01"), Self.join("club", "co-c", on: "2020-03-02"),
            Self.leave("club", "co-a", on: "2020-04-01"), Self.join("club", "co-a", on: "2020-05-01", name: "Renamed A"),
        ])
        let m = try t.ledger.members(network: "club")
        #expect(m.memberCapacity == 2 && m.active == 2 && m.seatsLeft == 0 && m.joined == 4 && m.left == 2)
        #expect(m.members.map(\.company) == ["co-b", "co-c", "co-a"])
        #expect(m.members.map(\.status) == ["left", "active", "active"])
        #expect(m.members[0].leftOn == CivilDate("2020-03-01") && m.members[2].leftOn == nil)
        #expect(m.members[2].since == CivilDate("2020-05-01") && m.members[2].name == "Renamed A")
        #expect(try t.ledger.members(network: "N").seatsLeft == nil)
        // As of before the rejoin, co-a had left.
        let before = try t.ledger.members(network: "club", bounds: TimeBounds(asOf: CivilDate("2020-04-15")))
        #expect(before.members.first { $0.company == "co-a" }?.status == "left" && before.active == 1)
        #expect(throws: LedgerError.self) { try t.ledger.members(network: "nope") }
    }

    @Test("mentoring: sessions and minutes per pair, over-allowance, reciprocal pairs, themes in order without the unthemed")
    func mentoring() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld + Self.members + [Self.join("N", "co-3"),
            Self.mentor("m1", "co-1", "co-2", theme: "regulatory", planned: 60, on: "2020-03-01"),
            Self.mentor("m2", "co-2", "co-1", theme: "export", on: "2020-03-01"),
            Self.mentor("m3", "co-1", "co-3", on: "2020-02-20"),
            Self.mentor("m4", "co-1", "co-2", theme: "export", planned: 120, on: "2020-05-01"),
            Self.mentoringSession("x1", "m1", 45), Self.mentoringSession("x2", "m1", 30), Self.mentoringSession("x3", "m4", 60),
            line("MentorshipEnded", #"{"mentorship":"m3"}"#, on: "2020-06-01"),
        ])
        let m = try t.ledger.mentoring(network: "N")
        #expect(m.pairs.map(\.mentorship) == ["m3", "m1", "m2", "m4"])
        #expect(m.mentorships == 4 && m.active == 3 && m.sessions == 3 && m.minutes == 135)
        #expect(m.reciprocalPairs == 1)
        #expect(m.byTheme.map(\.theme) == ["export", "regulatory"])
        #expect(m.byTheme.map(\.totals) == [Mentoring.Theme(mentorships: 2, minutes: 60), Mentoring.Theme(mentorships: 1, minutes: 75)])
        let m1 = try #require(m.pairs.first { $0.mentorship == "m1" })
        #expect(m1.sessions == 2 && m1.minutes == 75 && m1.overAllowance)
        #expect(m.pairs.first { $0.mentorship == "m4" }?.overAllowance == false)
        #expect(m.pairs.first { $0.mentorship == "m2" }?.overAllowance == false)
        #expect(m.pairs.first { $0.mentorship == "m3" }?.endedOn == CivilDate("2020-06-01"))
        let early = try t.ledger.mentoring(network: "N", bounds: TimeBounds(asOf: CivilDate("2020-02-28")))
        #expect(early.mentorships == 1 && early.reciprocalPairs == 0)
    }

    @Test("positions: shares sum to the allocation, leaving moves a share to former, closing ends every share")
    func positions() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld + Self.members + [Self.join("N", "co-3"), Self.position,
            Self.share("co-2", 25, on: "2020-03-15"), Self.share("co-1", 50, on: "2020-03-10"), Self.share("co-3", 25, on: "2020-03-15"),
            line("SharedPositionLeft", #"{"position":"boston","company":"co-3"}"#, on: "2020-09-30"),
        ])
        var p = try #require(try t.ledger.sharedPositions().positions.first)
        #expect(p.allocatedPercent == 75 && p.capacityPercent == 100)
        #expect(p.holders.map(\.company) == ["co-1", "co-2"])
        #expect(p.former.map(\.company) == ["co-3"] && p.former[0].until == CivilDate("2020-09-30"))
        try t.importLines([line("SharedPositionClosed", #"{"position":"boston"}"#, on: "2021-01-31")])
        p = try #require(try t.ledger.sharedPositions(network: "N").positions.first)
        #expect(p.allocatedPercent == 0 && p.holders.isEmpty && p.closedOn == CivilDate("2021-01-31"))
        #expect(p.former.map(\.company) == ["co-3", "co-1", "co-2"])
        #expect(p.former.dropFirst().allSatisfy { $0.until == CivilDate("2021-01-31") })
        #expect(p.holders.isEmpty)
        let asOf = try t.ledger.sharedPositions(bounds: TimeBounds(asOf: CivilDate("2020-03-12")))
        #expect(asOf.positions[0].holders.map(\.company) == ["co-1"] && asOf.positions[0].allocatedPercent == 50)
        #expect(throws: LedgerError.self) { try t.ledger.sharedPositions(network: "nope") }
    }

    @Test("reach: each company once across networks and territories; companies without a territory only without a scope")
    func reach() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld + [
            Self.club,
            Self.join("club", "co-A1"),                       // also the applicant of A1, in N's program: two networks
            Self.join("club", "co-x", territory: nil),        // no territory
            Self.join("N", "co-y", territory: "FR-OCC"),      // in Occitanie, not in Hérault
        ])
        let all = try t.ledger.reach()
        #expect(all.territory == nil && all.companies == 4 && all.members == 3 && all.applicants == 2)
        #expect(all.participants == 1 && all.inSeveralNetworks == 1)
        #expect(all.networks.map(\.network) == ["N", "club"] && all.networks.map(\.companies) == [3, 2])
        let herault = try t.ledger.reach(territory: "FR-34")
        #expect(herault.companies == 2 && herault.members == 1 && herault.networks.map(\.companies) == [2, 1])
        let occitanie = try t.ledger.reach(territory: "FR-OCC")
        #expect(occitanie.companies == 3)
        #expect(throws: LedgerError.self) { try t.ledger.reach(territory: "nope") }
    }

    @Test("a reach record takes its networks' changes in id order without zeros, summed per scope or one territory at a time")
    func reachMerge() {
        var random = SplitMix64(seed: 20_261_207)
        // Ids that sort apart from their bytes' order too (String order, as the record keeps).
        let ids = (0 ..< 40).map { "n\($0)" } + ["é", "e", "Z", "a-long-network-identifier-\(1)", ""]
        // One sum for every round, emptied at each, as a write-back's settle reuses it.
        var summed = ReachDelta()
        for _ in 0 ..< 300 {
            var record = ReachRecord(), model: [String: Int] = [:], applied = ReachRecord()
            summed.removeAll()
            for _ in 0 ..< Int.random(in: 1 ... 6, using: &random) {
                var delta = ReachDelta()
                delta.companies = Int.random(in: -2 ... 2, using: &random)
                for _ in 0 ..< Int.random(in: 0 ... 30, using: &random) {
                    let id = ids.randomElement(using: &random)!, change = Int.random(in: -2 ... 2, using: &random)
                    delta.networks[id, default: 0] += change
                    model[id, default: 0] += change
                }
                record.apply(delta)
                summed.add(delta)
                let expected = model.filter { $0.value != 0 }.sorted { $0.key < $1.key }
                #expect(record.networks.map(\.network) == expected.map(\.key))
                #expect(record.networks.map(\.companies) == expected.map(\.value))
            }
            applied.apply(summed)
            #expect(applied == record)
        }
    }

    @Test("companies: the latest detail an event gives wins, and a participant moves with its company")
    func latestCompanyDetails() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld)
        #expect(try t.ledger.territoryExpansion(code: "34172").territories.first?.participants == 1)
        // A1's company joins N, now located in Occitanie outside Hérault, under a new name.
        try t.importLines([line("MemberJoined", #"{"network":"N","company":{"id":"co-A1","name":"A1 renamed","territory":"FR-OCC","sector":"santé"}}"#)])
        let member = try #require(try t.ledger.roster(cohort: "C").members.first)
        #expect(member.company == "A1 renamed" && member.territory == "FR-OCC" && member.sector == "santé")
        #expect(try t.ledger.territoryExpansion(code: "34172").territories.first?.participants == 0)
        #expect(try t.ledger.territoryExpansion(code: "FR-OCC").territories.first { $0.code == "FR-OCC" }?.participants == 1)
        #expect(try t.ledger.growth(.territory("FR-34")).funnel.participants == 0)
        #expect(try t.ledger.growth(.territory("FR-OCC")).funnel.participants == 1)
        // A detail an event leaves out is kept.
        try t.importLines([Self.leave("N", "co-A1"), line("MemberJoined", #"{"network":"N","company":{"id":"co-A1","name":"A1"}}"#, on: "2020-07-01")])
        #expect(try t.ledger.roster(cohort: "C").members.first?.territory == "FR-OCC")
        #expect(try t.ledger.verify().passed)
    }

    @Test("the new events round-trip through export and import exactly")
    func roundTrip() throws {
        let t = try TemporaryLedger()
        let lines = baseWorld + Self.members + [Self.club,
            Self.mentor("m1", "co-1", "co-2", theme: "regulatory", planned: 60), Self.mentoringSession("x", "m1", 30),
            line("MentorshipEnded", #"{"mentorship":"m1","reason":"done"}"#), Self.position, Self.share("co-1", 30),
            line("SharedPositionLeft", #"{"position":"boston","company":"co-1","reason":"budget"}"#),
            line("SharedPositionClosed", #"{"position":"boston","reason":"end"}"#), Self.leave("N", "co-2"),
            line("ProgramLaunched", #"{"program":"MO","name":"x","kind":"club","networks":["N"],"territories":["FR"],"eligibility":{"minHeadcount":2,"membersOnly":true}}"#),
        ]
        try t.importLines(lines)
        let exported = try t.ledger.events()
        let copy = try TemporaryLedger()
        try copy.ledger.importJSONLines(exported.map(\.jsonLine).joined(separator: "\n"))
        let again = try copy.ledger.events()
        #expect(exported.map(\.event) == again.map(\.event))
        #expect(exported.map(\.id) == again.map(\.id))
        #expect(exported.map(\.stream) == again.map(\.stream))
        #expect(try copy.ledger.members(network: "N") == t.ledger.members(network: "N"))
        #expect(try copy.ledger.mentoring(network: "N") == t.ledger.mentoring(network: "N"))
        #expect(try copy.ledger.sharedPositions() == t.ledger.sharedPositions())
        #expect(Set(exported.map(\.stream)).isSuperset(of: ["network-N", "mentorship-m1", "position-boston"]))
    }
}
