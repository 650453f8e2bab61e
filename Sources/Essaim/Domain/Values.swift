// The values events share: kinds, figures, eligibility, companies, leaders.

/// Level of a territory in the territory tree.
public enum TerritoryLevel: String, CaseIterable, Sendable { case country, region, department, commune }

/// What kind of organisation a network is.
public enum NetworkKind: String, CaseIterable, Sendable {
    case association, competitivenessCluster = "competitiveness-cluster", cluster, chamber
    case employersFederation = "employers-federation", techCommunity = "tech-community"
    case supportOrganisation = "support-organisation", other
}

/// What kind of program a network runs.
public enum ProgramKind: String, CaseIterable, Sendable {
    case club, peerBoard = "peer-board", mentoringCircle = "mentoring-circle", sharedPosition = "shared-position"
    case entrepreneurshipHub = "entrepreneurship-hub", networking, other
}

/// What kind of session a cohort held.
public enum SessionKind: String, CaseIterable, Sendable {
    case coaching, training, peerExchange = "peer-exchange", audition, meeting
    case speedMeeting = "speed-meeting", mentoring, other
}

/// How a session was held.
public enum SessionMode: String, CaseIterable, Sendable { case inPerson = "in-person", remote, hybrid }

/// Business figures of a company: declared at application (baseline) or measured later (outcome).
public struct Figures: Sendable, Equatable {
    /// Revenue in whole euros.
    public var revenueEur: Int64?
    /// Export revenue in whole euros.
    public var exportRevenueEur: Int64?
    /// Number of employees.
    public var headcount: Int64?

    /// Figures; any may be absent.
    public init(revenueEur: Int64? = nil, exportRevenueEur: Int64? = nil, headcount: Int64? = nil) {
        self.revenueEur = revenueEur
        self.exportRevenueEur = exportRevenueEur
        self.headcount = headcount
    }
}

/// A program's eligibility criteria (rule 5).
public struct Eligibility: Sendable, Equatable {
    /// Minimum company age in full years on the application day.
    public var minCompanyAgeYears: Int64?
    /// Minimum declared baseline revenue in euros.
    public var minRevenueEur: Int64?
    /// Minimum declared baseline headcount.
    public var minHeadcount: Int64?
    /// Only companies that are active members of one of the program's networks may apply.
    public var membersOnly: Bool?

    /// Criteria; an absent one is not checked.
    public init(minCompanyAgeYears: Int64? = nil, minRevenueEur: Int64? = nil, minHeadcount: Int64? = nil,
                membersOnly: Bool? = nil) {
        self.minCompanyAgeYears = minCompanyAgeYears
        self.minRevenueEur = minRevenueEur
        self.minHeadcount = minHeadcount
        self.membersOnly = membersOnly
    }
}

/// The applying company, or project when not yet a company.
public struct Company: Sendable, Equatable {
    /// The company's identifier.
    public var id: String
    /// The company's name.
    public var name: String
    /// Its sector, free text.
    public var sector: String?
    /// Where it is located (a defined territory code).
    public var territory: String?
    /// When it was founded; absent for a project not yet a company.
    public var foundedOn: CivilDate?

    /// A company description.
    public init(id: String, name: String, sector: String? = nil, territory: String? = nil, foundedOn: CivilDate? = nil) {
        self.id = id
        self.name = name
        self.sector = sector
        self.territory = territory
        self.foundedOn = foundedOn
    }
}

/// The person leading an applying company (personal data).
public struct Leader: Sendable, Equatable {
    /// Full name.
    public var name: String
    /// E-mail address.
    public var email: String?

    /// A leader.
    public init(name: String, email: String? = nil) {
        self.name = name
        self.email = email
    }

    /// How a leader whose personal data was erased reads back (`essaim forget`):
    /// the name `[erased]` and no email. Stable: tools may test for it.
    public static let erased = Leader(name: "[erased]")

    /// Whether this is ``erased``.
    public var isErased: Bool { self == Leader.erased }
}


// MARK: Storage of the shared values

/// An enumeration stored as one byte: the case's index in declaration order
/// (cases are only ever appended).
protocol StoredEnumeration: CaseIterable, Equatable {
    static var storageOrder: [Self] { get }
}

extension TerritoryLevel: StoredEnumeration { static let storageOrder = allCases }
extension NetworkKind: StoredEnumeration { static let storageOrder = allCases }
extension ProgramKind: StoredEnumeration { static let storageOrder = allCases }
extension SessionKind: StoredEnumeration { static let storageOrder = allCases }
extension SessionMode: StoredEnumeration { static let storageOrder = allCases }

extension Figures {
    /// The JSON object, members in catalogue order.
    var json: JSONValue {
        .members([("revenueEur", revenueEur.map(JSONValue.integer)),
                  ("exportRevenueEur", exportRevenueEur.map(JSONValue.integer)),
                  ("headcount", headcount.map(JSONValue.integer))])
    }

    /// Reads a figures object strictly (rule 1).
    static func read(_ f: inout ObjectReader) throws(Malformed) -> Figures {
        Figures(revenueEur: try f.optionalInteger("revenueEur"), exportRevenueEur: try f.optionalInteger("exportRevenueEur"),
                headcount: try f.optionalInteger("headcount"))
    }
}

extension Company {
    /// Reads a company object strictly (rule 1).
    static func read(_ c: inout ObjectReader) throws(Malformed) -> Company {
        Company(id: try c.identifier("id"), name: try c.string("name"), sector: try c.optionalString("sector"),
                territory: try c.optionalIdentifier("territory"), foundedOn: try c.optionalDate("foundedOn"))
    }

    /// The JSON object, members in catalogue order.
    var json: JSONValue {
        .members([("id", .string(id)), ("name", .string(name)), ("sector", sector.map(JSONValue.string)),
                  ("territory", territory.map(JSONValue.string)), ("foundedOn", foundedOn.map { .string($0.description) })])
    }
}

extension JSONValue {
    static func strings(_ items: [String]) -> JSONValue { .array(items.map(JSONValue.string)) }
}

extension ByteWriter {
    /// The bit set of which optional fields follow (bit i for the i-th flag).
    mutating func presence(_ flags: Bool...) {
        var bits: UInt64 = 0
        for (i, flag) in flags.enumerated() where flag { bits |= 1 << UInt64(i) }
        varint(bits)
    }

    mutating func enumeration<E: StoredEnumeration>(_ value: E) {
        u8(UInt8(E.storageOrder.firstIndex(of: value)!))
    }

    mutating func figures(_ f: Figures) {
        presence(f.revenueEur != nil, f.exportRevenueEur != nil, f.headcount != nil)
        for figure in [f.revenueEur, f.exportRevenueEur, f.headcount] { if let figure { zigzag(figure) } }
    }

    mutating func company(_ c: Company) {
        presence(c.sector != nil, c.territory != nil, c.foundedOn != nil)
        text(c.id); text(c.name)
        if let v = c.sector { text(v) }
        if let v = c.territory { text(v) }
        if let v = c.foundedOn { zigzag(v.daysSinceEpoch) }
    }
}

extension ByteReader {
    mutating func enumeration<E: StoredEnumeration>() throws -> E {
        let index = Int(try u8())
        guard index < E.storageOrder.count else { throw ByteReader.Truncated() }
        return E.storageOrder[index]
    }

    mutating func company() throws -> Company {
        // Every field read first, then the company made at once: changed after
        // it was made, it was copied out and the first destroyed.
        let present = try varint()
        let id = try text(), name = try text()
        let sector = present & 1 != 0 ? try text() : nil
        let territory = present & 2 != 0 ? try text() : nil
        let foundedOn = present & 4 != 0 ? CivilDate(daysSinceEpoch: try zigzag()) : nil
        return Company(id: id, name: name, sector: sector, territory: territory, foundedOn: foundedOn)
    }

    mutating func figures() throws -> Figures {
        let present = try varint()
        return Figures(revenueEur: present & 1 != 0 ? try zigzag() : nil,
                       exportRevenueEur: present & 2 != 0 ? try zigzag() : nil,
                       headcount: present & 4 != 0 ? try zigzag() : nil)
    }
}
