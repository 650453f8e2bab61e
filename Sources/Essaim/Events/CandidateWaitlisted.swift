/// `CandidateWaitlisted`: the committee waitlists an application.
public struct CandidateWaitlisted: Sendable, Equatable {
    /// Application identifier.
    public var application: String

    /// A waitlisting.
    public init(application: String) { self.application = application }
}

extension EventType {
    /// `CandidateWaitlisted`.
    public static let candidateWaitlisted = EventType("CandidateWaitlisted", code: 9)
}

extension CandidateWaitlisted: ApplicationEvent {
    static var type: EventType { .candidateWaitlisted }
    var event: DomainEvent { .candidateWaitlisted(self) }
    var summary: String { "\(application) waitlisted" }

    /// Rule 2 (a known application), rule 6 (still pending).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireApplication(application) { try $0.requireDecision(from: [.pending], "waitlist", application) }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try entities.applications.update(application) { $0.state = .waitlisted }
    }
}
