/// The built-in read models of `projections.md` (cohort rosters, growth metrics,
/// territory expansion, the expansion timeline), kept as one fold because they
/// share their entities (a participant counts in a roster, a growth report and a
/// territory alike).
public struct ReadModelsProjection: Projection {
    /// The projection's name in the ledger.
    public let name = "essaim.read-models"
    /// Version of the records' layout; bump it to have ledgers rebuild.
    public let schemaVersion = 1

    /// The built-in projection.
    public init() {}

    /// Folds one event into the read-model records.
    public func apply(_ recorded: RecordedEvent, to store: any ProjectionStore) throws {
        let records = ReadModelRecords(store: store)
        let day = recorded.occurredAt.day.daysSinceEpoch
        switch recorded.event {
        case let .territoryDefined(e):
            try records.put(.territory, e.code, TerritoryRecord(name: e.name, level: e.level.rawValue, parent: e.parent))
        case let .networkRegistered(e):
            try records.put(.network, e.network, NetworkRecord(name: e.name))
        case let .programLaunched(e):
            try records.put(.program, e.program, ProgramRecord(
                name: e.name, networks: e.networks, capacityPerCohort: e.capacityPerCohort, coverage: e.territories.map { CoverageRecord(territory: $0, on: day) }))
            for network in e.networks {
                try records.update(.network, network, as: NetworkRecord.self) { $0.programs.append(e.program) }
            }
            try timeline(store, recorded, e.territories.map {
                TimelineRecord(on: day, kind: "program-launched", program: e.program, territory: $0, position: recorded.position)
            })
        case let .programExtended(e):
            try records.update(.program, e.program, as: ProgramRecord.self) {
                $0.coverage += e.territories.map { CoverageRecord(territory: $0, on: day) }
            }
            try timeline(store, recorded, e.territories.map {
                TimelineRecord(on: day, kind: "program-extended", program: e.program, territory: $0, position: recorded.position)
            })
        case let .cohortOpened(e):
            let capacity = try e.capacity ?? records.get(.program, e.program, as: ProgramRecord.self)?.capacityPerCohort
            try records.put(.cohort, e.cohort, CohortRecord(program: e.program, label: e.label, capacity: capacity))
            try records.update(.program, e.program, as: ProgramRecord.self) { $0.cohorts.append(e.cohort) }
        case let .applicationSubmitted(e):
            var baseline: [String: Int64] = [:]
            for (metric, value) in Metric.values(e.baseline) { baseline[metric.rawValue] = value }
            try records.put(.application, e.application, ApplicationRecord(
                cohort: e.cohort, company: e.company.name, territory: e.company.territory, sector: e.company.sector,
                status: "pending", baseline: baseline, segments: e.segments ?? []))
            try records.update(.cohort, e.cohort, as: CohortRecord.self) { $0.applications.append(e.application) }
        case let .candidateSelected(application):
            try records.update(.application, application, as: ApplicationRecord.self) {
                $0.status = "active"
                $0.selectedOn = day
                $0.selectedPosition = recorded.position
            }
        case let .candidateRejected(e):
            try records.update(.application, e.application, as: ApplicationRecord.self) { $0.status = "rejected" }
        case let .candidateWaitlisted(application):
            try records.update(.application, application, as: ApplicationRecord.self) { $0.status = "waitlisted" }
        case let .participantWithdrew(e):
            try records.update(.application, e.application, as: ApplicationRecord.self) { $0.status = "withdrawn" }
        case let .sessionHeld(e):
            try records.update(.cohort, e.cohort, as: CohortRecord.self) {
                $0.sessions.append(SessionRecord(day: day, position: recorded.position))
            }
            for attendee in Set(e.attendees) {
                try records.update(.application, attendee, as: ApplicationRecord.self) { $0.sessionsAttended += 1 }
            }
        case let .outcomeRecorded(e):
            try records.update(.application, e.application, as: ApplicationRecord.self) { application in
                for (metric, value) in Metric.values(e.metrics) {
                    let measurement = MeasurementRecord(instant: recorded.occurredAt.instant.microseconds,
                                                        position: recorded.position, value: value)
                    // Greatest occurredAt wins; on equal dates the later position (this one).
                    if let current = application.latest[metric.rawValue], current.instant > measurement.instant { continue }
                    application.latest[metric.rawValue] = measurement
                }
                if let milestone = e.milestone, !application.milestones.contains(milestone) {
                    application.milestones.append(milestone)
                }
            }
        case let .siteOpened(e), let .sitePlanned(e):
            let opened = recorded.type == .siteOpened
            var site = try records.get(.site, e.site, as: SiteRecord.self)
                ?? SiteRecord(name: e.name, network: e.network, program: e.program, territory: e.territory)
            site.name = e.name
            site.network = e.network
            site.program = e.program
            site.territory = e.territory
            if opened { site.openedOn = day } else { site.plannedOn = day }
            try records.put(.site, e.site, site)
            try timeline(store, recorded, [TimelineRecord(
                on: day, kind: opened ? "site-opened" : "site-planned", program: e.program, network: e.network,
                territory: e.territory, site: e.site, position: recorded.position)])
        }
    }

    private func timeline(_ store: any ProjectionStore, _ recorded: RecordedEvent, _ entries: [TimelineRecord]) throws {
        for (index, entry) in entries.enumerated() {
            var key = ByteWriter(capacity: 11)
            key.u8(RecordKind.timeline.rawValue)
            key.u64(recorded.position)
            key.u16(UInt16(index))
            let records = ReadModelRecords(store: store)
            try records.store.set(try records.encode(entry), for: key.bytes)
        }
    }
}

/// The three business figures growth is computed on, in report order.
enum Metric: String, CaseIterable {
    case revenueEur, exportRevenueEur, headcount

    static func values(_ figures: Figures?) -> [(Metric, Int64)] {
        guard let figures else { return [] }
        return [(.revenueEur, figures.revenueEur), (.exportRevenueEur, figures.exportRevenueEur), (.headcount, figures.headcount)]
            .compactMap { metric, value in value.map { (metric, $0) } }
    }
}
