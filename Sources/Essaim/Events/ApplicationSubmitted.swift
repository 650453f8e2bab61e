/// `ApplicationSubmitted`: an application enters a cohort.
public struct ApplicationSubmitted: Sendable, Equatable {
    /// Application identifier.
    public var application: String
    /// Cohort identifier.
    public var cohort: String
    /// The applying company or project.
    public var company: Company
    /// The person leading it (personal data).
    public var leader: Leader?
    /// Figures declared at application.
    public var baseline: Figures?
    /// Segment tags, e.g. `economic-layoff`.
    public var segments: [String]?

    /// An application with the figures declared at application time.
    public init(application: String, cohort: String, company: Company, leader: Leader? = nil,
                baseline: Figures? = nil, segments: [String]? = nil) {
        self.application = application
        self.cohort = cohort
        self.company = company
        self.leader = leader
        self.baseline = baseline
        self.segments = segments
    }
}

extension EventType {
    /// `ApplicationSubmitted`.
    public static let applicationSubmitted = EventType("ApplicationSubmitted", code: 6)
}

extension ApplicationSubmitted: CatalogueEvent {
    static var type: EventType { .applicationSubmitted }
    /// 3: schema 2 with the leader sealed (AES-GCM, the application's key).
    static var storageSchema: UInt8 { 3 }
    var event: DomainEvent { .applicationSubmitted(self) }
    var stream: String { "application-\(application)" }
    var summary: String { "\(company.name) applies to \(cohort) as \(application)" }

    init(data r: inout ObjectReader) throws(Malformed) {
        self.init(
            application: try r.identifier("application"), cohort: try r.identifier("cohort"),
            company: try r.object("company", Company.read),
            leader: try r.optionalObject("leader") { (l: inout ObjectReader) throws(Malformed) in
                Leader(name: try l.string("name"), email: try l.optionalString("email"))
            },
            baseline: try r.optionalObject("baseline", Figures.read), segments: try r.optionalStrings("segments"))
    }

    var data: JSONValue {
        .members([
            ("application", .string(application)), ("cohort", .string(cohort)),
            ("company", company.json),
            ("leader", leader.map { .members([("name", .string($0.name)), ("email", $0.email.map(JSONValue.string))]) }),
            ("baseline", baseline.map(\.json)), ("segments", segments.map(JSONValue.strings)),
        ])
    }

    /// Schema 2 holds the leader in the clear (ledgers from before personal data
    /// was sealed); schema 3 holds it sealed with the application's key.
    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws {
        // Every field read first, then the event made at once: changed after
        // it was made, it was copied out and the first destroyed (each string
        // and array retained and released once more).
        let present = try r.varint()
        let application = try r.text(), cohort = try r.text(), company = try r.company()
        var leader: Leader?
        if present & 1 != 0 {
            if schema >= 3 {
                let box = try r.bytesWithLength()
                if personal.opens {
                    if let plain = try personal.open(box, for: application) {
                        leader = try plain.withUnsafeBytes { bytes in
                            var l = ByteReader(bytes)
                            return try Self.readLeader(&l)
                        }
                    } else {
                        leader = .erased
                    }
                }
            } else {
                let clear = try Self.readLeader(&r)
                if personal.opens { leader = clear }
            }
        }
        let baseline = present & 2 != 0 ? try r.figures() : nil
        self.init(application: application, cohort: cohort, company: company, leader: leader, baseline: baseline,
                  segments: present & 4 != 0 ? try r.texts() : nil)
    }

    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) throws {
        w.presence(leader != nil, baseline != nil, segments != nil)
        w.text(application); w.text(cohort)
        w.company(company)
        if let leader {
            if let keys { w.bytesWithLength(try keys.seal(Self.leaderBytes(leader), for: application)) } else { w.raw(Self.leaderBytes(leader)) }
        }
        if let v = baseline { w.figures(v) }
        if let v = segments { w.texts(v) }
    }

    /// The leader sealed ahead for an import (see ``PreparedSeal``); `nil` without one.
    func preparedSeal() throws -> PreparedSeal? {
        try leader.map { try PreparedSeal(Self.leaderBytes($0), for: application) }
    }

    private static func leaderBytes(_ leader: Leader) -> [UInt8] {
        var w = ByteWriter(capacity: 48)
        w.presence(leader.email != nil)
        w.text(leader.name)
        if let v = leader.email { w.text(v) }
        return w.bytes
    }

    private static func readLeader(_ r: inout ByteReader) throws -> Leader {
        let present = try r.varint()
        return Leader(name: try r.text(), email: present & 1 != 0 ? try r.text() : nil)
    }

    /// Rule 3 (a new id), rule 2 (a known cohort and territory), rule 4 (by the
    /// deadline day), rule 5 (the program's eligibility).
    func check(against entities: Entities, occurredAt: OccurredAt) throws {
        try entities.requireNew(entities.applications, application, "application")
        let (deadline, program) = try entities.requireCohort(cohort) { ($0.applicationDeadline, $0.program) }
        if let territory = company.territory { try entities.requireTerritory(territory, field: "company.territory") }
        if let deadline = deadline.map(CivilDate.init(daysSinceEpoch:)), occurredAt.day > deadline {
            throw EventRefusal(.lateApplication, "submitted on \(occurredAt.day), after cohort \(cohort)'s deadline \(deadline)")
        }
        if case let (eligibility?, networks)? = try entities.programs.read(program, { ($0.eligibility, $0.networks) }) {
            var failures = eligibilityFailures(eligibility, on: occurredAt.day)
            if eligibility.membersOnly == true,
               try !networks.contains(where: { try entities.isActiveMember(company.id, of: $0) }) {
                failures.append(try entities.notMember(company.id, ofAnyOf: networks))
            }
            if !failures.isEmpty {
                throw EventRefusal(.ineligible, "program \(program): " + failures.joined(separator: "; "))
            }
        }
    }

    /// Every unmet criterion of rule 5 about the application's own figures, in
    /// criterion order; empty when eligible.
    func eligibilityFailures(_ criteria: Eligibility, on day: CivilDate) -> [String] {
        var failures: [String] = []
        if let minimum = criteria.minCompanyAgeYears {
            if let founded = company.foundedOn {
                let age = founded.fullYears(until: day)
                if age < minimum { failures.append("company age \(age) full years < \(minimum)") }
            } else {
                failures.append("company age unknown (no company.foundedOn), \(minimum) years required")
            }
        }
        if let minimum = criteria.minRevenueEur {
            if let revenue = baseline?.revenueEur {
                if revenue < minimum { failures.append("baseline revenue \(revenue) € < \(minimum) €") }
            } else {
                failures.append("baseline.revenueEur missing, \(minimum) € required")
            }
        }
        if let minimum = criteria.minHeadcount {
            if let headcount = baseline?.headcount {
                if headcount < minimum { failures.append("baseline headcount \(headcount) < \(minimum)") }
            } else {
                failures.append("baseline.headcount missing, \(minimum) required")
            }
        }
        return failures
    }

    func apply(to entities: Entities, _ context: EventContext) throws {
        var record = ApplicationRecord(cohort: cohort, company: company.id, segments: segments ?? [])
        Metric.forEach(in: baseline) { metric, value in record.baseline[metric] = value }
        entities.applications.put(application, record)
        var program: String?
        try entities.cohorts.update(cohort) {
            $0.applications.append(application)
            program = $0.program
        }
        let networks = try program.flatMap { try entities.programs.read($0) { $0.networks } } ?? []
        try entities.describe(company) { record in
            record.applications.append(application)
            for network in networks { Entities.reach(&record, by: network) }
        }
    }
}
