/// `FollowUpRecorded`: figures collected from an applicant that was not selected
/// (rejected, or waitlisted and never selected), to compare participants with
/// similar companies that were not supported.
public struct FollowUpRecorded: Sendable, Equatable {
    /// Application identifier.
    public var application: String
    /// Figures measured.
    public var metrics: Figures?
    /// A milestone reached.
    public var milestone: String?
    /// Free text.
    public var note: String?

    /// A follow-up; needs `metrics` or `milestone`.
    public init(application: String, metrics: Figures? = nil, milestone: String? = nil, note: String? = nil) {
        self.application = application
        self.metrics = metrics
        self.milestone = milestone
        self.note = note
    }
}

extension EventType {
    /// `FollowUpRecorded`.
    public static let followUpRecorded = EventType("FollowUpRecorded", code: 26)
}

extension FollowUpRecorded: MeasurementEvent {
    static var type: EventType { .followUpRecorded }
    var event: DomainEvent { .followUpRecorded(self) }
    var summary: String { "\(application) followed up: " + Measurement.summary(metrics, milestone) }

    /// Rule 2 (a known application), rule 9 (never selected, and decided: rejected or waitlisted).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        let (participant, state) = try entities.requireApplication(application) { ($0.isParticipant, $0.state) }
        if participant {
            throw EventRefusal(.outcomeWithoutSelection,
                               "application \(application) was selected: record its figures as an OutcomeRecorded")
        }
        if state == .pending {
            throw EventRefusal(.outcomeWithoutSelection, "application \(application) has no decision yet")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try entities.applications.update(application) { record in
            record.followUp.record(metrics, context)
        }
    }
}
