// The catalogue: every event type, registered once. To add a type, write its
// file in `Events/`, then add a case here, its line in `catalogue` and one line
// in each switch below (the compiler lists them).

/// One event of the catalogue (`events.md`), with its typed data.
public enum DomainEvent: Sendable, Equatable {
    case territoryDefined(TerritoryDefined)
    case networkRegistered(NetworkRegistered)
    case programLaunched(ProgramLaunched)
    case programExtended(ProgramExtended)
    case cohortOpened(CohortOpened)
    case applicationSubmitted(ApplicationSubmitted)
    case candidateSelected(CandidateSelected)
    case candidateRejected(CandidateRejected)
    case candidateWaitlisted(CandidateWaitlisted)
    case participantWithdrew(ParticipantWithdrew)
    case sessionHeld(SessionHeld)
    case outcomeRecorded(OutcomeRecorded)
    case siteOpened(SiteOpened)
    case sitePlanned(SitePlanned)
    case personalDataErased(PersonalDataErased)
    case memberJoined(MemberJoined)
    case memberLeft(MemberLeft)
    case mentorshipStarted(MentorshipStarted)
    case mentoringSessionHeld(MentoringSessionHeld)
    case mentorshipEnded(MentorshipEnded)
    case sharedPositionOpened(SharedPositionOpened)
    case sharedPositionJoined(SharedPositionJoined)
    case sharedPositionLeft(SharedPositionLeft)
    case sharedPositionClosed(SharedPositionClosed)
    case companyClosed(CompanyClosed)
    case followUpRecorded(FollowUpRecorded)

    /// Every event type, in storage-code order; never remove one.
    static let catalogue: [any CatalogueEvent.Type] = [
        TerritoryDefined.self,
        NetworkRegistered.self,
        ProgramLaunched.self,
        ProgramExtended.self,
        CohortOpened.self,
        ApplicationSubmitted.self,
        CandidateSelected.self,
        CandidateRejected.self,
        CandidateWaitlisted.self,
        ParticipantWithdrew.self,
        SessionHeld.self,
        OutcomeRecorded.self,
        SiteOpened.self,
        SitePlanned.self,
        PersonalDataErased.self,
        MemberJoined.self,
        MemberLeft.self,
        MentorshipStarted.self,
        MentoringSessionHeld.self,
        MentorshipEnded.self,
        SharedPositionOpened.self,
        SharedPositionJoined.self,
        SharedPositionLeft.self,
        SharedPositionClosed.self,
        CompanyClosed.self,
        FollowUpRecorded.self,
    ]

    /// The stream-name prefixes the log stores as one byte, in that order; only
    /// ever append to it.
    static let streamPrefixes = ["application-", "cohort-", "program-", "territory-", "network-", "site-",
                                 "mentorship-", "position-", "company-"]

    /// The catalogue by storage code.
    static let typesByCode: [(any CatalogueEvent.Type)?] = {
        var table = [(any CatalogueEvent.Type)?](repeating: nil, count: 256)
        for type in catalogue {
            precondition(table[Int(type.type.code)] == nil, "two event types share code \(type.type.code)")
            table[Int(type.type.code)] = type
        }
        return table
    }()

    /// The catalogue's types by name.
    static let typesByName: [String: EventType] = Dictionary(uniqueKeysWithValues: catalogue.map { ($0.type.rawValue, $0.type) })

    /// The event's type.
    public var type: EventType {
        switch self {
        case let .territoryDefined(e): Swift.type(of: e).type
        case let .networkRegistered(e): Swift.type(of: e).type
        case let .programLaunched(e): Swift.type(of: e).type
        case let .programExtended(e): Swift.type(of: e).type
        case let .cohortOpened(e): Swift.type(of: e).type
        case let .applicationSubmitted(e): Swift.type(of: e).type
        case let .candidateSelected(e): Swift.type(of: e).type
        case let .candidateRejected(e): Swift.type(of: e).type
        case let .candidateWaitlisted(e): Swift.type(of: e).type
        case let .participantWithdrew(e): Swift.type(of: e).type
        case let .sessionHeld(e): Swift.type(of: e).type
        case let .outcomeRecorded(e): Swift.type(of: e).type
        case let .siteOpened(e): Swift.type(of: e).type
        case let .sitePlanned(e): Swift.type(of: e).type
        case let .personalDataErased(e): Swift.type(of: e).type
        case let .memberJoined(e): Swift.type(of: e).type
        case let .memberLeft(e): Swift.type(of: e).type
        case let .mentorshipStarted(e): Swift.type(of: e).type
        case let .mentoringSessionHeld(e): Swift.type(of: e).type
        case let .mentorshipEnded(e): Swift.type(of: e).type
        case let .sharedPositionOpened(e): Swift.type(of: e).type
        case let .sharedPositionJoined(e): Swift.type(of: e).type
        case let .sharedPositionLeft(e): Swift.type(of: e).type
        case let .sharedPositionClosed(e): Swift.type(of: e).type
        case let .companyClosed(e): Swift.type(of: e).type
        case let .followUpRecorded(e): Swift.type(of: e).type
        }
    }

    /// The aggregate stream the ledger files the event in: `territory-{code}`,
    /// `network-{id}`, `program-{id}` (launch, extensions), `cohort-{id}`
    /// (opening, sessions), `application-{id}` (submission, decisions, outcomes,
    /// erasure), `site-{id}` (planned, opened), `network-{id}` also holds the
    /// members joining and leaving, `mentorship-{id}` (start, sessions, end) and
    /// `position-{id}` (a shared position's opening, shares, closing) and
    /// `company-{id}` (its closure).
    public var stream: String {
        switch self {
        case let .territoryDefined(e): e.stream
        case let .networkRegistered(e): e.stream
        case let .programLaunched(e): e.stream
        case let .programExtended(e): e.stream
        case let .cohortOpened(e): e.stream
        case let .applicationSubmitted(e): e.stream
        case let .candidateSelected(e): e.stream
        case let .candidateRejected(e): e.stream
        case let .candidateWaitlisted(e): e.stream
        case let .participantWithdrew(e): e.stream
        case let .sessionHeld(e): e.stream
        case let .outcomeRecorded(e): e.stream
        case let .siteOpened(e): e.stream
        case let .sitePlanned(e): e.stream
        case let .personalDataErased(e): e.stream
        case let .memberJoined(e): e.stream
        case let .memberLeft(e): e.stream
        case let .mentorshipStarted(e): e.stream
        case let .mentoringSessionHeld(e): e.stream
        case let .mentorshipEnded(e): e.stream
        case let .sharedPositionOpened(e): e.stream
        case let .sharedPositionJoined(e): e.stream
        case let .sharedPositionLeft(e): e.stream
        case let .sharedPositionClosed(e): e.stream
        case let .companyClosed(e): e.stream
        case let .followUpRecorded(e): e.stream
        }
    }

    /// The `data` object, members in catalogue order, absent optionals left out.
    public var data: JSONValue {
        switch self {
        case let .territoryDefined(e): e.data
        case let .networkRegistered(e): e.data
        case let .programLaunched(e): e.data
        case let .programExtended(e): e.data
        case let .cohortOpened(e): e.data
        case let .applicationSubmitted(e): e.data
        case let .candidateSelected(e): e.data
        case let .candidateRejected(e): e.data
        case let .candidateWaitlisted(e): e.data
        case let .participantWithdrew(e): e.data
        case let .sessionHeld(e): e.data
        case let .outcomeRecorded(e): e.data
        case let .siteOpened(e): e.data
        case let .sitePlanned(e): e.data
        case let .personalDataErased(e): e.data
        case let .memberJoined(e): e.data
        case let .memberLeft(e): e.data
        case let .mentorshipStarted(e): e.data
        case let .mentoringSessionHeld(e): e.data
        case let .mentorshipEnded(e): e.data
        case let .sharedPositionOpened(e): e.data
        case let .sharedPositionJoined(e): e.data
        case let .sharedPositionLeft(e): e.data
        case let .sharedPositionClosed(e): e.data
        case let .companyClosed(e): e.data
        case let .followUpRecorded(e): e.data
        }
    }

    /// A short phrase for people, as `essaim log` prints it.
    public var summary: String {
        switch self {
        case let .territoryDefined(e): e.summary
        case let .networkRegistered(e): e.summary
        case let .programLaunched(e): e.summary
        case let .programExtended(e): e.summary
        case let .cohortOpened(e): e.summary
        case let .applicationSubmitted(e): e.summary
        case let .candidateSelected(e): e.summary
        case let .candidateRejected(e): e.summary
        case let .candidateWaitlisted(e): e.summary
        case let .participantWithdrew(e): e.summary
        case let .sessionHeld(e): e.summary
        case let .outcomeRecorded(e): e.summary
        case let .siteOpened(e): e.summary
        case let .sitePlanned(e): e.summary
        case let .personalDataErased(e): e.summary
        case let .memberJoined(e): e.summary
        case let .memberLeft(e): e.summary
        case let .mentorshipStarted(e): e.summary
        case let .mentoringSessionHeld(e): e.summary
        case let .mentorshipEnded(e): e.summary
        case let .sharedPositionOpened(e): e.summary
        case let .sharedPositionJoined(e): e.summary
        case let .sharedPositionLeft(e): e.summary
        case let .sharedPositionClosed(e): e.summary
        case let .companyClosed(e): e.summary
        case let .followUpRecorded(e): e.summary
        }
    }

    /// Writes the stored encoding (see ``CatalogueEvent/store(into:sealingWith:)``).
    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) throws {
        switch self {
        case let .territoryDefined(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .networkRegistered(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .programLaunched(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .programExtended(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .cohortOpened(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .applicationSubmitted(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .candidateSelected(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .candidateRejected(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .candidateWaitlisted(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .participantWithdrew(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .sessionHeld(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .outcomeRecorded(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .siteOpened(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .sitePlanned(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .personalDataErased(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .memberJoined(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .memberLeft(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .mentorshipStarted(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .mentoringSessionHeld(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .mentorshipEnded(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .sharedPositionOpened(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .sharedPositionJoined(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .sharedPositionLeft(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .sharedPositionClosed(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .companyClosed(e): try Self.store(e, into: &w, sealingWith: keys)
        case let .followUpRecorded(e): try Self.store(e, into: &w, sealingWith: keys)
        }
    }

    /// Through the requirement (which throws), whatever the type's own coding does.
    private static func store<E: CatalogueEvent>(_ e: E, into w: inout ByteWriter, sealingWith keys: PersonalKeys?) throws {
        try e.store(into: &w, sealingWith: keys)
    }

    /// Throws the refusal of the first rule the event breaks.
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        switch self {
        case let .territoryDefined(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .networkRegistered(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .programLaunched(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .programExtended(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .cohortOpened(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .applicationSubmitted(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .candidateSelected(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .candidateRejected(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .candidateWaitlisted(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .participantWithdrew(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .sessionHeld(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .outcomeRecorded(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .siteOpened(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .sitePlanned(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .personalDataErased(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .memberJoined(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .memberLeft(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .mentorshipStarted(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .mentoringSessionHeld(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .mentorshipEnded(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .sharedPositionOpened(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .sharedPositionJoined(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .sharedPositionLeft(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .sharedPositionClosed(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .companyClosed(e): try e.check(against: entities, occurredAt: occurredAt)
        case let .followUpRecorded(e): try e.check(against: entities, occurredAt: occurredAt)
        }
    }

    /// Records the event's effect on the entities.
    func apply(to entities: Entities, _ context: EventContext) throws {
        switch self {
        case let .territoryDefined(e): try e.apply(to: entities, context)
        case let .networkRegistered(e): try e.apply(to: entities, context)
        case let .programLaunched(e): try e.apply(to: entities, context)
        case let .programExtended(e): try e.apply(to: entities, context)
        case let .cohortOpened(e): try e.apply(to: entities, context)
        case let .applicationSubmitted(e): try e.apply(to: entities, context)
        case let .candidateSelected(e): try e.apply(to: entities, context)
        case let .candidateRejected(e): try e.apply(to: entities, context)
        case let .candidateWaitlisted(e): try e.apply(to: entities, context)
        case let .participantWithdrew(e): try e.apply(to: entities, context)
        case let .sessionHeld(e): try e.apply(to: entities, context)
        case let .outcomeRecorded(e): try e.apply(to: entities, context)
        case let .siteOpened(e): try e.apply(to: entities, context)
        case let .sitePlanned(e): try e.apply(to: entities, context)
        case let .personalDataErased(e): try e.apply(to: entities, context)
        case let .memberJoined(e): try e.apply(to: entities, context)
        case let .memberLeft(e): try e.apply(to: entities, context)
        case let .mentorshipStarted(e): try e.apply(to: entities, context)
        case let .mentoringSessionHeld(e): try e.apply(to: entities, context)
        case let .mentorshipEnded(e): try e.apply(to: entities, context)
        case let .sharedPositionOpened(e): try e.apply(to: entities, context)
        case let .sharedPositionJoined(e): try e.apply(to: entities, context)
        case let .sharedPositionLeft(e): try e.apply(to: entities, context)
        case let .sharedPositionClosed(e): try e.apply(to: entities, context)
        case let .companyClosed(e): try e.apply(to: entities, context)
        case let .followUpRecorded(e): try e.apply(to: entities, context)
        }
    }

    /// The application whose key seals this event's personal data, when it carries any.
    var personalDataSubject: String? {
        guard case let .applicationSubmitted(e) = self, e.leader != nil else { return nil }
        return e.application
    }

    /// The event's personal data sealed ahead, off the appending thread (see
    /// ``PreparedSeal``); `nil` when it carries none.
    func preparedSeal() throws -> PreparedSeal? {
        guard case let .applicationSubmitted(e) = self else { return nil }
        return try e.preparedSeal()
    }

    /// The event as projections and rules see it: without personal data (an
    /// application's leader), so that no read model can hold any.
    var withoutPersonalData: DomainEvent {
        guard case var .applicationSubmitted(e) = self, e.leader != nil else { return self }
        e.leader = nil
        return .applicationSubmitted(e)
    }
}
