extension RecordKind {
    /// Shared positions: position id → ``PositionRecord``.
    static let position = RecordKind(0x4A) // J
}

extension Entities {
    var positions: RecordCache<PositionRecord> { records(.position) }
}

/// A share of a position's time held by a company.
struct ShareRecord: Equatable {
    var company: String
    var sharePercent: Int64
    /// Days since 1970-01-01.
    var since: Int64
    /// When it ended (left, or ended by the closing); `nil` while held.
    var until: Int64?
}

/// A position shared by member companies of a network.
struct PositionRecord: StoredRecord, Equatable {
    var network: String
    var title: String
    var territory: String
    var capacityPercent: Int64
    /// Days since 1970-01-01.
    var openedOn: Int64
    var closedOn: Int64?
    /// Shares held now, in joining order.
    var holders: [ShareRecord] = []
    /// Shares that ended, in ending order.
    var former: [ShareRecord] = []

    init(network: String, title: String, territory: String, capacityPercent: Int64, openedOn: Int64) {
        self.network = network
        self.title = title
        self.territory = territory
        self.capacityPercent = capacityPercent
        self.openedOn = openedOn
    }

    /// The shares held now, summed.
    var allocatedPercent: Int64 { holders.reduce(0) { $0 + $1.sharePercent } }

    init(from r: inout ByteReader) throws {
        network = try r.text()
        title = try r.text()
        territory = try r.text()
        capacityPercent = try r.zigzag()
        openedOn = try r.zigzag()
        closedOn = try r.optionalZigzag()
        let share = { (r: inout ByteReader) throws -> ShareRecord in
            ShareRecord(company: try r.text(), sharePercent: try r.zigzag(), since: try r.zigzag(), until: try r.optionalZigzag())
        }
        holders = try r.list(share)
        former = try r.list(share)
    }

    func encode(to w: inout ByteWriter) {
        w.text(network); w.text(title); w.text(territory); w.zigzag(capacityPercent); w.zigzag(openedOn)
        w.optionalZigzag(closedOn)
        for shares in [holders, former] {
            w.varint(UInt64(shares.count))
            for s in shares { w.text(s.company); w.zigzag(s.sharePercent); w.zigzag(s.since); w.optionalZigzag(s.until) }
        }
    }
}
