/// `CompanyClosed`: a company ceased activity (liquidation, closure), dated by `occurredAt`.
public struct CompanyClosed: Sendable, Equatable {
    /// The company's id.
    public var company: String
    /// Why, free text.
    public var reason: String?

    /// A closure.
    public init(company: String, reason: String? = nil) {
        self.company = company
        self.reason = reason
    }
}

extension EventType {
    /// `CompanyClosed`.
    public static let companyClosed = EventType("CompanyClosed", code: 25)
}

extension CompanyClosed: CatalogueEvent {
    static var type: EventType { .companyClosed }
    var event: DomainEvent { .companyClosed(self) }
    var stream: String { "company-\(company)" }
    var summary: String { "\(company) closed\(reason.map { ": \($0)" } ?? "")" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(company: try r.identifier("company"), reason: try r.optionalString("reason"))
    }

    var data: JSONValue { .members([("company", .string(company)), ("reason", reason.map(JSONValue.string))]) }

    init(stored r: inout ByteReader, schema: UInt8, personal: PersonalAccess) throws {
        let present = try r.varint()
        self.init(company: try r.text(), reason: present & 1 != 0 ? try r.text() : nil)
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(reason != nil)
        w.text(company)
        if let reason { w.text(reason) }
    }

    /// Rule 2 (a known company), rule 6 (not closed already).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        if let closed = try entities.requireCompany(company).closedOn {
            throw EventRefusal(.decisionOutOfOrder, "\(company) was already closed on \(CivilDate(daysSinceEpoch: closed))")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try entities.companies.update(company) { $0.closedOn = context.day }
    }
}
