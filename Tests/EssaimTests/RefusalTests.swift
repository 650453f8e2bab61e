import Testing
@testable import Essaim

/// Every refusal rule of `events.md`: the event is refused with that rule, the
/// error names the line, type and id, and nothing of the import is stored.
@Suite struct RefusalTests {
    static let malformedLines: [(String, String)] = [
        ("not JSON", #"{"type":"CandidateSelected","occurredAt":"2021-06-01","data":{"application":"A2"}"#),
        ("not an object", #"["CandidateSelected"]"#),
        ("missing field", line("CandidateSelected", #"{}"#)),
        ("missing data", #"{"type":"CandidateSelected","occurredAt":"2021-06-01"}"#),
        ("mistyped field", line("CandidateSelected", #"{"application":42}"#)),
        ("unknown data field", line("CandidateSelected", #"{"application":"A2","seat":3}"#)),
        ("unknown top-level field", #"{"type":"CandidateSelected","occurredAt":"2021-06-01","data":{"application":"A2"},"extra":1}"#),
        ("unknown type", line("CandidateHired", #"{"application":"A2"}"#)),
        ("bad date", line("CandidateSelected", #"{"application":"A2"}"#, on: "2021-02-30")),
        ("bad date-time", line("CandidateSelected", #"{"application":"A2"}"#, on: "2021-06-01T25:00:00Z")),
        ("bad nested date", line("CohortOpened", #"{"program":"P","cohort":"C2","label":"x","committeeOn":"2021-13-01"}"#)),
        ("bad UUID", line("CandidateSelected", #"{"application":"A2"}"#, id: "not-a-uuid")),
        ("negative money", line("ApplicationSubmitted", application("A3", revenue: -1))),
        ("negative headcount", line("OutcomeRecorded", #"{"application":"A1","metrics":{"headcount":-2}}"#)),
        ("empty identifier", line("CandidateSelected", #"{"application":""}"#)),
        ("identifier over 128 characters", line("CandidateSelected", "{\"application\":\"\(String(repeating: "x", count: 129))\"}")),
        ("bad enum value", line("SessionHeld", #"{"session":"S","cohort":"C","kind":"party","attendees":[]}"#)),
        ("fractional number", line("OutcomeRecorded", #"{"application":"A1","metrics":{"headcount":2.5}}"#)),
        ("number over 64 bits", line("OutcomeRecorded", #"{"application":"A1","metrics":{"revenueEur":99999999999999999999}}"#)),
        ("duplicate key", #"{"type":"CandidateSelected","type":"CandidateRejected","occurredAt":"2021-06-01","data":{"application":"A2"}}"#),
        ("outcome without metrics or milestone", line("OutcomeRecorded", #"{"application":"A1","note":"nothing"}"#)),
        ("empty program networks", line("ProgramLaunched", #"{"program":"P2","name":"x","kind":"club","networks":[],"territories":["FR"]}"#)),
        ("metadata not strings", #"{"type":"CandidateSelected","occurredAt":"2021-06-01","data":{"application":"A2"},"metadata":{"actor":1}}"#),
        ("zero capacity", line("CohortOpened", #"{"program":"P","cohort":"C2","label":"x","capacity":0}"#)),
    ]

    @Test("rule 1: malformed lines are refused", arguments: malformedLines)
    func malformed(_ example: (String, String)) throws {
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: [], example.1)
        #expect(refusal?.rule == .malformed, "\(example.0): \(refusal?.description ?? "accepted")")
    }

    @Test("rule 1: a line over 1 MiB is refused without being parsed")
    func overlongLine() throws {
        let t = try TemporaryLedger()
        let note = String(repeating: "n", count: 1 << 20)
        let refusal = try t.refusal(after: [], line("OutcomeRecorded", "{\"application\":\"A1\",\"milestone\":\"x\",\"note\":\"\(note)\"}"))
        #expect(refusal?.rule == .malformed)
        #expect(refusal?.detail.contains("1 MiB") == true)
    }

    @Test("rule 1: the error names the line, the type and the id")
    func malformedMessage() throws {
        let t = try TemporaryLedger()
        let id = "5b0c1c4e-7a51-4d8b-9a43-0c2c8f1e2d3a"
        let refusal = try #require(try t.refusal(after: [], line("CandidateSelected", #"{"application":"A2","seat":1}"#, id: id)))
        #expect(refusal.eventType == "CandidateSelected")
        #expect(refusal.eventID == id)
        #expect(refusal.description.contains("line 1"))
        #expect(refusal.description.contains("rule 1"))
        #expect(refusal.description.contains("data.seat"))
    }

    @Test("rule 1: the error names a nested field by its whole path", arguments: [
        (#"{"application":"A3","cohort":"C","company":{"name":"c"}}"#, "data.company.id: missing required field"),
        (#"{"application":"A3","cohort":"C","company":"c"}"#, "data.company: expected an object, found string"),
        (#"{"application":"A3","cohort":"C","company":{"id":"c","name":"c","foundedOn":"2010-02-30"}}"#,
         #"data.company.foundedOn: "2010-02-30" is not a valid YYYY-MM-DD date"#),
        (#"{"application":"A3","cohort":"C","company":{"id":"c","name":"c"},"leader":{"name":"L","phone":"0"}}"#,
         "data.leader.phone: unknown field"),
        (#"{"application":"A3","cohort":"C","company":{"id":"c","name":"c"},"baseline":{"headcount":-1}}"#,
         "data.baseline.headcount: must not be negative"),
    ])
    func nestedPaths(_ example: (String, String)) throws {
        let t = try TemporaryLedger()
        let refusal = try #require(try t.refusal(after: [], line("ApplicationSubmitted", example.0)))
        #expect(refusal.rule == .malformed)
        #expect(refusal.detail.contains(example.1), "\(refusal.detail)")
    }

    @Test("rule 2: unknown references", arguments: [
        line("TerritoryDefined", #"{"code":"FR-30","name":"Gard","level":"department","parent":"FR-XX"}"#),
        line("NetworkRegistered", #"{"network":"N2","name":"x","kind":"other","territory":"FR-99"}"#),
        line("ProgramLaunched", #"{"program":"P2","name":"x","kind":"club","networks":["nobody"],"territories":["FR"]}"#),
        line("ProgramExtended", #"{"program":"nope","territories":["FR"]}"#),
        line("ProgramExtended", #"{"program":"P","territories":["FR-XX"]}"#),
        line("CohortOpened", #"{"program":"nope","cohort":"C2","label":"x"}"#),
        line("ApplicationSubmitted", #"{"application":"A9","cohort":"nope","company":{"id":"c","name":"c"}}"#),
        line("CandidateSelected", #"{"application":"A404"}"#),
        line("SessionHeld", #"{"session":"S","cohort":"C","kind":"meeting","attendees":["A404"]}"#),
        line("SiteOpened", #"{"site":"S1","name":"x","network":"N","territory":"34172","program":"nope"}"#),
    ])
    func unknownReference(_ refused: String) throws {
        let t = try TemporaryLedger()
        #expect(try t.refusal(after: [], refused)?.rule == .unknownReference)
    }

    @Test("rule 3: duplicate definitions", arguments: [
        line("TerritoryDefined", #"{"code":"FR-34","name":"Hérault","level":"department","parent":"FR-OCC"}"#),
        line("NetworkRegistered", #"{"network":"N","name":"x","kind":"other","territory":"FR"}"#),
        line("ProgramLaunched", #"{"program":"P","name":"x","kind":"club","networks":["N"],"territories":["FR"]}"#),
        line("CohortOpened", #"{"program":"P","cohort":"C","label":"x"}"#),
        line("ApplicationSubmitted", application("A1"), on: "2021-05-05"),
    ])
    func duplicateDefinition(_ refused: String) throws {
        let t = try TemporaryLedger()
        #expect(try t.refusal(after: [], refused)?.rule == .duplicateDefinition)
    }

    @Test("rule 3: a second SessionHeld or SiteOpened with the same id; planned then opened is fine")
    func duplicateSessionAndSite() throws {
        let t = try TemporaryLedger()
        let session = line("SessionHeld", #"{"session":"S","cohort":"C","kind":"meeting","attendees":["A1"]}"#, on: "2021-06-01")
        let planned = line("SitePlanned", #"{"site":"S1","name":"x","network":"N","territory":"34172"}"#)
        let opened = line("SiteOpened", #"{"site":"S1","name":"x","network":"N","territory":"34172"}"#, on: "2021-01-01")
        #expect(try t.refusal(after: [session], session)?.rule == .duplicateDefinition)
        try t.importLines([session, planned, opened])
        let again = try TemporaryLedger()
        #expect(try again.refusal(after: [planned, opened], opened)?.rule == .duplicateDefinition)
    }

    @Test("rule 4: an application after the deadline day is late; on the day it is not")
    func lateApplication() throws {
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: [line("ApplicationSubmitted", application("A3"), on: "2021-05-21T23:59:59Z")],
                                    line("ApplicationSubmitted", application("A4"), on: "2021-05-22"))
        #expect(refusal?.rule == .lateApplication)
    }

    @Test("rule 5: every failed criterion is listed; a missing figure fails")
    func ineligible() throws {
        let t = try TemporaryLedger()
        let refusal = try #require(try t.refusal(after: [], line("ApplicationSubmitted",
            application("A3", founded: "2019-05-04", revenue: 299_999, headcount: 2), on: "2021-05-03")))
        #expect(refusal.rule == .ineligible)
        #expect(refusal.detail.contains("company age 1"))
        #expect(refusal.detail.contains("299999"))
        #expect(refusal.detail.contains("headcount 2"))

        let missing = try TemporaryLedger()
        let noFigures = #"{"application":"A3","cohort":"C","company":{"id":"c","name":"c"}}"#
        let r2 = try #require(try missing.refusal(after: [], line("ApplicationSubmitted", noFigures, on: "2021-05-03")))
        #expect(r2.rule == .ineligible)
        #expect(r2.detail.components(separatedBy: ";").count == 3)
    }

    @Test("rule 5: company age counts full years to the application day")
    func companyAgeBoundary() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld)
        // Founded 2018-05-03: exactly 3 full years on 2021-05-03, only 2 on 2021-05-02.
        #expect(throws: EventRefusal.self) {
            try t.importLines([line("ApplicationSubmitted", application("A3", founded: "2018-05-03"), on: "2021-05-02")])
        }
        try t.importLines([line("ApplicationSubmitted", application("A3", founded: "2018-05-03"), on: "2021-05-03")])
    }

    @Test("rule 6: decisions out of order", arguments: [
        (["CandidateSelected A1"], "CandidateSelected A1"),
        (["CandidateSelected A1"], "CandidateRejected A1"),
        (["CandidateSelected A1"], "CandidateWaitlisted A1"),
        (["CandidateRejected A2"], "CandidateSelected A2"),
        (["CandidateWaitlisted A2"], "CandidateWaitlisted A2"),
        (["CandidateSelected A1", "ParticipantWithdrew A1"], "CandidateSelected A1"),
        ([], "ParticipantWithdrew A2"),
        (["CandidateSelected A1", "ParticipantWithdrew A1"], "ParticipantWithdrew A1"),
    ])
    func decisionOutOfOrder(_ example: ([String], String)) throws {
        func decision(_ text: String) -> String {
            let parts = text.split(separator: " ")
            return line(String(parts[0]), "{\"application\":\"\(parts[1])\"}", on: "2021-06-01")
        }
        // The base world already selected A1; a fresh world without that selection:
        let t = try TemporaryLedger()
        try t.importLines(Array(baseWorld.dropLast()))
        let before = try t.ledger.headPosition()
        let lines = example.0.map(decision) + [decision(example.1)]
        do {
            try t.importLines(lines)
            Issue.record("accepted \(example)")
        } catch let refusal as EventRefusal {
            #expect(refusal.rule == .decisionOutOfOrder)
            #expect(refusal.line == lines.count)
        }
        #expect(try t.ledger.headPosition() == before)
    }

    @Test("rule 6: a waitlisted application may then be selected or rejected")
    func waitlistThenDecide() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld + [
            line("CandidateWaitlisted", #"{"application":"A2"}"#, on: "2021-05-28"),
            line("CandidateSelected", #"{"application":"A2"}"#, on: "2021-06-02"),
        ])
    }

    @Test("rule 7: selecting into a full cohort; a withdrawal frees the seat")
    func full() throws {
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: [
            line("ApplicationSubmitted", application("A3"), on: "2021-05-05"),
            line("CandidateSelected", #"{"application":"A2"}"#, on: "2021-05-28"),
        ], line("CandidateSelected", #"{"application":"A3"}"#, on: "2021-05-28"))
        #expect(refusal?.rule == .full)

        let freed = try TemporaryLedger()
        try freed.importLines(baseWorld + [
            line("ApplicationSubmitted", application("A3"), on: "2021-05-05"),
            line("CandidateSelected", #"{"application":"A2"}"#, on: "2021-05-28"),
            line("ParticipantWithdrew", #"{"application":"A2"}"#, on: "2021-06-10"),
            line("CandidateSelected", #"{"application":"A3"}"#, on: "2021-06-11"),
        ])
    }

    @Test("rule 7: the cohort's capacity overrides the program's")
    func cohortCapacityOverrides() throws {
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: [
            line("CohortOpened", #"{"program":"P","cohort":"C1","label":"one seat","capacity":1}"#, on: "2021-04-15"),
            line("ApplicationSubmitted", application("B1").replacingOccurrences(of: "\"cohort\":\"C\"", with: "\"cohort\":\"C1\""), on: "2021-05-03"),
            line("ApplicationSubmitted", application("B2").replacingOccurrences(of: "\"cohort\":\"C\"", with: "\"cohort\":\"C1\""), on: "2021-05-03"),
            line("CandidateSelected", #"{"application":"B1"}"#, on: "2021-05-28"),
        ], line("CandidateSelected", #"{"application":"B2"}"#, on: "2021-05-28"))
        #expect(refusal?.rule == .full)
    }

    @Test("rule 8: an attendee who is not an active participant of that cohort", arguments: [
        ([String](), #"["A2"]"#),                                                            // pending
        ([line("ParticipantWithdrew", #"{"application":"A1"}"#, on: "2021-06-01")], #"["A1"]"#), // withdrawn
    ])
    func attendeeNotParticipant(_ example: ([String], String)) throws {
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: example.0,
            line("SessionHeld", "{\"session\":\"S\",\"cohort\":\"C\",\"kind\":\"audition\",\"attendees\":\(example.1)}", on: "2021-06-03"))
        #expect(refusal?.rule == .attendeeNotParticipant)
    }

    @Test("rule 8: a participant of another cohort")
    func attendeeOfAnotherCohort() throws {
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: [
            line("CohortOpened", #"{"program":"P","cohort":"C2","label":"other"}"#, on: "2021-04-15"),
        ], line("SessionHeld", #"{"session":"S","cohort":"C2","kind":"meeting","attendees":["A1"]}"#, on: "2021-06-03"))
        #expect(refusal?.rule == .attendeeNotParticipant)
    }

    @Test("rule 9: an outcome for an application never selected; a withdrawn participant still counts")
    func outcomeWithoutSelection() throws {
        let t = try TemporaryLedger()
        let refusal = try t.refusal(after: [], line("OutcomeRecorded", #"{"application":"A2","milestone":"company-created"}"#))
        #expect(refusal?.rule == .outcomeWithoutSelection)

        let withdrawn = try TemporaryLedger()
        try withdrawn.importLines(baseWorld + [
            line("ParticipantWithdrew", #"{"application":"A1"}"#, on: "2021-06-01"),
            line("OutcomeRecorded", #"{"application":"A1","metrics":{"revenueEur":1}}"#, on: "2022-01-01"),
        ])
    }

    @Test("a refused event in the middle of a batch stores nothing of the batch")
    func batchIsAllOrNothing() throws {
        let t = try TemporaryLedger()
        try t.importLines(baseWorld)
        let head = try t.ledger.headPosition()
        #expect(throws: EventRefusal.self) {
            try t.importLines([
                line("ApplicationSubmitted", application("A3"), on: "2021-05-05"),
                line("CandidateSelected", #"{"application":"A404"}"#, on: "2021-05-28"),
            ])
        }
        #expect(try t.ledger.headPosition() == head)
        // A3 was not stored, so it can be submitted now.
        try t.importLines([line("ApplicationSubmitted", application("A3"), on: "2021-05-05")])
    }
}
