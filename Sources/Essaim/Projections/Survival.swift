/// The "taux de pérennité à N ans" (`essaim query survival`): of the supported
/// companies, how many are still active N years after they started.
public struct Survival: Sendable, Equatable {
    /// The survival at one anniversary.
    public struct Rate: Sendable, Equatable {
        /// N.
        public var years: Int
        /// Companies whose N-th anniversary is on or before the reference day.
        public var eligible: Int
        /// Of them, those without a closure dated on or before that anniversary.
        public var survived: Int
        /// `survived / eligible`; `nil` when none is eligible.
        public var rate: Double? { eligible == 0 ? nil : Double(survived) / Double(eligible) }
    }

    /// Whose participants' companies are counted (as for growth).
    public var scope: GrowthReport.Scope
    /// The day the anniversaries are counted against.
    public var referenceDay: CivilDate
    /// Distinct companies of the scope's participants.
    public var companies: Int
    /// Of them, those with a `CompanyClosed`.
    public var closed: Int
    /// Of them, those without a creation day, left out of the rates.
    public var unknownStart: Int
    /// One per N asked for, ascending.
    public var rates: [Rate]

    /// The query's JSON object.
    public var json: JSONValue {
        .members([
            ("scope", .members([("kind", .string(scope.kind)), ("id", .string(scope.id))])),
            ("referenceDay", .string(referenceDay.description)), ("companies", .integer(Int64(companies))),
            ("closed", .integer(Int64(closed))), ("unknownStart", .integer(Int64(unknownStart))),
            ("rates", .array(rates.map { r in
                .members([("years", .integer(Int64(r.years))), ("eligible", .integer(Int64(r.eligible))),
                          ("survived", .integer(Int64(r.survived))), ("rate", r.rate.map(JSONValue.number) ?? .null)])
            })),
        ])
    }
}

extension Survival {
    /// A company's start day is the later of its creation day (its `foundedOn`,
    /// else the earliest `company-created` outcome of its participant
    /// applications in scope) and the day its support began (their earliest
    /// selection).
    init(_ scope: GrowthReport.Scope, years: [Int], referenceDay: CivilDate, _ records: ReadModelRecords) throws {
        var supported: [String: (selectedOn: Int64, createdOn: Int64?)] = [:]
        for a in try GrowthReport.applications(in: scope, records) {
            guard let selectedOn = a.selectedOn else { continue }
            var entry = supported[a.company] ?? (selectedOn, nil)
            entry.selectedOn = min(entry.selectedOn, selectedOn)
            if let created = a.createdOn { entry.createdOn = min(entry.createdOn ?? created, created) }
            supported[a.company] = entry
        }
        var starts: [(start: CivilDate, closedOn: Int64?)] = []
        var closed = 0, unknown = 0
        for (id, entry) in supported {
            let company = try records.get(.company, id, as: CompanyRecord.self)
            if company?.closedOn != nil { closed += 1 }
            guard let created = company?.foundedOn ?? entry.createdOn else {
                unknown += 1
                continue
            }
            starts.append((CivilDate(daysSinceEpoch: max(created, entry.selectedOn)), company?.closedOn))
        }
        let rates = Array(Set(years)).sorted().map { n in
            var rate = Rate(years: n, eligible: 0, survived: 0)
            for (start, closedOn) in starts {
                let anniversary = start.anniversary(n)
                guard anniversary <= referenceDay else { continue }
                rate.eligible += 1
                if closedOn.map({ $0 > anniversary.daysSinceEpoch }) ?? true { rate.survived += 1 }
            }
            return rate
        }
        self.init(scope: scope, referenceDay: referenceDay, companies: supported.count, closed: closed,
                  unknownStart: unknown, rates: rates)
    }
}
