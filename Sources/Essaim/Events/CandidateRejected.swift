/// `CandidateRejected`: the committee rejects an application.
public struct CandidateRejected: Sendable, Equatable {
    /// Application identifier.
    public var application: String
    /// Why, free text.
    public var reason: String?

    /// A rejection.
    public init(application: String, reason: String? = nil) {
        self.application = application
        self.reason = reason
    }
}

extension EventType {
    /// `CandidateRejected`.
    public static let candidateRejected = EventType("CandidateRejected", code: 8)
}

extension CandidateRejected: ReasonedApplicationEvent {
    static var type: EventType { .candidateRejected }
    var event: DomainEvent { .candidateRejected(self) }
    var summary: String { "\(application) rejected\(reasonSuffix)" }

    /// Rule 2 (a known application), rule 6 (pending or waitlisted).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireApplication(application) { try $0.requireDecision(from: [.pending, .waitlisted], "reject", application) }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try entities.applications.update(application) { $0.state = .rejected }
    }
}
