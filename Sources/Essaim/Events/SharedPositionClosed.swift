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

extension SharedPositionClosed: ReasonedEvent {
    static var subjectField: String { "position" }
    var subject: String { position }
    init(subject: String, reason: String?) { self.init(position: subject, reason: reason) }

    static var type: EventType { .sharedPositionClosed }
    var event: DomainEvent { .sharedPositionClosed(self) }
    var summary: String { "shared position \(position) closes\(reasonSuffix)" }

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
