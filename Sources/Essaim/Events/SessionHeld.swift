/// `SessionHeld`: a cohort held a session.
public struct SessionHeld: Sendable, Equatable {
    /// Session identifier.
    public var session: String
    /// Cohort identifier.
    public var cohort: String
    /// Kind, from the catalogue's list.
    public var kind: SessionKind
    /// Applications present; each must be an active participant (rule 8).
    public var attendees: [String]
    /// Length of the session in minutes.
    public var durationMinutes: Int64?
    /// Who ran the session.
    public var facilitators: [String]?
    /// In person, remote or hybrid.
    public var mode: SessionMode?

    /// A session; every attendee must be an active participant of the cohort.
    public init(session: String, cohort: String, kind: SessionKind, attendees: [String],
                durationMinutes: Int64? = nil, facilitators: [String]? = nil, mode: SessionMode? = nil) {
        self.session = session
        self.cohort = cohort
        self.kind = kind
        self.attendees = attendees
        self.durationMinutes = durationMinutes
        self.facilitators = facilitators
        self.mode = mode
    }
}

extension EventType {
    /// `SessionHeld`.
    public static let sessionHeld = EventType("SessionHeld", code: 11)
}

extension SessionHeld: CatalogueEvent {
    static var type: EventType { .sessionHeld }
    var event: DomainEvent { .sessionHeld(self) }
    var stream: String { "cohort-\(cohort)" }
    var summary: String {
        let minutes = durationMinutes.map { ", \($0) min" } ?? ""
        return "\(kind.rawValue) of \(cohort) with \(attendees.count) attendee(s)\(minutes)"
    }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(session: try r.identifier("session"), cohort: try r.identifier("cohort"),
                  kind: try r.choice("kind", SessionKind.self), attendees: try r.identifiers("attendees", atLeast: 0),
                  durationMinutes: try r.optionalInteger("durationMinutes"),
                  facilitators: try r.optionalStrings("facilitators"), mode: try r.optionalChoice("mode", SessionMode.self))
    }

    var data: JSONValue {
        .members([
            ("session", .string(session)), ("cohort", .string(cohort)), ("kind", .string(kind.rawValue)),
            ("attendees", .strings(attendees)), ("durationMinutes", durationMinutes.map(JSONValue.integer)),
            ("facilitators", facilitators.map(JSONValue.strings)), ("mode", mode.map { .string($0.rawValue) }),
        ])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let present = try r.varint()
        self.init(session: try r.text(), cohort: try r.text(), kind: try r.enumeration(), attendees: try r.texts())
        if present & 1 != 0 { durationMinutes = try r.zigzag() }
        if present & 2 != 0 { facilitators = try r.texts() }
        if present & 4 != 0 { mode = try r.enumeration() }
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(durationMinutes != nil, facilitators != nil, mode != nil)
        w.text(session); w.text(cohort); w.enumeration(kind); w.texts(attendees)
        if let v = durationMinutes { w.zigzag(v) }
        if let v = facilitators { w.texts(v) }
        if let v = mode { w.enumeration(v) }
    }

    /// Rule 3 (a new session id), rule 2 (a known cohort and attendees), rule 8
    /// (every attendee an active participant of the cohort).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireNew(entities.sessions, session, "session")
        try entities.requireCohort(cohort)
        for attendee in attendees {
            // Why the attendee is not a participant (`nil`: it is), read in place.
            let reason = try entities.applications.read(attendee) { application -> String? in
                if application.cohort != cohort { return "applied to cohort \(application.cohort)" }
                return application.state == .active ? nil : "is \(application.state.decisionName)"
            }
            switch reason {
            case nil: throw Entities.unknown("application (attendee)", attendee)
            case let why??:
                throw EventRefusal(.attendeeNotParticipant, "attendee \(attendee) is not an active participant of cohort \(cohort): it \(why)")
            case .some(nil): continue
            }
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        entities.sessions.put(session, MarkerRecord())
        try entities.cohorts.update(cohort) {
            $0.sessions.append(SessionRecord(day: context.day, position: context.position, attendees: attendees))
        }
        // An attendee listed twice counts once: a long list is hashed, a short
        // one searched, comparing ids only where their hashes are equal (the
        // hash also serves the look-up).
        guard attendees.count <= 32 else {
            var seen = IDMap<Void>(capacity: attendees.count)
            for attendee in attendees where seen[attendee] == nil {
                seen.insert(attendee, ())
                try entities.applications.update(attendee) { $0.sessionsAttended += 1 }
            }
            return
        }
        try withUnsafeTemporaryAllocation(of: UInt32.self, capacity: attendees.count) { hashes in
            for (index, attendee) in attendees.enumerated() {
                let hash = IDSlots.hash(attendee)
                hashes[index] = hash
                if (0 ..< index).contains(where: { hashes[$0] == hash && attendees[$0] == attendee }) { continue }
                try entities.applications.update(attendee, hash: hash) { $0.sessionsAttended += 1 }
            }
        }
    }
}
