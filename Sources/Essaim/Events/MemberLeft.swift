/// `MemberLeft`: a company's membership of a network ends (it may join again later).
public struct MemberLeft: Sendable, Equatable {
    /// Network identifier.
    public var network: String
    /// The company's id.
    public var company: String
    /// Why, free text.
    public var reason: String?

    /// A departure.
    public init(network: String, company: String, reason: String? = nil) {
        self.network = network
        self.company = company
        self.reason = reason
    }
}

extension EventType {
    /// `MemberLeft`.
    public static let memberLeft = EventType("MemberLeft", code: 17)
}

extension MemberLeft: CatalogueEvent {
    static var type: EventType { .memberLeft }
    var event: DomainEvent { .memberLeft(self) }
    var stream: String { "network-\(network)" }
    var summary: String { "\(company) leaves \(network)\(reason.map { ": \($0)" } ?? "")" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(network: try r.identifier("network"), company: try r.identifier("company"), reason: try r.optionalString("reason"))
    }

    var data: JSONValue {
        .members([("network", .string(network)), ("company", .string(company)), ("reason", reason.map(JSONValue.string))])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let present = try r.varint()
        self.init(network: try r.text(), company: try r.text(), reason: present & 1 != 0 ? try r.text() : nil)
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(reason != nil)
        w.text(network); w.text(company)
        if let reason { w.text(reason) }
    }

    /// Rule 2 (a registered network, a known company), rule 6 (an active member).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireNetwork(network)
        _ = try entities.requireCompany(company)
        guard try entities.isActiveMember(company, of: network) else {
            throw EventRefusal(.decisionOutOfOrder, try entities.notMember(company, ofAnyOf: [network]) + ": it cannot leave")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        var wasActive = false
        try entities.memberships.update(RecordKind.pair(network, company)) {
            wasActive = $0.active
            $0.active = false
            $0.leftOn = context.day
        }
        try entities.networks.update(network) {
            if wasActive { $0.activeMembers -= 1 }
            $0.left += 1
        }
    }
}
