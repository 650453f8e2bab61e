/// The unduplicated reach of the networks (`essaim query reach`): companies
/// counted once however many networks reach them.
public struct Reach: Sendable, Equatable {
    /// One network's reach in the scope.
    public struct NetworkReach: Sendable, Equatable {
        /// The network's id.
        public var network: String
        /// Distinct companies in scope it reaches.
        public var companies: Int
    }

    /// The territory in scope; `nil` for every company.
    public var territory: String?
    /// Distinct companies in scope reached by any network (a member, or an
    /// applicant to one of its programs, now or before).
    public var companies: Int
    /// Of them, those ever a member of a network.
    public var members: Int
    /// Of them, those named by an application.
    public var applicants: Int
    /// Of them, those of an application that was selected.
    public var participants: Int
    /// Of them, those reached by two networks or more.
    public var inSeveralNetworks: Int
    /// Every network reaching a company in scope, by id.
    public var networks: [NetworkReach]

    /// The query's JSON object.
    public var json: JSONValue {
        .members([
            ("territory", .optionalString(territory)), ("companies", .integer(Int64(companies))),
            ("members", .integer(Int64(members))), ("applicants", .integer(Int64(applicants))),
            ("participants", .integer(Int64(participants))), ("inSeveralNetworks", .integer(Int64(inSeveralNetworks))),
            ("networks", .array(networks.map { .members([("network", .string($0.network)), ("companies", .integer(Int64($0.companies)))]) })),
        ])
    }
}

extension Reach {
    /// Companies whose territory (the latest an event gave) is `territory` or
    /// lies below it; every company without one. The counts are kept rolled up
    /// per territory as companies change (``ReachRecord``).
    init(territory: String?, _ records: ReadModelRecords) throws {
        if let territory, try records.get(.territory, territory, as: TerritoryRecord.self) == nil {
            throw LedgerError(.unknownID, "no territory \(territory)")
        }
        let r = try records.get(.reach, territory ?? "", as: ReachRecord.self) ?? ReachRecord()
        self.init(territory: territory, companies: r.companies, members: r.members, applicants: r.applicants,
                  participants: r.participants, inSeveralNetworks: r.inSeveralNetworks,
                  networks: r.networks.map { NetworkReach(network: $0.network, companies: $0.companies) })
    }
}
