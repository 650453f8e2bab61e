/// `MentoringSessionHeld`: a mentoring meeting took place.
public struct MentoringSessionHeld: Sendable, Equatable {
    /// Session identifier (one namespace with cohort sessions).
    public var session: String
    /// Mentorship identifier.
    public var mentorship: String
    /// Length in minutes (at least 1).
    public var durationMinutes: Int64
    /// In person, remote or hybrid.
    public var mode: SessionMode?

    /// A mentoring session.
    public init(session: String, mentorship: String, durationMinutes: Int64, mode: SessionMode? = nil) {
        self.session = session
        self.mentorship = mentorship
        self.durationMinutes = durationMinutes
        self.mode = mode
    }
}

extension EventType {
    /// `MentoringSessionHeld`.
    public static let mentoringSessionHeld = EventType("MentoringSessionHeld", code: 19)
}

extension MentoringSessionHeld: CatalogueEvent {
    static var type: EventType { .mentoringSessionHeld }
    var event: DomainEvent { .mentoringSessionHeld(self) }
    var stream: String { "mentorship-\(mentorship)" }
    var summary: String { "\(durationMinutes) min of mentorship \(mentorship)" }

    init(data r: inout ObjectReader) throws(Malformed) {
        guard let minutes = try r.optionalInteger("durationMinutes", minimum: 1) else {
            throw Malformed(path: "data.durationMinutes", reason: "missing required field")
        }
        self.init(session: try r.identifier("session"), mentorship: try r.identifier("mentorship"), durationMinutes: minutes,
                  mode: try r.optionalChoice("mode", SessionMode.self))
    }

    var data: JSONValue {
        .members([("session", .string(session)), ("mentorship", .string(mentorship)),
                  ("durationMinutes", .integer(durationMinutes)), ("mode", mode.map { .string($0.rawValue) })])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let present = try r.varint()
        self.init(session: try r.text(), mentorship: try r.text(), durationMinutes: try r.zigzag())
        if present & 1 != 0 { mode = try r.enumeration() }
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(mode != nil)
        w.text(session); w.text(mentorship); w.zigzag(durationMinutes)
        if let mode { w.enumeration(mode) }
    }

    /// Rule 3 (a new session id, cohort sessions included), rule 2 (a known
    /// mentorship), rule 6 (not ended).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireNew(entities.sessions, session, "session")
        let record = try entities.requireMentorship(mentorship)
        if let ended = record.endedOn {
            throw EventRefusal(.decisionOutOfOrder, "mentorship \(mentorship) ended on \(CivilDate(daysSinceEpoch: ended))")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        entities.sessions.put(session, MarkerRecord())
        try entities.mentorships.update(mentorship) {
            $0.sessions += 1
            $0.minutes += durationMinutes
        }
    }
}
