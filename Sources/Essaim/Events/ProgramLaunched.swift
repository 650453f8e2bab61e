/// `ProgramLaunched`: a program starts.
public struct ProgramLaunched: Sendable, Equatable {
    /// Program identifier.
    public var program: String
    /// Display name.
    public var name: String
    /// Kind, from the catalogue's list.
    public var kind: ProgramKind
    /// Networks running the program (at least one, all registered).
    public var networks: [String]
    /// Territories covered (at least one, all defined).
    public var territories: [String]
    /// Seats per cohort unless a cohort says otherwise.
    public var capacityPerCohort: Int64?
    /// Sectors the program targets, free text.
    public var sectors: [String]?
    /// Criteria an application must meet (rule 5).
    public var eligibility: Eligibility?
    /// Whether taking part is free of charge.
    public var free: Bool?
    /// Whether exchanges are confidential.
    public var confidential: Bool?

    /// A program launch; `networks` and `territories` need at least one entry each.
    public init(program: String, name: String, kind: ProgramKind, networks: [String], territories: [String],
                capacityPerCohort: Int64? = nil, sectors: [String]? = nil, eligibility: Eligibility? = nil,
                free: Bool? = nil, confidential: Bool? = nil) {
        self.program = program
        self.name = name
        self.kind = kind
        self.networks = networks
        self.territories = territories
        self.capacityPerCohort = capacityPerCohort
        self.sectors = sectors
        self.eligibility = eligibility
        self.free = free
        self.confidential = confidential
    }
}

extension EventType {
    /// `ProgramLaunched`.
    public static let programLaunched = EventType("ProgramLaunched", code: 3)
}

extension ProgramLaunched: CatalogueEvent {
    static var type: EventType { .programLaunched }
    /// 3: the eligibility may say `membersOnly` (a fourth presence bit and a
    /// byte); schema 2 records never set that bit and read the same way.
    static var storageSchema: UInt8 { 3 }
    var event: DomainEvent { .programLaunched(self) }
    var stream: String { "program-\(program)" }
    var summary: String {
        let capacity = capacityPerCohort.map { ", \($0) seats per cohort" } ?? ""
        return "\(name) (\(kind.rawValue)) by \(networks.joined(separator: ", ")) in \(territories.joined(separator: ", "))\(capacity)"
    }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(
            program: try r.identifier("program"), name: try r.string("name"), kind: try r.choice("kind", ProgramKind.self),
            networks: try r.identifiers("networks", atLeast: 1), territories: try r.identifiers("territories", atLeast: 1),
            capacityPerCohort: try r.optionalInteger("capacityPerCohort", minimum: 1), sectors: try r.optionalStrings("sectors"),
            eligibility: try r.optionalObject("eligibility") { (e: inout ObjectReader) throws(Malformed) in
                Eligibility(minCompanyAgeYears: try e.optionalInteger("minCompanyAgeYears"),
                            minRevenueEur: try e.optionalInteger("minRevenueEur"),
                            minHeadcount: try e.optionalInteger("minHeadcount"), membersOnly: try e.optionalBool("membersOnly"))
            },
            free: try r.optionalBool("free"), confidential: try r.optionalBool("confidential"))
    }

    var data: JSONValue {
        .members([
            ("program", .string(program)), ("name", .string(name)), ("kind", .string(kind.rawValue)),
            ("networks", .strings(networks)), ("territories", .strings(territories)),
            ("capacityPerCohort", capacityPerCohort.map(JSONValue.integer)), ("sectors", sectors.map(JSONValue.strings)),
            ("eligibility", eligibility.map { .members([
                ("minCompanyAgeYears", $0.minCompanyAgeYears.map(JSONValue.integer)),
                ("minRevenueEur", $0.minRevenueEur.map(JSONValue.integer)),
                ("minHeadcount", $0.minHeadcount.map(JSONValue.integer)),
                ("membersOnly", $0.membersOnly.map(JSONValue.bool))]) }),
            ("free", free.map(JSONValue.bool)), ("confidential", confidential.map(JSONValue.bool)),
        ])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let present = try r.varint()
        self.init(program: try r.text(), name: try r.text(), kind: try r.enumeration(),
                  networks: try r.texts(), territories: try r.texts())
        if present & 1 != 0 { capacityPerCohort = try r.zigzag() }
        if present & 2 != 0 { sectors = try r.texts() }
        if present & 4 != 0 {
            let figures = try r.varint()
            eligibility = Eligibility(minCompanyAgeYears: figures & 1 != 0 ? try r.zigzag() : nil,
                                      minRevenueEur: figures & 2 != 0 ? try r.zigzag() : nil,
                                      minHeadcount: figures & 4 != 0 ? try r.zigzag() : nil,
                                      membersOnly: figures & 8 != 0 ? try r.u8() != 0 : nil)
        }
        if present & 8 != 0 { free = try r.u8() != 0 }
        if present & 16 != 0 { confidential = try r.u8() != 0 }
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(capacityPerCohort != nil, sectors != nil, eligibility != nil, free != nil, confidential != nil)
        w.text(program); w.text(name); w.enumeration(kind); w.texts(networks); w.texts(territories)
        if let v = capacityPerCohort { w.zigzag(v) }
        if let v = sectors { w.texts(v) }
        if let v = eligibility {
            w.presence(v.minCompanyAgeYears != nil, v.minRevenueEur != nil, v.minHeadcount != nil, v.membersOnly != nil)
            for figure in [v.minCompanyAgeYears, v.minRevenueEur, v.minHeadcount] { if let figure { w.zigzag(figure) } }
            if let membersOnly = v.membersOnly { w.u8(membersOnly ? 1 : 0) }
        }
        if let v = free { w.u8(v ? 1 : 0) }
        if let v = confidential { w.u8(v ? 1 : 0) }
    }

    /// Rule 3 (a new id), rule 2 (registered networks, defined territories).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireNew(entities.programs, program, "program")
        for network in networks { try entities.requireNetwork(network) }
        for territory in territories { try entities.requireTerritory(territory, field: "territories") }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        entities.programs.put(program, ProgramRecord(
            name: name, networks: networks, capacityPerCohort: capacityPerCohort, eligibility: eligibility,
            coverage: territories.map { CoverageRecord(territory: $0, on: context.day) }))
        for network in networks {
            try entities.networks.update(network) { $0.programs.append(program) }
        }
        try entities.cover(program, territories, context.day)
        try entities.timeline(context.position, territories.map {
            TimelineRecord(on: context.day, kind: "program-launched", program: program, territory: $0, position: context.position)
        })
    }
}
