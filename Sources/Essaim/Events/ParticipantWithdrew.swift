/// `ParticipantWithdrew`: a selected participant leaves; the seat is freed.
public struct ParticipantWithdrew: Sendable, Equatable {
    /// Application identifier.
    public var application: String
    /// Why, free text.
    public var reason: String?

    /// A withdrawal.
    public init(application: String, reason: String? = nil) {
        self.application = application
        self.reason = reason
    }
}

extension EventType {
    /// `ParticipantWithdrew`.
    public static let participantWithdrew = EventType("ParticipantWithdrew", code: 10)
}

extension ParticipantWithdrew: ReasonedApplicationEvent {
    static var type: EventType { .participantWithdrew }
    var event: DomainEvent { .participantWithdrew(self) }
    var summary: String { "\(application) withdrew\(reasonSuffix)" }

    /// Rule 2 (a known application), rule 6 (only an active participant withdraws).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        let state = try entities.requireApplication(application) { $0.state }
        guard state == .active else {
            throw EventRefusal(.decisionOutOfOrder, "application \(application) cannot withdraw: it is \(state.decisionName), not selected")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        var cohort: String?
        try entities.applications.update(application) {
            if $0.state == .active { cohort = $0.cohort }
            $0.state = .withdrawn
        }
        if let cohort { try entities.cohorts.update(cohort) { $0.active -= 1 } }
    }
}
