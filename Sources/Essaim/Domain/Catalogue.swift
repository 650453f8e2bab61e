/// The state the refusal rules need, kept in the `catalogue` table and updated in
/// the same write transaction as each append, so that every event is checked
/// against exactly the events before it in log order.
///
/// Keys are one kind byte followed by the identifier's UTF-8 bytes; values use the
/// compact encoding of ``ByteWriter`` (format 2; format 1 used 32-bit lengths and
/// 8-byte integers, and its catalogue is rebuilt from the log on upgrade).
struct Catalogue {
    let table: Database
    let txn: Transaction

    enum Kind: UInt8 {
        case territory = 0x74   // t
        case network = 0x6E     // n
        case program = 0x70     // p
        case cohort = 0x63      // c
        case application = 0x61 // a
        case session = 0x73     // s
        case site = 0x53        // S
    }

    struct Territory: Equatable {
        var level: TerritoryLevel
        var parent: String?
    }

    struct Program: Equatable {
        var capacityPerCohort: Int64?
        var eligibility: Eligibility?
    }

    struct Cohort: Equatable {
        var program: String
        /// The cohort's capacity, else the program's `capacityPerCohort`.
        var capacity: Int64?
        var applicationDeadline: CivilDate?
        var active: Int64
    }

    enum Status: UInt8 { case pending = 0, waitlisted, selected, rejected, withdrawn }

    struct Application: Equatable {
        var cohort: String
        var status: Status
    }

    enum SiteState: UInt8 { case planned = 1, opened }

    static func key(_ kind: Kind, _ id: String) -> [UInt8] { [kind.rawValue] + Array(id.utf8) }

    func exists(_ kind: Kind, _ id: String) throws -> Bool {
        try txn.withValue(table, Self.key(kind, id)) { $0 != nil }
    }

    private func read<T>(_ kind: Kind, _ id: String, _ decode: (inout ByteReader) throws -> T) throws -> T? {
        try txn.withValue(table, Self.key(kind, id)) { bytes in
            guard let bytes else { return nil }
            var r = ByteReader(bytes)
            do { return try decode(&r) } catch is ByteReader.Truncated {
                throw LedgerError(.corrupt, "catalogue entry for \(id) is truncated")
            }
        }
    }

    private func write(_ kind: Kind, _ id: String, _ encode: (inout ByteWriter) -> Void) throws {
        var w = ByteWriter()
        encode(&w)
        try txn.put(table, Self.key(kind, id), w.bytes)
    }

    func territory(_ code: String) throws -> Territory? {
        try read(.territory, code) { r in
            Territory(level: TerritoryLevel.allCases[Int(try r.u8())], parent: try r.optionalText())
        }
    }

    func put(territory code: String, _ t: Territory) throws {
        try write(.territory, code) { w in
            w.u8(UInt8(TerritoryLevel.allCases.firstIndex(of: t.level)!))
            w.optionalText(t.parent)
        }
    }

    func program(_ id: String) throws -> Program? {
        try read(.program, id) { r in
            let capacity = try r.optionalZigzag()
            let hasEligibility = try r.u8() == 1
            let eligibility = Eligibility(minCompanyAgeYears: try r.optionalZigzag(), minRevenueEur: try r.optionalZigzag(),
                                          minHeadcount: try r.optionalZigzag())
            return Program(capacityPerCohort: capacity, eligibility: hasEligibility ? eligibility : nil)
        }
    }

    func put(program id: String, _ p: Program) throws {
        try write(.program, id) { w in
            w.optionalZigzag(p.capacityPerCohort)
            w.u8(p.eligibility == nil ? 0 : 1)
            w.optionalZigzag(p.eligibility?.minCompanyAgeYears)
            w.optionalZigzag(p.eligibility?.minRevenueEur)
            w.optionalZigzag(p.eligibility?.minHeadcount)
        }
    }

    func cohort(_ id: String) throws -> Cohort? {
        try read(.cohort, id) { r in
            Cohort(program: try r.text(), capacity: try r.optionalZigzag(),
                   applicationDeadline: try r.optionalZigzag().map(CivilDate.init(daysSinceEpoch:)), active: try r.zigzag())
        }
    }

    func put(cohort id: String, _ c: Cohort) throws {
        try write(.cohort, id) { w in
            w.text(c.program)
            w.optionalZigzag(c.capacity)
            w.optionalZigzag(c.applicationDeadline?.daysSinceEpoch)
            w.zigzag(c.active)
        }
    }

    func application(_ id: String) throws -> Application? {
        try read(.application, id) { r in
            let cohort = try r.text()
            guard let status = Status(rawValue: try r.u8()) else { throw ByteReader.Truncated() }
            return Application(cohort: cohort, status: status)
        }
    }

    func put(application id: String, _ a: Application) throws {
        try write(.application, id) { w in
            w.text(a.cohort)
            w.u8(a.status.rawValue)
        }
    }

    func site(_ id: String) throws -> SiteState? {
        try read(.site, id) { r in SiteState(rawValue: try r.u8()) } ?? nil
    }

    func put(site id: String, _ state: SiteState) throws {
        try write(.site, id) { w in w.u8(state.rawValue) }
    }

    func markDefined(_ kind: Kind, _ id: String) throws {
        try txn.put(table, Self.key(kind, id), [UInt8]())
    }
}
