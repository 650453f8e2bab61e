/// `MemberJoined`: a company becomes a member of a network.
public struct MemberJoined: Sendable, Equatable {
    /// Network identifier.
    public var network: String
    /// The company, with the details known of it now (the latest details win).
    public var company: Company

    /// A membership.
    public init(network: String, company: Company) {
        self.network = network
        self.company = company
    }
}

extension EventType {
    /// `MemberJoined`.
    public static let memberJoined = EventType("MemberJoined", code: 16)
}

extension MemberJoined: CatalogueEvent {
    static var type: EventType { .memberJoined }
    var event: DomainEvent { .memberJoined(self) }
    var stream: String { "network-\(network)" }
    var summary: String { "\(company.name) (\(company.id)) joins \(network)" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(network: try r.identifier("network"), company: try r.object("company", Company.read))
    }

    var data: JSONValue { .members([("network", .string(network)), ("company", company.json)]) }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        self.init(network: try r.text(), company: try r.company())
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.text(network); w.company(company)
    }

    /// Rule 2 (a registered network, a defined territory), rule 6 (not a member
    /// already), rule 7 (the network's `memberCapacity`).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        guard case let (name, capacity, members)? = try entities.networks.read(network, { ($0.name, $0.memberCapacity, $0.activeMembers) })
        else { throw Entities.unknown("network", network) }
        if let territory = company.territory { try entities.requireTerritory(territory, field: "company.territory") }
        if let membership = try entities.memberships.get(RecordKind.pair(network, company.id)), membership.active {
            throw EventRefusal(.decisionOutOfOrder,
                               "\(company.id) is already a member of \(name) since \(CivilDate(daysSinceEpoch: membership.since))")
        }
        if let capacity, Int64(members) >= capacity {
            throw EventRefusal(.full, "\(name) already has its \(capacity) members")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try entities.describe(company) { record in
            record.member = true
            Entities.reach(&record, by: network)
        }
        entities.memberships.put(RecordKind.pair(network, company.id), MembershipRecord(since: context.day))
        try entities.networks.update(network) {
            $0.activeMembers += 1
            $0.joined += 1
        }
    }
}
