/// Growth metrics of participants (`essaim query growth`): funnel, growth per
/// metric from baseline to latest outcome, and conversion to a milestone.
public struct GrowthReport: Sendable, Equatable {
    /// Whose participants are counted.
    public enum Scope: Sendable, Equatable, CustomStringConvertible {
        case cohort(String), program(String), network(String), territory(String)

        /// `program alexis-poles`: the kind and the id, for people.
        public var description: String { "\(kind) \(id)" }

        var kind: String {
            switch self {
            case .cohort: "cohort"
            case .program: "program"
            case .network: "network"
            case .territory: "territory"
            }
        }

        var id: String {
            switch self {
            case let .cohort(id), let .program(id), let .network(id), let .territory(id): id
            }
        }
    }

    /// Applications and decisions in the scope.
    public struct Funnel: Sendable, Equatable {
        /// Applications submitted to the cohort.
        public var applications = 0, participants = 0, rejected = 0, waitlisted = 0, withdrawn = 0, pending = 0
        /// `participants / applications`, `nil` without applications.
        public var selectionRate: Double? { applications == 0 ? nil : Double(participants) / Double(applications) }
    }

    /// Growth of one metric over the participants that have a baseline > 0 and a latest figure.
    public struct MetricGrowth: Sendable, Equatable {
        /// Participants counted.
        public var participants: Int
        /// Mean growth.
        public var mean: Double?
        /// Median growth (mean of the two middle values for an even count).
        public var median: Double?
        /// Smallest growth.
        public var min: Double?
        /// Largest growth.
        public var max: Double?
        /// `sum(latest) / sum(baseline) - 1` over the same participants.
        public var pooled: Double?
        /// Each participant's growth, ascending (what the report plots; not in the query's JSON).
        public var values: [Double] = []
    }

    /// Participants reaching a milestone.
    public struct Conversion: Sendable, Equatable {
        /// Participants counted.
        public var participants: Int
        /// Participants who reached the milestone.
        public var converted: Int
        public var rate: Double? { participants == 0 ? nil : Double(converted) / Double(participants) }
    }

    /// Whose participants are counted.
    public var scope: Scope
    /// Applications and decisions in the scope.
    public var funnel: Funnel
    /// `revenueEur`, `exportRevenueEur`, `headcount`, in that order.
    public var metrics: [(name: String, growth: MetricGrowth)]
    /// The milestone counted as a conversion.
    public var milestone: String
    /// Conversion of every participant in the scope.
    public var overall: Conversion
    /// One entry per segment tag found on participants, in lexicographic order.
    public var bySegment: [(segment: String, conversion: Conversion)]
    /// Jobs created, maintained and in total at the participants (IRIS+ PI3687, PI5691, PI4874).
    public var jobs: Jobs
    /// The same figures for the scope's applicants that were never selected.
    public var comparison: Comparison

    /// Jobs over the participants with a baseline headcount (0 included) and a
    /// latest one: with B the baseline and L the latest, `created` = Σ max(0, L − B),
    /// `maintained` = Σ min(B, L), `total` = Σ L.
    public struct Jobs: Sendable, Equatable {
        /// Participants counted.
        public var participants = 0
        /// Jobs created, maintained, and in total.
        public var created: Int64 = 0, maintained: Int64 = 0, total: Int64 = 0
    }

    /// The comparison group: applications never selected that have a decision
    /// (rejected, or waitlisted now), their latest figures from `FollowUpRecorded`.
    public struct Comparison: Sendable, Equatable {
        /// Applications in the group.
        public var applications: Int
        /// Growth per metric, the same statistics as the participants'.
        public var metrics: [(name: String, growth: MetricGrowth)]
        /// Jobs, counted the same way as the participants' (beyond the contract's fields).
        public var jobs: Jobs

        public static func == (a: Comparison, b: Comparison) -> Bool {
            a.applications == b.applications && a.jobs == b.jobs && a.metrics.map(\.name) == b.metrics.map(\.name)
                && a.metrics.map(\.growth) == b.metrics.map(\.growth)
        }
    }

    public static func == (a: GrowthReport, b: GrowthReport) -> Bool {
        a.scope == b.scope && a.funnel == b.funnel && a.milestone == b.milestone && a.overall == b.overall
            && a.metrics.map(\.name) == b.metrics.map(\.name) && a.metrics.map(\.growth) == b.metrics.map(\.growth)
            && a.bySegment.map(\.segment) == b.bySegment.map(\.segment) && a.bySegment.map(\.conversion) == b.bySegment.map(\.conversion)
            && a.jobs == b.jobs && a.comparison == b.comparison
    }

    /// The contract's JSON object.
    public var json: JSONValue {
        func ratio(_ x: Double?) -> JSONValue { x.map(JSONValue.number) ?? .null }
        func conversion(_ c: Conversion) -> JSONValue {
            .members([("participants", .integer(Int64(c.participants))), ("converted", .integer(Int64(c.converted))), ("rate", ratio(c.rate))])
        }
        func metrics(_ list: [(name: String, growth: MetricGrowth)]) -> JSONValue {
            .object(list.map { m in
                (key: m.name, value: .members([
                    ("participants", .integer(Int64(m.growth.participants))), ("mean", ratio(m.growth.mean)),
                    ("median", ratio(m.growth.median)), ("min", ratio(m.growth.min)), ("max", ratio(m.growth.max)),
                    ("pooled", ratio(m.growth.pooled)),
                ]))
            })
        }
        func jobs(_ j: Jobs) -> JSONValue {
            .members([("participants", .integer(Int64(j.participants))), ("created", .integer(j.created)),
                      ("maintained", .integer(j.maintained)), ("total", .integer(j.total))])
        }
        return .members([
            ("scope", .members([("kind", .string(scope.kind)), ("id", .string(scope.id))])),
            ("funnel", .members([
                ("applications", .integer(Int64(funnel.applications))), ("participants", .integer(Int64(funnel.participants))),
                ("rejected", .integer(Int64(funnel.rejected))), ("waitlisted", .integer(Int64(funnel.waitlisted))),
                ("withdrawn", .integer(Int64(funnel.withdrawn))), ("pending", .integer(Int64(funnel.pending))),
                ("selectionRate", ratio(funnel.selectionRate)),
            ])),
            ("metrics", metrics(self.metrics)),
            ("conversion", .members([
                ("milestone", .string(milestone)), ("overall", conversion(overall)),
                ("bySegment", .object(bySegment.map { (key: $0.segment, value: conversion($0.conversion)) })),
            ])),
            ("jobs", jobs(self.jobs)),
            ("comparison", .members([
                ("applications", .integer(Int64(comparison.applications))), ("metrics", metrics(comparison.metrics)),
                ("jobs", jobs(comparison.jobs)),
            ])),
        ])
    }
}

extension GrowthReport {
    init(_ scope: Scope, milestone: String, _ records: ReadModelRecords) throws {
        let applications = try Self.applications(in: scope, records)
        var funnel = Funnel()
        var participants: [ApplicationRecord] = []
        var group: [ApplicationRecord] = []
        for a in applications {
            funnel.applications += 1
            switch a.status {
            case "pending": funnel.pending += 1
            case "waitlisted": funnel.waitlisted += 1
            case "rejected": funnel.rejected += 1
            case "withdrawn": funnel.withdrawn += 1
            default: break
            }
            if a.isParticipant {
                funnel.participants += 1
                participants.append(a)
            } else if a.state == .rejected || a.state == .waitlisted {
                group.append(a)
            }
        }
        let metrics = Metric.allCases.map { metric in (name: metric.rawValue, growth: Self.growth(of: metric, participants, \.latest)) }
        let comparison = Comparison(
            applications: group.count,
            metrics: Metric.allCases.map { metric in (name: metric.rawValue, growth: Self.growth(of: metric, group, \.followUp)) },
            jobs: Self.jobs(group, \.followUp))
        func conversion(_ group: [ApplicationRecord]) -> Conversion {
            Conversion(participants: group.count, converted: group.filter { $0.milestones.contains(milestone) }.count)
        }
        let segments = Set(participants.flatMap(\.segments)).sorted()
        self.init(scope: scope, funnel: funnel, metrics: metrics, milestone: milestone, overall: conversion(participants),
                  bySegment: segments.map { s in (segment: s, conversion: conversion(participants.filter { $0.segments.contains(s) })) },
                  jobs: Self.jobs(participants, \.latest), comparison: comparison)
    }

    /// Jobs over the applications with a baseline headcount and a latest one (from `latest`).
    static func jobs(_ applications: [ApplicationRecord], _ latest: KeyPath<ApplicationRecord, PerMetric<MeasurementRecord>>) -> Jobs {
        var jobs = Jobs()
        for a in applications {
            guard let b = a.baseline[.headcount], let l = a[keyPath: latest][.headcount]?.value else { continue }
            jobs.participants += 1
            jobs.created += max(0, l - b)
            jobs.maintained += min(b, l)
            jobs.total += l
        }
        return jobs
    }

    /// Growth of `metric` over the applications with a baseline above 0 and a latest figure (from `latest`).
    static func growth(of metric: Metric, _ participants: [ApplicationRecord],
                       _ latestFigures: KeyPath<ApplicationRecord, PerMetric<MeasurementRecord>>) -> MetricGrowth {
        var growths: [Double] = []
        var sumBaseline = 0.0, sumLatest = 0.0
        for p in participants {
            guard let baseline = p.baseline[metric], baseline > 0, let latest = p[keyPath: latestFigures][metric] else { continue }
            growths.append(Double(latest.value) / Double(baseline) - 1)
            sumBaseline += Double(baseline)
            sumLatest += Double(latest.value)
        }
        guard !growths.isEmpty else { return MetricGrowth(participants: 0) }
        let sorted = growths.sorted()
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        return MetricGrowth(participants: growths.count, mean: growths.reduce(0, +) / Double(growths.count), median: median,
                            min: sorted.first, max: sorted.last, pooled: sumLatest / sumBaseline - 1, values: sorted)
    }

    /// The applications of the scope, whatever their status.
    static func applications(in scope: Scope, _ records: ReadModelRecords) throws -> [ApplicationRecord] {
        func cohortApplications(_ ids: [String]) throws -> [ApplicationRecord] {
            try ids.flatMap { id -> [ApplicationRecord] in
                guard let cohort = try records.get(.cohort, id, as: CohortRecord.self) else { return [] }
                return try cohort.applications.compactMap { try records.get(.application, $0, as: ApplicationRecord.self) }
            }
        }
        func programCohorts(_ ids: [String]) throws -> [String] {
            try ids.flatMap { try records.get(.program, $0, as: ProgramRecord.self)?.cohorts ?? [] }
        }
        switch scope {
        case let .cohort(id):
            guard try records.get(.cohort, id, as: CohortRecord.self) != nil else { throw LedgerError(.unknownID, "no cohort \(id)") }
            return try cohortApplications([id])
        case let .program(id):
            guard try records.get(.program, id, as: ProgramRecord.self) != nil else { throw LedgerError(.unknownID, "no program \(id)") }
            return try cohortApplications(try programCohorts([id]))
        case let .network(id):
            guard let network = try records.get(.network, id, as: NetworkRecord.self) else { throw LedgerError(.unknownID, "no network \(id)") }
            return try cohortApplications(try programCohorts(network.programs))
        case let .territory(code):
            let tree = try TerritoryTree(records)
            guard tree.contains(code) else { throw LedgerError(.unknownID, "no territory \(code)") }
            // The companies located there (the latest territory an event gave), then their applications.
            let companies = try records.all(.company, as: CompanyRecord.self)
                .filter { $0.record.territory.map { tree.isWithin($0, code) } ?? false }
            return try companies.flatMap { company in
                try company.record.applications.compactMap { try records.get(.application, $0, as: ApplicationRecord.self) }
            }
        }
    }
}

/// The territory tree of the read models, for "T or below T".
struct TerritoryTree {
    let territories: [String: TerritoryRecord]

    init(_ records: ReadModelRecords) throws {
        territories = Dictionary(uniqueKeysWithValues: try records.all(.territory, as: TerritoryRecord.self).map { ($0.id, $0.record) })
    }

    func contains(_ code: String) -> Bool { territories[code] != nil }

    /// Each territory's children, in code order.
    var children: [String: [String]] {
        var out: [String: [String]] = [:]
        for (code, record) in territories { if let parent = record.parent { out[parent, default: []].append(code) } }
        return out.mapValues { $0.sorted() }
    }

    /// Whether `code` is `ancestor` or lies below it.
    func isWithin(_ code: String, _ ancestor: String) -> Bool {
        var current: String? = code
        var steps = 0
        while let c = current, steps <= territories.count {
            if c == ancestor { return true }
            current = territories[c]?.parent
            steps += 1
        }
        return false
    }
}
