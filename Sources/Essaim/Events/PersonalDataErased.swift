/// `PersonalDataErased`: the personal data of an application was erased (its key destroyed).
public struct PersonalDataErased: Sendable, Equatable {
    /// Application identifier.
    public var application: String
    /// Why, for the record (e.g. `request of the person, art. 17 GDPR`).
    public var reason: String?

    /// An erasure.
    public init(application: String, reason: String? = nil) {
        self.application = application
        self.reason = reason
    }
}

extension EventType {
    /// `PersonalDataErased`.
    public static let personalDataErased = EventType("PersonalDataErased", code: 15)
}

extension PersonalDataErased: ReasonedApplicationEvent {
    static var type: EventType { .personalDataErased }
    var event: DomainEvent { .personalDataErased(self) }
    var summary: String { "personal data of \(application) erased\(reasonSuffix)" }

    /// Rule 2 (a known application).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireApplication(application)
    }

    /// The entities hold no personal data: nothing changes.
    func apply(to entities: Entities, _ context: EventContext) throws {}
}
