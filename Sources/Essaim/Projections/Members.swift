/// A network's members (`essaim query members`): capacity, joins and departures,
/// and every company that was ever a member.
public struct MemberList: Sendable, Equatable {
    /// One company that was ever a member.
    public struct Member: Sendable, Equatable {
        /// The company's id.
        public var company: String
        /// The company's name, sector and territory (the latest an event gave).
        public var name: String?
        public var sector: String?
        public var territory: String?
        /// The day its latest membership began.
        public var since: CivilDate
        /// `active` or `left`.
        public var status: String
        /// The day it last left; `nil` while active.
        public var leftOn: CivilDate?
    }

    /// The network's id.
    public var network: String
    /// The network's name.
    public var name: String
    /// The most active members it takes, when it says.
    public var memberCapacity: Int64?
    /// Members now.
    public var active: Int
    /// `memberCapacity - active`, `nil` without a capacity.
    public var seatsLeft: Int64?
    /// `MemberJoined` events.
    public var joined: Int
    /// `MemberLeft` events.
    public var left: Int
    /// Every company ever a member, by `since`, then company id.
    public var members: [Member]

    /// The query's JSON object.
    public var json: JSONValue {
        .members([
            ("network", .string(network)), ("name", .string(name)),
            ("memberCapacity", memberCapacity.map(JSONValue.integer) ?? .null), ("active", .integer(Int64(active))),
            ("seatsLeft", seatsLeft.map(JSONValue.integer) ?? .null), ("joined", .integer(Int64(joined))),
            ("left", .integer(Int64(left))),
            ("members", .array(members.map { m in
                .members([
                    ("company", .string(m.company)), ("name", .optionalString(m.name)), ("sector", .optionalString(m.sector)),
                    ("territory", .optionalString(m.territory)), ("since", .string(m.since.description)),
                    ("status", .string(m.status)), ("leftOn", m.leftOn.map { .string($0.description) } ?? .null),
                ])
            })),
        ])
    }
}

extension MemberList {
    init(network id: String, _ records: ReadModelRecords) throws {
        guard let network = try records.get(.network, id, as: NetworkRecord.self) else {
            throw LedgerError(.unknownID, "no network \(id)")
        }
        var members: [Member] = []
        for (company, membership) in try records.index(.membership, of: id, as: MembershipRecord.self) {
            let details = try records.get(.company, company, as: CompanyRecord.self)
            members.append(Member(company: company, name: details?.name, sector: details?.sector, territory: details?.territory,
                                  since: CivilDate(daysSinceEpoch: membership.since), status: membership.active ? "active" : "left",
                                  leftOn: membership.active ? nil : membership.leftOn.map(CivilDate.init(daysSinceEpoch:))))
        }
        members.sort { ($0.since, $0.company) < ($1.since, $1.company) }
        let active = members.filter { $0.status == "active" }.count
        self.init(network: id, name: network.name, memberCapacity: network.memberCapacity, active: active,
                  seatsLeft: network.memberCapacity.map { $0 - Int64(active) }, joined: network.joined, left: network.left,
                  members: members)
    }
}

extension JSONValue {
    /// A string, or `null`.
    static func optionalString(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
}
