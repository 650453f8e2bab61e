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

extension CompanyClosed: ReasonedEvent {
    static var subjectField: String { "company" }
    var subject: String { company }
    init(subject: String, reason: String?) { self.init(company: subject, reason: reason) }

    static var type: EventType { .companyClosed }
    var event: DomainEvent { .companyClosed(self) }
    var summary: String { "\(company) closed\(reasonSuffix)" }

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
