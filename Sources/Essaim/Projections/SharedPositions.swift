/// Shared positions (`essaim query positions`): who holds which share of each
/// post's time, and who held one before.
public struct SharedPositions: Sendable, Equatable {
    /// A share of a position's time.
    public struct Share: Sendable, Equatable {
        /// The company's id.
        public var company: String
        /// Its share, in percent of a full-time post.
        public var sharePercent: Int64
        /// The day it took the share.
        public var since: CivilDate
        /// The day the share ended (`nil` while held).
        public var until: CivilDate?
    }

    /// One position.
    public struct Position: Sendable, Equatable {
        /// The position's id, title, network and territory.
        public var position: String, title: String, network: String, territory: String
        /// The day it opened, and the day it closed (`nil` while open).
        public var openedOn: CivilDate, closedOn: CivilDate?
        /// The time to share (100 = one full-time post) and the shares held now, summed.
        public var capacityPercent: Int64, allocatedPercent: Int64
        /// Shares held now, by `since`, then company.
        public var holders: [Share]
        /// Shares that ended (left, or ended by the closing), by `until`, then company.
        public var former: [Share]
    }

    /// The positions, by `openedOn`, then id.
    public var positions: [Position]

    /// The query's JSON object.
    public var json: JSONValue {
        func share(_ s: Share, until: Bool) -> JSONValue {
            .members([("company", .string(s.company)), ("sharePercent", .integer(s.sharePercent)),
                      ("since", .string(s.since.description)), ("until", until ? .string(s.until?.description ?? "") : nil)])
        }
        return .members([("positions", .array(positions.map { p in
            .members([
                ("position", .string(p.position)), ("title", .string(p.title)), ("network", .string(p.network)),
                ("territory", .string(p.territory)), ("openedOn", .string(p.openedOn.description)),
                ("closedOn", p.closedOn.map { .string($0.description) } ?? .null),
                ("capacityPercent", .integer(p.capacityPercent)), ("allocatedPercent", .integer(p.allocatedPercent)),
                ("holders", .array(p.holders.map { share($0, until: false) })),
                ("former", .array(p.former.map { share($0, until: true) })),
            ])
        }))])
    }
}

extension SharedPositions {
    /// Every position, or those of `network`.
    init(network: String?, _ records: ReadModelRecords) throws {
        var found: [(id: String, record: PositionRecord)] = []
        if let network {
            guard let record = try records.get(.network, network, as: NetworkRecord.self) else {
                throw LedgerError(.unknownID, "no network \(network)")
            }
            for id in record.positions {
                if let position = try records.get(.position, id, as: PositionRecord.self) { found.append((id, position)) }
            }
        } else {
            found = try records.all(.position, as: PositionRecord.self)
        }
        func share(_ s: ShareRecord) -> Share {
            Share(company: s.company, sharePercent: s.sharePercent, since: CivilDate(daysSinceEpoch: s.since),
                  until: s.until.map(CivilDate.init(daysSinceEpoch:)))
        }
        let positions = found.map { id, p in
            Position(position: id, title: p.title, network: p.network, territory: p.territory,
                     openedOn: CivilDate(daysSinceEpoch: p.openedOn), closedOn: p.closedOn.map(CivilDate.init(daysSinceEpoch:)),
                     capacityPercent: p.capacityPercent, allocatedPercent: p.allocatedPercent,
                     holders: p.holders.map(share).sorted { ($0.since, $0.company) < ($1.since, $1.company) },
                     former: p.former.map(share).sorted { ($0.until!, $0.company) < ($1.until!, $1.company) })
        }
        self.init(positions: positions.sorted { ($0.openedOn, $0.position) < ($1.openedOn, $1.position) })
    }
}
