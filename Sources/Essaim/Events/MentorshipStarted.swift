/// `MentorshipStarted`: one member's leader mentors another's, on a theme.
public struct MentorshipStarted: Sendable, Equatable {
    /// Mentorship identifier.
    public var mentorship: String
    /// The network both companies are members of.
    public var network: String
    /// The mentoring company's id.
    public var mentor: String
    /// The mentored company's id.
    public var mentee: String
    /// What the mentoring is about, e.g. `regulatory`.
    public var theme: String?
    /// The time planned for it, in minutes (an allowance).
    public var plannedMinutes: Int64?

    /// A mentorship between two members of `network`.
    public init(mentorship: String, network: String, mentor: String, mentee: String, theme: String? = nil,
                plannedMinutes: Int64? = nil) {
        self.mentorship = mentorship
        self.network = network
        self.mentor = mentor
        self.mentee = mentee
        self.theme = theme
        self.plannedMinutes = plannedMinutes
    }
}

extension EventType {
    /// `MentorshipStarted`.
    public static let mentorshipStarted = EventType("MentorshipStarted", code: 18)
}

extension MentorshipStarted: CatalogueEvent {
    static var type: EventType { .mentorshipStarted }
    var event: DomainEvent { .mentorshipStarted(self) }
    var stream: String { "mentorship-\(mentorship)" }
    var summary: String { "\(mentor) mentors \(mentee) in \(network)\(theme.map { " on \($0)" } ?? "")" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(mentorship: try r.identifier("mentorship"), network: try r.identifier("network"),
                  mentor: try r.identifier("mentor"), mentee: try r.identifier("mentee"), theme: try r.optionalString("theme"),
                  plannedMinutes: try r.optionalInteger("plannedMinutes", minimum: 1))
    }

    var data: JSONValue {
        .members([("mentorship", .string(mentorship)), ("network", .string(network)), ("mentor", .string(mentor)),
                  ("mentee", .string(mentee)), ("theme", theme.map(JSONValue.string)),
                  ("plannedMinutes", plannedMinutes.map(JSONValue.integer))])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let present = try r.varint()
        self.init(mentorship: try r.text(), network: try r.text(), mentor: try r.text(), mentee: try r.text())
        if present & 1 != 0 { theme = try r.text() }
        if present & 2 != 0 { plannedMinutes = try r.zigzag() }
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(theme != nil, plannedMinutes != nil)
        w.text(mentorship); w.text(network); w.text(mentor); w.text(mentee)
        if let theme { w.text(theme) }
        if let plannedMinutes { w.zigzag(plannedMinutes) }
    }

    /// Rule 3 (a new id), rule 2 (a registered network, known companies), rule
    /// 10 (two different companies, both active members of the network).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireNew(entities.mentorships, mentorship, "mentorship")
        try entities.requireNetwork(network)
        _ = try entities.requireCompany(mentor, field: "mentor")
        _ = try entities.requireCompany(mentee, field: "mentee")
        if mentor == mentee {
            throw EventRefusal(.membership, "\(mentor) cannot mentor itself")
        }
        for company in [mentor, mentee] where try !entities.isActiveMember(company, of: network) {
            throw EventRefusal(.membership, try entities.notMember(company, ofAnyOf: [network]))
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        entities.mentorships.put(mentorship, MentorshipRecord(
            network: network, mentor: mentor, mentee: mentee, theme: theme, plannedMinutes: plannedMinutes,
            startedOn: context.day, startPosition: context.position))
        try entities.networks.update(network) { $0.mentorships.append(mentorship) }
    }
}
