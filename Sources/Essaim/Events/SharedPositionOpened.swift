/// `SharedPositionOpened`: a network creates a position whose time member companies share.
public struct SharedPositionOpened: Sendable, Equatable {
    /// Position identifier.
    public var position: String
    /// The network running it.
    public var network: String
    /// What the job is, e.g. `Business developer`.
    public var title: String
    /// Where the post is based (a defined territory).
    public var territory: String
    /// The time to share, 100 = one full-time post (1 to 1000; absent means 100).
    public var capacityPercent: Int64?

    /// A shared position.
    public init(position: String, network: String, title: String, territory: String, capacityPercent: Int64? = nil) {
        self.position = position
        self.network = network
        self.title = title
        self.territory = territory
        self.capacityPercent = capacityPercent
    }
}

extension EventType {
    /// `SharedPositionOpened`.
    public static let sharedPositionOpened = EventType("SharedPositionOpened", code: 21)
}

extension SharedPositionOpened: CatalogueEvent {
    static var type: EventType { .sharedPositionOpened }
    var event: DomainEvent { .sharedPositionOpened(self) }
    var stream: String { "position-\(position)" }
    var summary: String { "\(title) shared by members of \(network) in \(territory), \(capacityPercent ?? 100) %" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(position: try r.identifier("position"), network: try r.identifier("network"), title: try r.string("title"),
                  territory: try r.identifier("territory"), capacityPercent: try r.optionalInteger("capacityPercent", minimum: 1))
        if let capacityPercent, capacityPercent > 1000 {
            throw Malformed(path: "data.capacityPercent", reason: "must be at most 1000")
        }
    }

    var data: JSONValue {
        .members([("position", .string(position)), ("network", .string(network)), ("title", .string(title)),
                  ("territory", .string(territory)), ("capacityPercent", capacityPercent.map(JSONValue.integer))])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let present = try r.varint()
        self.init(position: try r.text(), network: try r.text(), title: try r.text(), territory: try r.text(),
                  capacityPercent: present & 1 != 0 ? try r.zigzag() : nil)
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(capacityPercent != nil)
        w.text(position); w.text(network); w.text(title); w.text(territory)
        if let capacityPercent { w.zigzag(capacityPercent) }
    }

    /// Rule 3 (a new id), rule 2 (a registered network, a defined territory).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireNew(entities.positions, position, "shared position")
        try entities.requireNetwork(network)
        try entities.requireTerritory(territory, field: "territory")
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        entities.positions.put(position, PositionRecord(network: network, title: title, territory: territory,
                                                        capacityPercent: capacityPercent ?? 100, openedOn: context.day))
        try entities.networks.update(network) { $0.positions.append(position) }
    }
}
