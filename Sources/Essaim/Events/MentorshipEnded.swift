/// `MentorshipEnded`: the pair stops.
public struct MentorshipEnded: Sendable, Equatable {
    /// Mentorship identifier.
    public var mentorship: String
    /// Why, free text.
    public var reason: String?

    /// The end of a mentorship.
    public init(mentorship: String, reason: String? = nil) {
        self.mentorship = mentorship
        self.reason = reason
    }
}

extension EventType {
    /// `MentorshipEnded`.
    public static let mentorshipEnded = EventType("MentorshipEnded", code: 20)
}

extension MentorshipEnded: ReasonedEvent {
    static var subjectField: String { "mentorship" }
    var subject: String { mentorship }
    init(subject: String, reason: String?) { self.init(mentorship: subject, reason: reason) }

    static var type: EventType { .mentorshipEnded }
    var event: DomainEvent { .mentorshipEnded(self) }
    var summary: String { "mentorship \(mentorship) ends\(reasonSuffix)" }

    /// Rule 2 (a known mentorship), rule 6 (not ended already).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        let record = try entities.requireMentorship(mentorship)
        if let ended = record.endedOn {
            throw EventRefusal(.decisionOutOfOrder, "mentorship \(mentorship) already ended on \(CivilDate(daysSinceEpoch: ended))")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try entities.mentorships.update(mentorship) { $0.endedOn = context.day }
    }
}
