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
    /// lies below it; every company without one.
    init(territory: String?, _ records: ReadModelRecords) throws {
        let tree = try TerritoryTree(records)
        if let territory, !tree.contains(territory) { throw LedgerError(.unknownID, "no territory \(territory)") }
        var companies = 0, members = 0, applicants = 0, participants = 0, several = 0
        var perNetwork: [String: Int] = [:]
        for (_, company) in try records.all(.company, as: CompanyRecord.self) where !company.networks.isEmpty {
            if let territory {
                guard let located = company.territory, tree.isWithin(located, territory) else { continue }
            }
            companies += 1
            if company.member { members += 1 }
            if !company.applications.isEmpty { applicants += 1 }
            if company.participant { participants += 1 }
            if company.networks.count > 1 { several += 1 }
            for network in company.networks { perNetwork[network, default: 0] += 1 }
        }
        self.init(territory: territory, companies: companies, members: members, applicants: applicants,
                  participants: participants, inSeveralNetworks: several,
                  networks: perNetwork.sorted { $0.key < $1.key }.map { NetworkReach(network: $0.key, companies: $0.value) })
    }
}
