/// `ProgramExtended`: a program's coverage grows.
public struct ProgramExtended: Sendable, Equatable {
    /// Program identifier.
    public var program: String
    /// Territories covered (at least one, all defined).
    public var territories: [String]

    /// An extension to new territories.
    public init(program: String, territories: [String]) {
        self.program = program
        self.territories = territories
    }
}

extension EventType {
    /// `ProgramExtended`.
    public static let programExtended = EventType("ProgramExtended", code: 4)
}

extension ProgramExtended: CatalogueEvent {
    static var type: EventType { .programExtended }
    var event: DomainEvent { .programExtended(self) }
    var stream: String { "program-\(program)" }
    var summary: String { "\(program) now also covers \(territories.joined(separator: ", "))" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(program: try r.identifier("program"), territories: try r.identifiers("territories", atLeast: 1))
    }

    var data: JSONValue { .members([("program", .string(program)), ("territories", .strings(territories))]) }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        self.init(program: try r.text(), territories: try r.texts())
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.text(program); w.texts(territories)
    }

    /// Rule 2 (a known program, defined territories).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        _ = try entities.requireProgram(program)
        for territory in territories { try entities.requireTerritory(territory, field: "territories") }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try entities.programs.update(program) {
            $0.coverage += territories.map { CoverageRecord(territory: $0, on: context.day) }
        }
        try entities.cover(program, territories, context.day)
        try entities.timeline(context.position, territories.map {
            TimelineRecord(on: context.day, kind: "program-extended", program: program, territory: $0, position: context.position)
        })
    }
}
