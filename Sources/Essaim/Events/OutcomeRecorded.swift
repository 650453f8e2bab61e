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

extension OutcomeRecorded: CatalogueEvent {
    static var type: EventType { .outcomeRecorded }
    var event: DomainEvent { .outcomeRecorded(self) }
    var stream: String { "application-\(application)" }
    var summary: String {
        var parts: [String] = []
        if let r = metrics?.revenueEur { parts.append("revenue \(r) €") }
        if let x = metrics?.exportRevenueEur { parts.append("export \(x) €") }
        if let h = metrics?.headcount { parts.append("headcount \(h)") }
        if let m = milestone { parts.append(m) }
        return "\(application): \(parts.joined(separator: ", "))"
    }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(application: try r.identifier("application"), metrics: try r.optionalObject("metrics", Figures.read),
                  milestone: try r.optionalString("milestone"), note: try r.optionalString("note"))
        if metrics == nil && milestone == nil {
            throw Malformed(path: "data", reason: "an OutcomeRecorded needs metrics or milestone")
        }
    }

    var data: JSONValue {
        .members([("application", .string(application)), ("metrics", metrics.map(\.json)),
                  ("milestone", milestone.map(JSONValue.string)), ("note", note.map(JSONValue.string))])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: PersonalAccess) throws {
        let present = try r.varint()
        self.init(application: try r.text())
        if present & 1 != 0 { metrics = try r.figures() }
        if present & 2 != 0 { milestone = try r.text() }
        if present & 4 != 0 { note = try r.text() }
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(metrics != nil, milestone != nil, note != nil)
        w.text(application)
        if let v = metrics { w.figures(v) }
        if let v = milestone { w.text(v) }
        if let v = note { w.text(v) }
    }

    /// Rule 2 (a known application), rule 9 (it was selected at some point).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        let record = try entities.requireApplication(application)
        guard record.isParticipant else {
            throw EventRefusal(.outcomeWithoutSelection, "application \(application) was never selected (it is \(record.state.decisionName))")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try entities.applications.update(application) { record in
            for (metric, value) in Metric.values(metrics) {
                let measurement = MeasurementRecord(instant: context.occurredAt.instant.microseconds,
                                                    position: context.position, value: value)
                // Greatest occurredAt wins; on equal dates the later position (this one).
                if let current = record.latest[metric], current.instant > measurement.instant { continue }
                record.latest[metric] = measurement
            }
            if let milestone, !record.milestones.contains(milestone) { record.milestones.append(milestone) }
        }
    }
}
