// The `data` object of each event type, read strictly and written back in a fixed
// member order, as `events.md` specifies it.

extension DomainEvent {
    /// Decodes the `data` object of an event of `type`, refusing missing, mistyped,
    /// out-of-range and unknown fields.
    static func decode(type: EventType, data: JSONValue) throws(Malformed) -> DomainEvent {
        var r = try ObjectReader(data, path: "data")
        let event: DomainEvent
        switch type {
        case .territoryDefined:
            event = .territoryDefined(TerritoryDefined(
                code: try r.identifier("code"), name: try r.string("name"),
                level: try r.choice("level", TerritoryLevel.self), parent: try r.optionalIdentifier("parent")))
        case .networkRegistered:
            event = .networkRegistered(NetworkRegistered(
                network: try r.identifier("network"), name: try r.string("name"),
                kind: try r.choice("kind", NetworkKind.self), territory: try r.identifier("territory")))
        case .programLaunched:
            event = .programLaunched(ProgramLaunched(
                program: try r.identifier("program"), name: try r.string("name"),
                kind: try r.choice("kind", ProgramKind.self),
                networks: try r.identifiers("networks", atLeast: 1),
                territories: try r.identifiers("territories", atLeast: 1),
                capacityPerCohort: try r.optionalInteger("capacityPerCohort", minimum: 1),
                sectors: try r.optionalStrings("sectors"),
                eligibility: try r.optionalObject("eligibility") { (e: inout ObjectReader) throws(Malformed) in
                    Eligibility(minCompanyAgeYears: try e.optionalInteger("minCompanyAgeYears"),
                                minRevenueEur: try e.optionalInteger("minRevenueEur"),
                                minHeadcount: try e.optionalInteger("minHeadcount"))
                },
                free: try r.optionalBool("free"), confidential: try r.optionalBool("confidential")))
        case .programExtended:
            event = .programExtended(ProgramExtended(
                program: try r.identifier("program"), territories: try r.identifiers("territories", atLeast: 1)))
        case .cohortOpened:
            event = .cohortOpened(CohortOpened(
                program: try r.identifier("program"), cohort: try r.identifier("cohort"), label: try r.string("label"),
                capacity: try r.optionalInteger("capacity", minimum: 1),
                applicationDeadline: try r.optionalDate("applicationDeadline"),
                committeeOn: try r.optionalDate("committeeOn")))
        case .applicationSubmitted:
            event = .applicationSubmitted(ApplicationSubmitted(
                application: try r.identifier("application"), cohort: try r.identifier("cohort"),
                company: try r.object("company") { (c: inout ObjectReader) throws(Malformed) in
                    Company(id: try c.identifier("id"), name: try c.string("name"), sector: try c.optionalString("sector"),
                            territory: try c.optionalIdentifier("territory"), foundedOn: try c.optionalDate("foundedOn"))
                },
                leader: try r.optionalObject("leader") { (l: inout ObjectReader) throws(Malformed) in
                    Leader(name: try l.string("name"), email: try l.optionalString("email"))
                },
                baseline: try r.optionalObject("baseline", Self.readFigures),
                segments: try r.optionalStrings("segments")))
        case .candidateSelected:
            event = .candidateSelected(application: try r.identifier("application"))
        case .candidateWaitlisted:
            event = .candidateWaitlisted(application: try r.identifier("application"))
        case .candidateRejected:
            event = .candidateRejected(try Self.readDecision(&r))
        case .participantWithdrew:
            event = .participantWithdrew(try Self.readDecision(&r))
        case .sessionHeld:
            event = .sessionHeld(SessionHeld(
                session: try r.identifier("session"), cohort: try r.identifier("cohort"),
                kind: try r.choice("kind", SessionKind.self), attendees: try r.identifiers("attendees", atLeast: 0),
                durationMinutes: try r.optionalInteger("durationMinutes"),
                facilitators: try r.optionalStrings("facilitators"), mode: try r.optionalChoice("mode", SessionMode.self)))
        case .outcomeRecorded:
            let outcome = OutcomeRecorded(
                application: try r.identifier("application"), metrics: try r.optionalObject("metrics", Self.readFigures),
                milestone: try r.optionalString("milestone"), note: try r.optionalString("note"))
            if outcome.metrics == nil && outcome.milestone == nil {
                throw Malformed(path: "data", reason: "an OutcomeRecorded needs metrics or milestone")
            }
            event = .outcomeRecorded(outcome)
        case .siteOpened:
            event = .siteOpened(try Self.readSite(&r))
        case .sitePlanned:
            event = .sitePlanned(try Self.readSite(&r))
        case .personalDataErased:
            event = .personalDataErased(PersonalDataErased(application: try r.identifier("application"),
                                                           reason: try r.optionalString("reason")))
        }
        try r.finish()
        return event
    }

    private static func readFigures(_ f: inout ObjectReader) throws(Malformed) -> Figures {
        Figures(revenueEur: try f.optionalInteger("revenueEur"), exportRevenueEur: try f.optionalInteger("exportRevenueEur"),
                headcount: try f.optionalInteger("headcount"))
    }

    private static func readDecision(_ r: inout ObjectReader) throws(Malformed) -> ApplicationDecision {
        ApplicationDecision(application: try r.identifier("application"), reason: try r.optionalString("reason"))
    }

    private static func readSite(_ r: inout ObjectReader) throws(Malformed) -> Site {
        Site(site: try r.identifier("site"), name: try r.string("name"), network: try r.identifier("network"),
             territory: try r.identifier("territory"), program: try r.optionalIdentifier("program"))
    }

    /// The `data` object, members in catalogue order, absent optionals left out.
    public var data: JSONValue {
        switch self {
        case let .territoryDefined(e):
            return .members([("code", .string(e.code)), ("name", .string(e.name)), ("level", .string(e.level.rawValue)),
                             ("parent", e.parent.map(JSONValue.string))])
        case let .networkRegistered(e):
            return .members([("network", .string(e.network)), ("name", .string(e.name)), ("kind", .string(e.kind.rawValue)),
                             ("territory", .string(e.territory))])
        case let .programLaunched(e):
            return .members([
                ("program", .string(e.program)), ("name", .string(e.name)), ("kind", .string(e.kind.rawValue)),
                ("networks", .strings(e.networks)), ("territories", .strings(e.territories)),
                ("capacityPerCohort", e.capacityPerCohort.map(JSONValue.integer)), ("sectors", e.sectors.map(JSONValue.strings)),
                ("eligibility", e.eligibility.map { .members([
                    ("minCompanyAgeYears", $0.minCompanyAgeYears.map(JSONValue.integer)),
                    ("minRevenueEur", $0.minRevenueEur.map(JSONValue.integer)),
                    ("minHeadcount", $0.minHeadcount.map(JSONValue.integer))]) }),
                ("free", e.free.map(JSONValue.bool)), ("confidential", e.confidential.map(JSONValue.bool)),
            ])
        case let .programExtended(e):
            return .members([("program", .string(e.program)), ("territories", .strings(e.territories))])
        case let .cohortOpened(e):
            return .members([
                ("program", .string(e.program)), ("cohort", .string(e.cohort)), ("label", .string(e.label)),
                ("capacity", e.capacity.map(JSONValue.integer)),
                ("applicationDeadline", e.applicationDeadline.map { .string($0.description) }),
                ("committeeOn", e.committeeOn.map { .string($0.description) }),
            ])
        case let .applicationSubmitted(e):
            return .members([
                ("application", .string(e.application)), ("cohort", .string(e.cohort)),
                ("company", .members([
                    ("id", .string(e.company.id)), ("name", .string(e.company.name)),
                    ("sector", e.company.sector.map(JSONValue.string)), ("territory", e.company.territory.map(JSONValue.string)),
                    ("foundedOn", e.company.foundedOn.map { .string($0.description) })])),
                ("leader", e.leader.map { .members([("name", .string($0.name)), ("email", $0.email.map(JSONValue.string))]) }),
                ("baseline", e.baseline.map(\.json)), ("segments", e.segments.map(JSONValue.strings)),
            ])
        case let .candidateSelected(application), let .candidateWaitlisted(application):
            return .members([("application", .string(application))])
        case let .candidateRejected(e), let .participantWithdrew(e):
            return .members([("application", .string(e.application)), ("reason", e.reason.map(JSONValue.string))])
        case let .sessionHeld(e):
            return .members([
                ("session", .string(e.session)), ("cohort", .string(e.cohort)), ("kind", .string(e.kind.rawValue)),
                ("attendees", .strings(e.attendees)), ("durationMinutes", e.durationMinutes.map(JSONValue.integer)),
                ("facilitators", e.facilitators.map(JSONValue.strings)), ("mode", e.mode.map { .string($0.rawValue) }),
            ])
        case let .outcomeRecorded(e):
            return .members([("application", .string(e.application)), ("metrics", e.metrics.map(\.json)),
                             ("milestone", e.milestone.map(JSONValue.string)), ("note", e.note.map(JSONValue.string))])
        case let .siteOpened(e), let .sitePlanned(e):
            return .members([("site", .string(e.site)), ("name", .string(e.name)), ("network", .string(e.network)),
                             ("territory", .string(e.territory)), ("program", e.program.map(JSONValue.string))])
        case let .personalDataErased(e):
            return .members([("application", .string(e.application)), ("reason", e.reason.map(JSONValue.string))])
        }
    }
}

extension Figures {
    var json: JSONValue {
        .members([("revenueEur", revenueEur.map(JSONValue.integer)),
                  ("exportRevenueEur", exportRevenueEur.map(JSONValue.integer)),
                  ("headcount", headcount.map(JSONValue.integer))])
    }
}

extension JSONValue {
    static func strings(_ items: [String]) -> JSONValue { .array(items.map(JSONValue.string)) }
}
