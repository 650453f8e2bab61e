/// `NetworkRegistered`: a network exists, based in a territory.
public struct NetworkRegistered: Sendable, Equatable {
    /// Network identifier.
    public var network: String
    /// Display name.
    public var name: String
    /// Kind, from the catalogue's list.
    public var kind: NetworkKind
    /// A defined territory code.
    public var territory: String
    /// The most active members it takes (a club of "no more than twenty"); rule 7.
    public var memberCapacity: Int64?

    /// A network registration.
    public init(network: String, name: String, kind: NetworkKind, territory: String, memberCapacity: Int64? = nil) {
        self.network = network
        self.name = name
        self.kind = kind
        self.territory = territory
        self.memberCapacity = memberCapacity
    }
}

extension EventType {
    /// `NetworkRegistered`.
    public static let networkRegistered = EventType("NetworkRegistered", code: 2)
}

extension NetworkRegistered: CatalogueEvent {
    static var type: EventType { .networkRegistered }
    /// 3: a presence bit set first, for `memberCapacity`; schema 2 had no optional field.
    static var storageSchema: UInt8 { 3 }
    var event: DomainEvent { .networkRegistered(self) }
    var stream: String { "network-\(network)" }
    var summary: String {
        "\(name), \(kind.rawValue) based in \(territory)\(memberCapacity.map { ", at most \($0) members" } ?? "")"
    }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(network: try r.identifier("network"), name: try r.string("name"),
                  kind: try r.choice("kind", NetworkKind.self), territory: try r.identifier("territory"),
                  memberCapacity: try r.optionalInteger("memberCapacity", minimum: 1))
    }

    var data: JSONValue {
        .members([("network", .string(network)), ("name", .string(name)), ("kind", .string(kind.rawValue)),
                  ("territory", .string(territory)), ("memberCapacity", memberCapacity.map(JSONValue.integer))])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let present = schema >= 3 ? try r.varint() : 0
        self.init(network: try r.text(), name: try r.text(), kind: try r.enumeration(), territory: try r.text())
        if present & 1 != 0 { memberCapacity = try r.zigzag() }
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(memberCapacity != nil)
        w.text(network); w.text(name); w.enumeration(kind); w.text(territory)
        if let memberCapacity { w.zigzag(memberCapacity) }
    }

    /// Rule 3 (a new id), rule 2 (a defined territory).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireNew(entities.networks, network, "network")
        try entities.requireTerritory(territory, field: "territory")
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        entities.networks.put(network, NetworkRecord(name: name, memberCapacity: memberCapacity))
    }
}
