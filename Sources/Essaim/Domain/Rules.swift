// The refusal rules 2–9 of `events.md` (rule 1, malformed input, is decoding's job).
// Each event is checked against the catalogue, then applied to it; both happen in
// the append's write transaction, so a refusal aborts the whole batch.

extension Catalogue {
    /// Checks `event` against the state built from the events before it, then
    /// records its effect. Throws an ``EventRefusal`` naming the rule it breaks.
    func admit(_ event: DomainEvent, occurredAt: OccurredAt) throws {
        switch event {
        case let .territoryDefined(e):
            try requireNew(.territory, e.code, "territory")
            if let parent = e.parent { try requireTerritory(parent, field: "parent") }
            try put(territory: e.code, Territory(level: e.level, parent: e.parent))

        case let .networkRegistered(e):
            try requireNew(.network, e.network, "network")
            try requireTerritory(e.territory, field: "territory")
            try markDefined(.network, e.network)

        case let .programLaunched(e):
            try requireNew(.program, e.program, "program")
            for network in e.networks { try requireNetwork(network) }
            for territory in e.territories { try requireTerritory(territory, field: "territories") }
            try put(program: e.program, Program(capacityPerCohort: e.capacityPerCohort, eligibility: e.eligibility))

        case let .programExtended(e):
            _ = try requireProgram(e.program)
            for territory in e.territories { try requireTerritory(territory, field: "territories") }

        case let .cohortOpened(e):
            try requireNew(.cohort, e.cohort, "cohort")
            let program = try requireProgram(e.program)
            try put(cohort: e.cohort, Cohort(program: e.program, capacity: e.capacity ?? program.capacityPerCohort,
                                             applicationDeadline: e.applicationDeadline, active: 0))

        case let .applicationSubmitted(e):
            try admitApplication(e, occurredAt: occurredAt)

        case let .candidateSelected(id):
            var application = try requireApplication(id)
            try requireDecisionAllowed(application, id, allowedFrom: [.pending, .waitlisted], "select")
            guard var cohort = try cohort(application.cohort) else { throw missingCohort(application.cohort) }
            if let capacity = cohort.capacity, cohort.active >= capacity {
                throw EventRefusal(.full, "cohort \(application.cohort) has \(cohort.active) active participants for \(capacity) seats")
            }
            cohort.active += 1
            application.status = .selected
            try put(cohort: application.cohort, cohort)
            try put(application: id, application)

        case let .candidateRejected(e):
            try decide(e.application, allowedFrom: [.pending, .waitlisted], "reject", to: .rejected)

        case let .candidateWaitlisted(id):
            try decide(id, allowedFrom: [.pending], "waitlist", to: .waitlisted)

        case let .participantWithdrew(e):
            var application = try requireApplication(e.application)
            guard application.status == .selected else {
                throw EventRefusal(.decisionOutOfOrder, "application \(e.application) cannot withdraw: it is \(application.status), not selected")
            }
            guard var cohort = try cohort(application.cohort) else { throw missingCohort(application.cohort) }
            cohort.active -= 1
            application.status = .withdrawn
            try put(cohort: application.cohort, cohort)
            try put(application: e.application, application)

        case let .sessionHeld(e):
            try requireNew(.session, e.session, "session")
            guard try exists(.cohort, e.cohort) else { throw unknown("cohort", e.cohort) }
            for attendee in e.attendees {
                guard let application = try application(attendee) else { throw unknown("application (attendee)", attendee) }
                guard application.cohort == e.cohort, application.status == .selected else {
                    let why = application.cohort != e.cohort ? "applied to cohort \(application.cohort)" : "is \(application.status)"
                    throw EventRefusal(.attendeeNotParticipant,
                                       "attendee \(attendee) is not an active participant of cohort \(e.cohort): it \(why)")
                }
            }
            try markDefined(.session, e.session)

        case let .outcomeRecorded(e):
            let application = try requireApplication(e.application)
            guard application.status == .selected || application.status == .withdrawn else {
                throw EventRefusal(.outcomeWithoutSelection, "application \(e.application) was never selected (it is \(application.status))")
            }

        case let .siteOpened(e):
            if try site(e.site) == .opened { throw EventRefusal(.duplicateDefinition, "site \(e.site) is already opened") }
            try requireSiteReferences(e)
            try put(site: e.site, .opened)

        case let .sitePlanned(e):
            try requireSiteReferences(e)
            if try site(e.site) == nil { try put(site: e.site, .planned) }

        case let .personalDataErased(e):
            _ = try requireApplication(e.application)
        }
    }

    private func admitApplication(_ e: ApplicationSubmitted, occurredAt: OccurredAt) throws {
        try requireNew(.application, e.application, "application")
        guard let cohort = try cohort(e.cohort) else { throw unknown("cohort", e.cohort) }
        if let territory = e.company.territory { try requireTerritory(territory, field: "company.territory") }
        if let deadline = cohort.applicationDeadline, occurredAt.day > deadline {
            throw EventRefusal(.lateApplication, "submitted on \(occurredAt.day), after cohort \(e.cohort)'s deadline \(deadline)")
        }
        if let eligibility = try program(cohort.program)?.eligibility {
            let failures = Self.eligibilityFailures(e, eligibility, on: occurredAt.day)
            if !failures.isEmpty {
                throw EventRefusal(.ineligible, "program \(cohort.program): " + failures.joined(separator: "; "))
            }
        }
        try put(application: e.application, Application(cohort: e.cohort, status: .pending))
    }

    /// Every unmet criterion of rule 5, in criterion order; empty when eligible.
    static func eligibilityFailures(_ e: ApplicationSubmitted, _ criteria: Eligibility, on day: CivilDate) -> [String] {
        var failures: [String] = []
        if let minimum = criteria.minCompanyAgeYears {
            if let founded = e.company.foundedOn {
                let age = founded.fullYears(until: day)
                if age < minimum { failures.append("company age \(age) full years < \(minimum)") }
            } else {
                failures.append("company age unknown (no company.foundedOn), \(minimum) years required")
            }
        }
        if let minimum = criteria.minRevenueEur {
            if let revenue = e.baseline?.revenueEur {
                if revenue < minimum { failures.append("baseline revenue \(revenue) € < \(minimum) €") }
            } else {
                failures.append("baseline.revenueEur missing, \(minimum) € required")
            }
        }
        if let minimum = criteria.minHeadcount {
            if let headcount = e.baseline?.headcount {
                if headcount < minimum { failures.append("baseline headcount \(headcount) < \(minimum)") }
            } else {
                failures.append("baseline.headcount missing, \(minimum) required")
            }
        }
        return failures
    }

    // MARK: Reference and state checks

    private func unknown(_ what: String, _ id: String) -> EventRefusal {
        EventRefusal(.unknownReference, "\(what) \(id) is not defined by any earlier event")
    }

    private func missingCohort(_ id: String) -> LedgerError {
        LedgerError(.corrupt, "catalogue has an application in cohort \(id) but not the cohort")
    }

    private func requireNew(_ kind: Kind, _ id: String, _ what: String) throws {
        if try exists(kind, id) { throw EventRefusal(.duplicateDefinition, "\(what) \(id) is already defined") }
    }

    private func requireTerritory(_ code: String, field: String) throws {
        guard try exists(.territory, code) else { throw unknown("territory (\(field))", code) }
    }

    private func requireNetwork(_ id: String) throws {
        guard try exists(.network, id) else { throw unknown("network", id) }
    }

    private func requireProgram(_ id: String) throws -> Program {
        guard let program = try program(id) else { throw unknown("program", id) }
        return program
    }

    private func requireApplication(_ id: String) throws -> Application {
        guard let application = try application(id) else { throw unknown("application", id) }
        return application
    }

    private func requireSiteReferences(_ site: Site) throws {
        try requireNetwork(site.network)
        try requireTerritory(site.territory, field: "territory")
        if let program = site.program { _ = try requireProgram(program) }
    }

    private func requireDecisionAllowed(_ application: Application, _ id: String, allowedFrom: [Status], _ verb: String) throws {
        guard allowedFrom.contains(application.status) else {
            throw EventRefusal(.decisionOutOfOrder, "cannot \(verb) application \(id): it is already \(application.status)")
        }
    }

    private func decide(_ id: String, allowedFrom: [Status], _ verb: String, to status: Status) throws {
        var application = try requireApplication(id)
        try requireDecisionAllowed(application, id, allowedFrom: allowedFrom, verb)
        application.status = status
        try put(application: id, application)
    }
}
