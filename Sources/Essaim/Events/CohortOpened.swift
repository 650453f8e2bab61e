/// `CohortOpened`: a call for applications opens.
public struct CohortOpened: Sendable, Equatable {
    /// Program identifier.
    public var program: String
    /// Cohort identifier.
    public var cohort: String
    /// Display label of the cohort.
    public var label: String
    /// Seats; overrides the program's `capacityPerCohort`.
    public var capacity: Int64?
    /// Last day to apply (rule 4).
    public var applicationDeadline: CivilDate?
    /// Day the selection committee meets.
    public var committeeOn: CivilDate?

    /// A cohort; `capacity` overrides the program's `capacityPerCohort`.
    public init(program: String, cohort: String, label: String, capacity: Int64? = nil,
                applicationDeadline: CivilDate? = nil, committeeOn: CivilDate? = nil) {
        self.program = program
        self.cohort = cohort
        self.label = label
        self.capacity = capacity
        self.applicationDeadline = applicationDeadline
        self.committeeOn = committeeOn
    }
}

extension EventType {
    /// `CohortOpened`.
    public static let cohortOpened = EventType("CohortOpened", code: 5)
}

extension CohortOpened: CatalogueEvent {
    static var type: EventType { .cohortOpened }
    var event: DomainEvent { .cohortOpened(self) }
    var stream: String { "cohort-\(cohort)" }
    var summary: String {
        let deadline = applicationDeadline.map { ", deadline \($0)" } ?? ""
        return "\(label) of \(program)\(capacity.map { ", \($0) seats" } ?? "")\(deadline)"
    }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(program: try r.identifier("program"), cohort: try r.identifier("cohort"), label: try r.string("label"),
                  capacity: try r.optionalInteger("capacity", minimum: 1),
                  applicationDeadline: try r.optionalDate("applicationDeadline"), committeeOn: try r.optionalDate("committeeOn"))
    }

    var data: JSONValue {
        .members([
            ("program", .string(program)), ("cohort", .string(cohort)), ("label", .string(label)),
            ("capacity", capacity.map(JSONValue.integer)),
            ("applicationDeadline", applicationDeadline.map { .string($0.description) }),
            ("committeeOn", committeeOn.map { .string($0.description) }),
        ])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let present = try r.varint()
        self.init(program: try r.text(), cohort: try r.text(), label: try r.text())
        if present & 1 != 0 { capacity = try r.zigzag() }
        if present & 2 != 0 { applicationDeadline = CivilDate(daysSinceEpoch: try r.zigzag()) }
        if present & 4 != 0 { committeeOn = CivilDate(daysSinceEpoch: try r.zigzag()) }
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(capacity != nil, applicationDeadline != nil, committeeOn != nil)
        w.text(program); w.text(cohort); w.text(label)
        if let v = capacity { w.zigzag(v) }
        if let v = applicationDeadline { w.zigzag(v.daysSinceEpoch) }
        if let v = committeeOn { w.zigzag(v.daysSinceEpoch) }
    }

    /// Rule 3 (a new id), rule 2 (a known program).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireNew(entities.cohorts, cohort, "cohort")
        _ = try entities.requireProgram(program)
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        let capacity = try self.capacity ?? entities.programs.read(program) { $0.capacityPerCohort } ?? nil
        entities.cohorts.put(cohort, CohortRecord(program: program, label: label, capacity: capacity,
                                                 applicationDeadline: applicationDeadline?.daysSinceEpoch))
        try entities.programs.update(program) { $0.cohorts.append(cohort) }
    }
}
