// Coding shared by event types of the same shape: the committee's decisions
// and other events about one application.

/// An event about one application and nothing else (`CandidateSelected`, `CandidateWaitlisted`).
protocol ApplicationEvent: CatalogueEvent {
    var application: String { get }
    init(application: String)
}

extension ApplicationEvent {
    var stream: String { "application-\(application)" }

    init(data r: inout ObjectReader) throws(Malformed) { self.init(application: try r.identifier("application")) }

    var data: JSONValue { .members([("application", .string(application))]) }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws { self.init(application: try r.text()) }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) { w.text(application) }
}

/// An event about one entity, named by its id, with an optional reason: about
/// an application (`CandidateRejected`, `ParticipantWithdrew`,
/// `PersonalDataErased`), a mentorship (`MentorshipEnded`), a shared position
/// (`SharedPositionClosed`) or a company (`CompanyClosed`).
protocol ReasonedEvent: CatalogueEvent {
    /// The `data` field naming the entity; its stream is `subjectField-{id}`.
    static var subjectField: String { get }
    var subject: String { get }
    var reason: String? { get }
    init(subject: String, reason: String?)
}

extension ReasonedEvent {
    var stream: String { "\(Self.subjectField)-\(subject)" }

    /// `: because`, or nothing without a reason.
    var reasonSuffix: String { reason.map { ": \($0)" } ?? "" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(subject: try r.identifier(Self.subjectField), reason: try r.optionalString("reason"))
    }

    var data: JSONValue { .members([(Self.subjectField, .string(subject)), ("reason", reason.map(JSONValue.string))]) }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let present = try r.varint()
        self.init(subject: try r.text(), reason: present & 1 != 0 ? try r.text() : nil)
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(reason != nil)
        w.text(subject)
        if let reason { w.text(reason) }
    }
}

/// A ``ReasonedEvent`` about an application.
protocol ReasonedApplicationEvent: ReasonedEvent {
    var application: String { get }
    init(application: String, reason: String?)
}

extension ReasonedApplicationEvent {
    static var subjectField: String { "application" }
    var subject: String { application }
    init(subject: String, reason: String?) { self.init(application: subject, reason: reason) }
}

/// A site of a network in a territory (`SitePlanned`, `SiteOpened`).
protocol SiteEvent: CatalogueEvent {
    var site: String { get }
    var name: String { get }
    var network: String { get }
    var territory: String { get }
    var program: String? { get }
    init(site: String, name: String, network: String, territory: String, program: String?)
}

extension SiteEvent {
    var stream: String { "site-\(site)" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(site: try r.identifier("site"), name: try r.string("name"), network: try r.identifier("network"),
                  territory: try r.identifier("territory"), program: try r.optionalIdentifier("program"))
    }

    var data: JSONValue {
        .members([("site", .string(site)), ("name", .string(name)), ("network", .string(network)),
                  ("territory", .string(territory)), ("program", program.map(JSONValue.string))])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let present = try r.varint()
        self.init(site: try r.text(), name: try r.text(), network: try r.text(), territory: try r.text(),
                  program: present & 1 != 0 ? try r.text() : nil)
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(program != nil)
        w.text(site); w.text(name); w.text(network); w.text(territory)
        if let program { w.text(program) }
    }

    /// Rule 2: a registered network, a defined territory, a known program.
    func checkReferences(_ entities: Entities) throws {
        try entities.requireNetwork(network)
        try entities.requireTerritory(territory, field: "territory")
        if let program { _ = try entities.requireProgram(program) }
    }

    /// Files the site (its latest details win) and its timeline entry.
    func record(in entities: Entities, _ context: EventContext, opened: Bool) throws {
        var record = try entities.sites.get(site) ?? SiteRecord(name: name, network: network, program: program, territory: territory)
        record.name = name
        record.network = network
        record.program = program
        record.territory = territory
        if opened { record.openedOn = context.day } else { record.plannedOn = context.day }
        entities.sites.put(site, record)
        entities.siteAt.put(RecordKind.pair(territory, site), MarkerRecord())
        try entities.timeline(context.position, [TimelineRecord(
            on: context.day, kind: opened ? "site-opened" : "site-planned", program: program, network: network,
            territory: territory, site: site, position: context.position)])
    }
}

/// Figures or a milestone (or both) measured for an application, and a note
/// (`OutcomeRecorded` for a participant, `FollowUpRecorded` for an applicant not selected).
protocol MeasurementEvent: CatalogueEvent {
    var application: String { get }
    var metrics: Figures? { get }
    var milestone: String? { get }
    var note: String? { get }
    init(application: String, metrics: Figures?, milestone: String?, note: String?)
}

extension MeasurementEvent {
    var stream: String { "application-\(application)" }

    init(data r: inout ObjectReader) throws(Malformed) {
        let m = try Measurement.read(&r, type: Self.type.rawValue)
        self.init(application: m.application, metrics: m.metrics, milestone: m.milestone, note: m.note)
    }

    var data: JSONValue { Measurement.json(application, metrics, milestone, note) }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let m = try Measurement.read(&r)
        self.init(application: m.0, metrics: m.1, milestone: m.2, note: m.3)
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        Measurement.write(&w, application, metrics, milestone, note)
    }
}

/// The coding `MeasurementEvent`s share.
enum Measurement {
    /// Reads the `data` object; refuses one with neither metrics nor milestone (rule 1).
    static func read(_ r: inout ObjectReader, type: String) throws(Malformed)
        -> (application: String, metrics: Figures?, milestone: String?, note: String?) {
        let values = (application: try r.identifier("application"), metrics: try r.optionalObject("metrics", Figures.read),
                      milestone: try r.optionalString("milestone"), note: try r.optionalString("note"))
        if values.metrics == nil && values.milestone == nil {
            throw Malformed(path: "data", reason: "\(type.first.map { "AEIOU".contains($0) } == true ? "an" : "a") \(type) needs metrics or milestone")
        }
        return values
    }

    static func json(_ application: String, _ metrics: Figures?, _ milestone: String?, _ note: String?) -> JSONValue {
        .members([("application", .string(application)), ("metrics", metrics.map(\.json)),
                  ("milestone", milestone.map(JSONValue.string)), ("note", note.map(JSONValue.string))])
    }

    static func read(_ r: inout ByteReader) throws -> (String, Figures?, String?, String?) {
        let present = try r.varint()
        let application = try r.text()
        return (application, present & 1 != 0 ? try r.figures() : nil, present & 2 != 0 ? try r.text() : nil,
                present & 4 != 0 ? try r.text() : nil)
    }

    static func write(_ w: inout ByteWriter, _ application: String, _ metrics: Figures?, _ milestone: String?, _ note: String?) {
        w.presence(metrics != nil, milestone != nil, note != nil)
        w.text(application)
        if let v = metrics { w.figures(v) }
        if let v = milestone { w.text(v) }
        if let v = note { w.text(v) }
    }

    /// `revenue 120000 €, headcount 8, company-created`.
    static func summary(_ metrics: Figures?, _ milestone: String?) -> String {
        var parts: [String] = []
        if let r = metrics?.revenueEur { parts.append("revenue \(r) €") }
        if let x = metrics?.exportRevenueEur { parts.append("export \(x) €") }
        if let h = metrics?.headcount { parts.append("headcount \(h)") }
        if let m = milestone { parts.append(m) }
        return parts.joined(separator: ", ")
    }
}
