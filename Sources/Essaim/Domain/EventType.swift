/// The event types of the catalogue, with the stable one-byte code used in storage.
public enum EventType: String, CaseIterable, Sendable {
    case territoryDefined = "TerritoryDefined"
    case networkRegistered = "NetworkRegistered"
    case programLaunched = "ProgramLaunched"
    case programExtended = "ProgramExtended"
    case cohortOpened = "CohortOpened"
    case applicationSubmitted = "ApplicationSubmitted"
    case candidateSelected = "CandidateSelected"
    case candidateRejected = "CandidateRejected"
    case candidateWaitlisted = "CandidateWaitlisted"
    case participantWithdrew = "ParticipantWithdrew"
    case sessionHeld = "SessionHeld"
    case outcomeRecorded = "OutcomeRecorded"
    case siteOpened = "SiteOpened"
    case sitePlanned = "SitePlanned"
    case personalDataErased = "PersonalDataErased"

    /// The storage code; never reuse or renumber one.
    var code: UInt8 {
        switch self {
        case .territoryDefined: 1
        case .networkRegistered: 2
        case .programLaunched: 3
        case .programExtended: 4
        case .cohortOpened: 5
        case .applicationSubmitted: 6
        case .candidateSelected: 7
        case .candidateRejected: 8
        case .candidateWaitlisted: 9
        case .participantWithdrew: 10
        case .sessionHeld: 11
        case .outcomeRecorded: 12
        case .siteOpened: 13
        case .sitePlanned: 14
        case .personalDataErased: 15
        }
    }

    private static let byCode: [UInt8: EventType] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.code, $0) })

    init?(code: UInt8) {
        guard let type = Self.byCode[code] else { return nil }
        self = type
    }
}

extension DomainEvent {
    /// The event's type.
    public var type: EventType {
        switch self {
        case .territoryDefined: .territoryDefined
        case .networkRegistered: .networkRegistered
        case .programLaunched: .programLaunched
        case .programExtended: .programExtended
        case .cohortOpened: .cohortOpened
        case .applicationSubmitted: .applicationSubmitted
        case .candidateSelected: .candidateSelected
        case .candidateRejected: .candidateRejected
        case .candidateWaitlisted: .candidateWaitlisted
        case .participantWithdrew: .participantWithdrew
        case .sessionHeld: .sessionHeld
        case .outcomeRecorded: .outcomeRecorded
        case .siteOpened: .siteOpened
        case .sitePlanned: .sitePlanned
        case .personalDataErased: .personalDataErased
        }
    }

    /// The aggregate stream the ledger files the event in.
    ///
    /// `territory-{code}`, `network-{id}`, `program-{id}` (launch, extensions),
    /// `cohort-{id}` (opening, sessions), `application-{id}` (submission, decisions,
    /// outcomes) and `site-{id}` (planned, opened).
    public var stream: String {
        switch self {
        case let .territoryDefined(e): "territory-\(e.code)"
        case let .networkRegistered(e): "network-\(e.network)"
        case let .programLaunched(e): "program-\(e.program)"
        case let .programExtended(e): "program-\(e.program)"
        case let .cohortOpened(e): "cohort-\(e.cohort)"
        case let .sessionHeld(e): "cohort-\(e.cohort)"
        case let .applicationSubmitted(e): "application-\(e.application)"
        case let .candidateSelected(application), let .candidateWaitlisted(application): "application-\(application)"
        case let .candidateRejected(e), let .participantWithdrew(e): "application-\(e.application)"
        case let .outcomeRecorded(e): "application-\(e.application)"
        case let .siteOpened(e), let .sitePlanned(e): "site-\(e.site)"
        case let .personalDataErased(e): "application-\(e.application)"
        }
    }
}
