/// `SitePlanned`: a site is announced, not yet open.
public struct SitePlanned: Sendable, Equatable {
    /// Site identifier.
    public var site: String
    /// Display name.
    public var name: String
    /// Network identifier.
    public var network: String
    /// A defined territory code.
    public var territory: String
    /// Program identifier.
    public var program: String?

    /// A site of a network in a territory.
    public init(site: String, name: String, network: String, territory: String, program: String? = nil) {
        self.site = site
        self.name = name
        self.network = network
        self.territory = territory
        self.program = program
    }
}

extension EventType {
    /// `SitePlanned`.
    public static let sitePlanned = EventType("SitePlanned", code: 14)
}

extension SitePlanned: SiteEvent {
    static var type: EventType { .sitePlanned }
    var event: DomainEvent { .sitePlanned(self) }
    var summary: String { "\(name) planned by \(network) in \(territory)" }

    /// Rule 2. Planning again, or after the opening, is accepted.
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try checkReferences(entities)
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try record(in: entities, context, opened: false)
    }
}
