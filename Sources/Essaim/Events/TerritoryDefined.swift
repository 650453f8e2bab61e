/// `TerritoryDefined`: reference data, one node of the territory tree.
public struct TerritoryDefined: Sendable, Equatable {
    /// Territory code: ISO 3166-2 for régions and départements, INSEE for communes.
    public var code: String
    /// Display name.
    public var name: String
    /// Level in the territory tree.
    public var level: TerritoryLevel
    /// Code of the enclosing territory, when any.
    public var parent: String?

    /// A territory; `parent` must be an already defined code.
    public init(code: String, name: String, level: TerritoryLevel, parent: String? = nil) {
        self.code = code
        self.name = name
        self.level = level
        self.parent = parent
    }
}

extension EventType {
    /// `TerritoryDefined`.
    public static let territoryDefined = EventType("TerritoryDefined", code: 1)
}

extension TerritoryDefined: CatalogueEvent {
    static var type: EventType { .territoryDefined }
    var event: DomainEvent { .territoryDefined(self) }
    var stream: String { "territory-\(code)" }
    var summary: String { "\(name) (\(level.rawValue)\(parent.map { " in \($0)" } ?? ""))" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(code: try r.identifier("code"), name: try r.string("name"),
                  level: try r.choice("level", TerritoryLevel.self), parent: try r.optionalIdentifier("parent"))
    }

    var data: JSONValue {
        .members([("code", .string(code)), ("name", .string(name)), ("level", .string(level.rawValue)),
                  ("parent", parent.map(JSONValue.string))])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let present = try r.varint()
        self.init(code: try r.text(), name: try r.text(), level: try r.enumeration(), parent: present & 1 != 0 ? try r.text() : nil)
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(parent != nil)
        w.text(code); w.text(name); w.enumeration(level)
        if let parent { w.text(parent) }
    }

    /// Rule 3 (a new code), rule 2 (a defined parent).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireNew(entities.territories, code, "territory")
        if let parent { try entities.requireTerritory(parent, field: "parent") }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        entities.territories.put(code, TerritoryRecord(name: name, level: level.rawValue, parent: parent))
    }
}
