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

extension MentorshipEnded: CatalogueEvent {
    static var type: EventType { .mentorshipEnded }
    var event: DomainEvent { .mentorshipEnded(self) }
    var stream: String { "mentorship-\(mentorship)" }
    var summary: String { "mentorship \(mentorship) ends\(reason.map { ": \($0)" } ?? "")" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(mentorship: try r.identifier("mentorship"), reason: try r.optionalString("reason"))
    }

    var data: JSONValue { .members([("mentorship", .string(mentorship)), ("reason", reason.map(JSONValue.string))]) }

    init(stored r: inout ByteReader, schema: UInt8, personal: PersonalAccess) throws {
        let present = try r.varint()
        self.init(mentorship: try r.text(), reason: present & 1 != 0 ? try r.text() : nil)
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(reason != nil)
        w.text(mentorship)
        if let reason { w.text(reason) }
    }

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
