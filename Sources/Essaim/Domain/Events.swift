/// Level of a territory in the territory tree.
public enum TerritoryLevel: String, CaseIterable, Sendable { case country, region, department, commune }

/// What kind of organisation a network is.
public enum NetworkKind: String, CaseIterable, Sendable {
    case association, competitivenessCluster = "competitiveness-cluster", cluster, chamber
    case employersFederation = "employers-federation", techCommunity = "tech-community"
    case supportOrganisation = "support-organisation", other
}

/// What kind of program a network runs.
public enum ProgramKind: String, CaseIterable, Sendable {
    case club, peerBoard = "peer-board", mentoringCircle = "mentoring-circle", sharedPosition = "shared-position"
    case entrepreneurshipHub = "entrepreneurship-hub", networking, other
}

/// What kind of session a cohort held.
public enum SessionKind: String, CaseIterable, Sendable {
    case coaching, training, peerExchange = "peer-exchange", audition, meeting
    case speedMeeting = "speed-meeting", mentoring, other
}

/// How a session was held.
public enum SessionMode: String, CaseIterable, Sendable { case inPerson = "in-person", remote, hybrid }

/// Business figures of a company: declared at application (baseline) or measured later (outcome).
public struct Figures: Sendable, Equatable {
    /// Revenue in whole euros.
    public var revenueEur: Int64?
    /// Export revenue in whole euros.
    public var exportRevenueEur: Int64?
    /// Number of employees.
    public var headcount: Int64?

    /// Figures; any may be absent.
    public init(revenueEur: Int64? = nil, exportRevenueEur: Int64? = nil, headcount: Int64? = nil) {
        self.revenueEur = revenueEur
        self.exportRevenueEur = exportRevenueEur
        self.headcount = headcount
    }
}

/// A program's eligibility criteria (rule 5).
public struct Eligibility: Sendable, Equatable {
    /// Minimum company age in full years on the application day.
    public var minCompanyAgeYears: Int64?
    /// Minimum declared baseline revenue in euros.
    public var minRevenueEur: Int64?
    /// Minimum declared baseline headcount.
    public var minHeadcount: Int64?

    /// Criteria; an absent one is not checked.
    public init(minCompanyAgeYears: Int64? = nil, minRevenueEur: Int64? = nil, minHeadcount: Int64? = nil) {
        self.minCompanyAgeYears = minCompanyAgeYears
        self.minRevenueEur = minRevenueEur
        self.minHeadcount = minHeadcount
    }
}

/// The applying company, or project when not yet a company.
public struct Company: Sendable, Equatable {
    /// The company's identifier.
    public var id: String
    /// The company's name.
    public var name: String
    /// Its sector, free text.
    public var sector: String?
    /// Where it is located (a defined territory code).
    public var territory: String?
    /// When it was founded; absent for a project not yet a company.
    public var foundedOn: CivilDate?

    /// A company description.
    public init(id: String, name: String, sector: String? = nil, territory: String? = nil, foundedOn: CivilDate? = nil) {
        self.id = id
        self.name = name
        self.sector = sector
        self.territory = territory
        self.foundedOn = foundedOn
    }
}

/// The person leading an applying company (personal data).
public struct Leader: Sendable, Equatable {
    /// Full name.
    public var name: String
    /// E-mail address.
    public var email: String?

    /// A leader.
    public init(name: String, email: String? = nil) {
        self.name = name
        self.email = email
    }

    /// How a leader whose personal data was erased reads back (`essaim forget`):
    /// the name `[erased]` and no email. Stable: tools may test for it.
    public static let erased = Leader(name: "[erased]")

    /// Whether this is ``erased``.
    public var isErased: Bool { self == Leader.erased }
}

/// `TerritoryDefined`: reference data, one node of the territory tree.
public struct TerritoryDefined: Sendable, Equatable {
    /// Territory code: ISO 3166-2 for régions and départements, INSEE for communes.
    public var code: String
    /// Display name.
    public var name: String
    /// Level in the territory tree.
    public var level: TerritoryLevel
    /// Code of the enclosing territory, when any.
    public var parent: String?

    /// A territory; `parent` must be an already defined code.
    public init(code: String, name: String, level: TerritoryLevel, parent: String? = nil) {
        self.code = code
        self.name = name
        self.level = level
        self.parent = parent
    }
}

/// `NetworkRegistered`: a network exists, based in a territory.
public struct NetworkRegistered: Sendable, Equatable {
    /// Network identifier.
    public var network: String
    /// Display name.
    public var name: String
    /// Kind, from the catalogue's list.
    public var kind: NetworkKind
    /// A defined territory code.
    public var territory: String

    /// A network registration.
    public init(network: String, name: String, kind: NetworkKind, territory: String) {
        self.network = network
        self.name = name
        self.kind = kind
        self.territory = territory
    }
}

/// `ProgramLaunched`: a program starts.
public struct ProgramLaunched: Sendable, Equatable {
    /// Program identifier.
    public var program: String
    /// Display name.
    public var name: String
    /// Kind, from the catalogue's list.
    public var kind: ProgramKind
    /// Networks running the program (at least one, all registered).
    public var networks: [String]
    /// Territories covered (at least one, all defined).
    public var territories: [String]
    /// Seats per cohort unless a cohort says otherwise.
    public var capacityPerCohort: Int64?
    /// Sectors the program targets, free text.
    public var sectors: [String]?
    /// Criteria an application must meet (rule 5).
    public var eligibility: Eligibility?
    /// Whether taking part is free of charge.
    public var free: Bool?
    /// Whether exchanges are confidential.
    public var confidential: Bool?

    /// A program launch; `networks` and `territories` need at least one entry each.
    public init(program: String, name: String, kind: ProgramKind, networks: [String], territories: [String],
                capacityPerCohort: Int64? = nil, sectors: [String]? = nil, eligibility: Eligibility? = nil,
                free: Bool? = nil, confidential: Bool? = nil) {
        self.program = program
        self.name = name
        self.kind = kind
        self.networks = networks
        self.territories = territories
        self.capacityPerCohort = capacityPerCohort
        self.sectors = sectors
        self.eligibility = eligibility
        self.free = free
        self.confidential = confidential
    }
}

/// `ProgramExtended`: a program's coverage grows.
public struct ProgramExtended: Sendable, Equatable {
    /// Program identifier.
    public var program: String
    /// Territories covered (at least one, all defined).
    public var territories: [String]

    /// An extension to new territories.
    public init(program: String, territories: [String]) {
        self.program = program
        self.territories = territories
    }
}

/// `CohortOpened`: a call for applications opens.
public struct CohortOpened: Sendable, Equatable {
    /// Program identifier.
    public var program: String
    /// Cohort identifier.
    public var cohort: String
    /// Display label of the cohort.
    public var label: String
    /// Seats; overrides the program's `capacityPerCohort`.
    public var capacity: Int64?
    /// Last day to apply (rule 4).
    public var applicationDeadline: CivilDate?
    /// Day the selection committee meets.
    public var committeeOn: CivilDate?

    /// A cohort; `capacity` overrides the program's `capacityPerCohort`.
    public init(program: String, cohort: String, label: String, capacity: Int64? = nil,
                applicationDeadline: CivilDate? = nil, committeeOn: CivilDate? = nil) {
        self.program = program
        self.cohort = cohort
        self.label = label
        self.capacity = capacity
        self.applicationDeadline = applicationDeadline
        self.committeeOn = committeeOn
    }
}

/// `ApplicationSubmitted`: an application enters a cohort.
public struct ApplicationSubmitted: Sendable, Equatable {
    /// Application identifier.
    public var application: String
    /// Cohort identifier.
    public var cohort: String
    /// The applying company or project.
    public var company: Company
    /// The person leading it (personal data).
    public var leader: Leader?
    /// Figures declared at application.
    public var baseline: Figures?
    /// Segment tags, e.g. `economic-layoff`.
    public var segments: [String]?

    /// An application with the figures declared at application time.
    public init(application: String, cohort: String, company: Company, leader: Leader? = nil,
                baseline: Figures? = nil, segments: [String]? = nil) {
        self.application = application
        self.cohort = cohort
        self.company = company
        self.leader = leader
        self.baseline = baseline
        self.segments = segments
    }
}

/// `CandidateRejected` and `ParticipantWithdrew` share this shape.
public struct ApplicationDecision: Sendable, Equatable {
    /// Application identifier.
    public var application: String
    /// Why, free text.
    public var reason: String?

    /// A decision about one application.
    public init(application: String, reason: String? = nil) {
        self.application = application
        self.reason = reason
    }
}

/// `SessionHeld`: a cohort held a session.
public struct SessionHeld: Sendable, Equatable {
    /// Session identifier.
    public var session: String
    /// Cohort identifier.
    public var cohort: String
    /// Kind, from the catalogue's list.
    public var kind: SessionKind
    /// Applications present; each must be an active participant (rule 8).
    public var attendees: [String]
    /// Length of the session in minutes.
    public var durationMinutes: Int64?
    /// Who ran the session.
    public var facilitators: [String]?
    /// In person, remote or hybrid.
    public var mode: SessionMode?

    /// A session; every attendee must be an active participant of the cohort.
    public init(session: String, cohort: String, kind: SessionKind, attendees: [String],
                durationMinutes: Int64? = nil, facilitators: [String]? = nil, mode: SessionMode? = nil) {
        self.session = session
        self.cohort = cohort
        self.kind = kind
        self.attendees = attendees
        self.durationMinutes = durationMinutes
        self.facilitators = facilitators
        self.mode = mode
    }
}

/// `OutcomeRecorded`: a measurement or milestone for a participant.
public struct OutcomeRecorded: Sendable, Equatable {
    /// Application identifier.
    public var application: String
    /// Figures measured.
    public var metrics: Figures?
    /// A milestone reached, e.g. `company-created`.
    public var milestone: String?
    /// Free text.
    public var note: String?

    /// An outcome; needs `metrics` or `milestone`.
    public init(application: String, metrics: Figures? = nil, milestone: String? = nil, note: String? = nil) {
        self.application = application
        self.metrics = metrics
        self.milestone = milestone
        self.note = note
    }
}

/// `SiteOpened` and `SitePlanned` share this shape.
public struct Site: Sendable, Equatable {
    /// Site identifier.
    public var site: String
    /// Display name.
    public var name: String
    /// Network identifier.
    public var network: String
    /// A defined territory code.
    public var territory: String
    /// Program identifier.
    public var program: String?

    /// A site of a network in a territory.
    public init(site: String, name: String, network: String, territory: String, program: String? = nil) {
        self.site = site
        self.name = name
        self.network = network
        self.territory = territory
        self.program = program
    }
}

/// One event of the catalogue (`events.md`), with its typed data.
/// The personal data of an application was erased (its key destroyed).
public struct PersonalDataErased: Sendable, Equatable {
    /// Application identifier.
    public var application: String
    /// Why, for the record (e.g. `request of the person, art. 17 GDPR`).
    public var reason: String?

    /// An erasure.
    public init(application: String, reason: String? = nil) {
        self.application = application
        self.reason = reason
    }
}

public enum DomainEvent: Sendable, Equatable {
    case territoryDefined(TerritoryDefined)
    case networkRegistered(NetworkRegistered)
    case programLaunched(ProgramLaunched)
    case programExtended(ProgramExtended)
    case cohortOpened(CohortOpened)
    case applicationSubmitted(ApplicationSubmitted)
    case candidateSelected(application: String)
    case candidateRejected(ApplicationDecision)
    case candidateWaitlisted(application: String)
    case participantWithdrew(ApplicationDecision)
    case sessionHeld(SessionHeld)
    case outcomeRecorded(OutcomeRecorded)
    case siteOpened(Site)
    case sitePlanned(Site)
    case personalDataErased(PersonalDataErased)

    /// The event as projections and rules see it: without personal data (an
    /// application's leader), so that no read model can hold any.
    var withoutPersonalData: DomainEvent {
        guard case var .applicationSubmitted(e) = self, e.leader != nil else { return self }
        e.leader = nil
        return .applicationSubmitted(e)
    }
}
