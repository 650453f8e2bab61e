/// `SharedPositionLeft`: a company gives its share of a shared position back.
public struct SharedPositionLeft: Sendable, Equatable {
    /// Position identifier.
    public var position: String
    /// The company's id.
    public var company: String
    /// Why, free text.
    public var reason: String?

    /// A share given back.
    public init(position: String, company: String, reason: String? = nil) {
        self.position = position
        self.company = company
        self.reason = reason
    }
}

extension EventType {
    /// `SharedPositionLeft`.
    public static let sharedPositionLeft = EventType("SharedPositionLeft", code: 23)
}

extension SharedPositionLeft: CatalogueEvent {
    static var type: EventType { .sharedPositionLeft }
    var event: DomainEvent { .sharedPositionLeft(self) }
    var stream: String { "position-\(position)" }
    var summary: String { "\(company) gives back its share of \(position)\(reason.map { ": \($0)" } ?? "")" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(position: try r.identifier("position"), company: try r.identifier("company"), reason: try r.optionalString("reason"))
    }

    var data: JSONValue {
        .members([("position", .string(position)), ("company", .string(company)), ("reason", reason.map(JSONValue.string))])
    }

    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        let present = try r.varint()
        self.init(position: try r.text(), company: try r.text(), reason: present & 1 != 0 ? try r.text() : nil)
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(reason != nil)
        w.text(position); w.text(company)
        if let reason { w.text(reason) }
    }

    /// Rule 2 (a known position and company), rule 6 (a share held now).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        let record = try entities.requirePosition(position)
        _ = try entities.requireCompany(company)
        guard record.holders.contains(where: { $0.company == company }) else {
            throw EventRefusal(.decisionOutOfOrder, "\(company) holds no share of shared position \(position)")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try entities.positions.update(position) { record in
            guard let index = record.holders.firstIndex(where: { $0.company == company }) else { return }
            var share = record.holders.remove(at: index)
            share.until = context.day
            record.former.append(share)
        }
    }
}
