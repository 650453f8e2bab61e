/// `CandidateSelected`: the committee selects an application.
public struct CandidateSelected: Sendable, Equatable {
    /// Application identifier.
    public var application: String

    /// A selection.
    public init(application: String) { self.application = application }
}

extension EventType {
    /// `CandidateSelected`.
    public static let candidateSelected = EventType("CandidateSelected", code: 7)
}

extension CandidateSelected: ApplicationEvent {
    static var type: EventType { .candidateSelected }
    var event: DomainEvent { .candidateSelected(self) }
    var summary: String { "\(application) selected" }

    /// Rule 2 (a known application), rule 6 (pending or waitlisted), rule 7 (a free seat).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        let cohort = try entities.requireApplication(application) { record in
            try record.requireDecision(from: [.pending, .waitlisted], "select", application)
            return record.cohort
        }
        let (capacity, active) = try entities.requireCohort(cohort) { ($0.capacity, $0.active) }
        if let capacity, Int64(active) >= capacity {
            throw EventRefusal(.full, "cohort \(cohort) has \(active) active participants for \(capacity) seats")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        var cohort: String?
        var newParticipant: String?
        try entities.applications.update(application) {
            if $0.state != .active { cohort = $0.cohort }
            if $0.selectedOn == nil { newParticipant = $0.company }
            $0.state = .active
            $0.selectedOn = context.day
            $0.selectedPosition = context.position
        }
        if let cohort { try entities.cohorts.update(cohort) { $0.active += 1 } }
        if let company = newParticipant {
            var territory: String?
            try entities.changeCompany(company) { record, _ in
                record.participant = true
                territory = record.territory
            }
            if let territory { try entities.count(participantsIn: territory, by: 1) }
        }
    }
}
