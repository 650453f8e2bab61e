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

extension EventType {
    /// `OutcomeRecorded`.
    public static let outcomeRecorded = EventType("OutcomeRecorded", code: 12)
}

extension OutcomeRecorded: MeasurementEvent {
    static var type: EventType { .outcomeRecorded }
    var event: DomainEvent { .outcomeRecorded(self) }
    var summary: String { "\(application): " + Measurement.summary(metrics, milestone) }

    /// Rule 2 (a known application), rule 9 (it was selected at some point).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        let (participant, state) = try entities.requireApplication(application) { ($0.isParticipant, $0.state) }
        guard participant else {
            throw EventRefusal(.outcomeWithoutSelection, "application \(application) was never selected (it is \(state.decisionName))")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try entities.applications.update(application) { record in
            record.latest.record(metrics, context)
            if let milestone, !record.milestones.contains(milestone) { record.milestones.append(milestone) }
            // The day the company was created, for survival: the earliest such outcome.
            if milestone == "company-created", record.createdOn.map({ $0 > context.day }) ?? true { record.createdOn = context.day }
        }
    }
}
