/// `SiteOpened`: a network opens a site (a club in a city, a hub in a commune).
public struct SiteOpened: Sendable, Equatable {
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
    /// `SiteOpened`.
    public static let siteOpened = EventType("SiteOpened", code: 13)
}

extension SiteOpened: SiteEvent {
    static var type: EventType { .siteOpened }
    var event: DomainEvent { .siteOpened(self) }
    var summary: String { "\(name) opened by \(network) in \(territory)" }

    /// Rule 3 (not opened before: planned then opened is the normal path), rule 2.
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        if try entities.sites.get(site)?.openedOn != nil {
            throw EventRefusal(.duplicateDefinition, "site \(site) is already opened")
        }
        try checkReferences(entities)
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        try record(in: entities, context, opened: true)
    }
}
