/// `SharedPositionClosed`: a shared position ends; every remaining share ends with it.
public struct SharedPositionClosed: Sendable, Equatable {
    /// Position identifier.
    public var position: String
    /// Why, free text.
    public var reason: String?

    /// A closing.
    public init(position: String, reason: String? = nil) {
        self.position = position
        self.reason = reason
    }
}

extension EventType {
    /// `SharedPositionClosed`.
    public static let sharedPositionClosed = EventType("SharedPositionClosed", code: 24)
}

extension SharedPositionClosed: CatalogueEvent {
    static var type: EventType { .sharedPositionClosed }
    var event: DomainEvent { .sharedPositionClosed(self) }
    var stream: String { "position-\(position)" }
    var summary: String { "shared position \(position) closes\(reason.map { ": \($0)" } ?? "")" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(position: try r.identifier("position"), reason: try r.optionalString("reason"))
    }

    var data: JSONValue { .members([("position", .string(position)), ("reason", reason.map(JSONValue.string))]) }

    init(stored r: inout ByteReader, schema: UInt8, personal: PersonalAccess) throws {
        let present = try r.varint()
        self.init(position: try r.text(), reason: present & 1 != 0 ? try r.text() : nil)
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) {
        w.presence(reason != nil)
        w.text(position)
        if let reason { w.text(reason) }
    }

    /// Rule 2 (a known position), rule 6 (not closed already).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        if let closed = try entities.requirePosition(position).closedOn {
            throw EventRefusal(.decisionOutOfOrder, "shared position \(position) already closed on \(CivilDate(daysSinceEpoch: closed))")
        }
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try entities.positions.update(position) { record in
            record.closedOn = context.day
            for var share in record.holders {
                share.until = context.day
                record.former.append(share)
            }
            record.holders.removeAll()
        }
    }
}
