/// `SharedPositionJoined`: a member company takes a share of a shared position's time.
public struct SharedPositionJoined: Sendable, Equatable {
    /// Position identifier.
    public var position: String
    /// The company's id.
    public var company: String
    /// Its share of the position's time, 1 to 100 (%).
    public var sharePercent: Int64

    /// A share taken.
    public init(position: String, company: String, sharePercent: Int64) {
        self.position = position
        self.company = company
        self.sharePercent = sharePercent
    }
}

extension EventType {
    /// `SharedPositionJoined`.
    public static let sharedPositionJoined = EventType("SharedPositionJoined", code: 22)
}

extension SharedPositionJoined: CatalogueEvent {
    static var type: EventType { .sharedPositionJoined }
    var event: DomainEvent { .sharedPositionJoined(self) }
    var stream: String { "position-\(position)" }
    var summary: String { "\(company) takes \(sharePercent) % of \(position)" }

    init(data r: inout ObjectReader) throws(Malformed) {
        let position = try r.identifier("position"), company = try r.identifier("company")
        guard let share = try r.optionalInteger("sharePercent", minimum: 1) else {
            throw Malformed(path: "data.sharePercent", reason: "missing required field")
        }
        if share > 100 { throw Malformed(path: "data.sharePercent", reason: "must be at most 100") }
        self.init(position: position, company: company, sharePercent: share)
    }

    var data: JSONValue {
        .members([("position", .string(position)), ("company", .string(company)), ("sharePercent", .integer(sharePercent))])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        self.init(position: try r.text(), company: try r.text(), sharePercent: try r.zigzag())
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.text(position); w.text(company); w.zigzag(sharePercent)
    }

    /// Rule 2 (a known position and company), rule 6 (open, no share held
    /// already), rule 10 (an active member of the position's network), rule 7
    /// (the shares fit the position's capacity).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        let record = try entities.requirePosition(position)
        _ = try entities.requireCompany(company)
        if let closed = record.closedOn {
            throw EventRefusal(.decisionOutOfOrder, "shared position \(position) closed on \(CivilDate(daysSinceEpoch: closed))")
        }
        if let held = record.holders.first(where: { $0.company == company }) {
            throw EventRefusal(.decisionOutOfOrder, "\(company) already holds \(held.sharePercent) % of shared position \(position)")
        }
        guard try entities.isActiveMember(company, of: record.network) else {
            throw EventRefusal(.membership, try entities.notMember(company, ofAnyOf: [record.network]))
        }
        if record.allocatedPercent + sharePercent > record.capacityPercent {
            throw EventRefusal(.full, "shared position \(position) has \(record.capacityPercent - record.allocatedPercent) % left "
                                   + "of \(record.capacityPercent) %, not \(sharePercent) %")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try entities.positions.update(position) {
            $0.holders.append(ShareRecord(company: company, sharePercent: sharePercent, since: context.day))
        }
    }
}
