extension RecordKind {
    /// Memberships: network, `0x00`, company → ``MembershipRecord``.
    static let membership = RecordKind(0x4D) // M
}

extension Entities {
    /// Memberships, by ``RecordKind/pair(_:_:)`` of network and company.
    var memberships: RecordCache<MembershipRecord> { records(.membership) }

    /// Whether `company` is an active member of `network` (rules 5, 10).
    func isActiveMember(_ company: String, of network: String) throws -> Bool {
        try memberships.get(RecordKind.pair(network, company))?.active == true
    }
}

/// A company's membership of a network: its latest spell.
struct MembershipRecord: StoredRecord, Equatable {
    /// The day its latest membership began (days since 1970-01-01).
    var since: Int64
    var active: Bool
    /// The day it last left; `nil` while active.
    var leftOn: Int64?

    init(since: Int64) {
        self.since = since
        self.active = true
    }

    init(from r: inout ByteReader) throws {
        since = try r.zigzag()
        active = try r.u8() != 0
        leftOn = try r.optionalZigzag()
    }

    func encode(to w: inout ByteWriter) {
        w.zigzag(since); w.u8(active ? 1 : 0); w.optionalZigzag(leftOn)
    }
}
