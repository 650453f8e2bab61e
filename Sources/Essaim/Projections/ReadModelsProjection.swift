/// The built-in read models of `projections.md` (cohort rosters, growth metrics,
/// territory expansion, the expansion timeline), kept as one fold because they
/// share their entities (a participant counts in a roster, a growth report and a
/// territory alike).
public struct ReadModelsProjection: Projection {
    /// The projection's name in the ledger.
    public let name = "essaim.read-models"
    /// Version of the records' layout; bump it to have ledgers rebuild.
    /// 2: compact binary records and participant counts per territory.
    public let schemaVersion = 2

    /// The built-in projection.
    public init() {}

    /// Folds one event into the read-model records.
    public func apply(_ recorded: RecordedEvent, to store: any ProjectionStore) throws {
        let fold = ReadModelFold(store, storeIsEmpty: false)
        try fold.apply(recorded)
        try fold.finish()
    }

    func folder(_ store: any ProjectionStore, storeIsEmpty: Bool) -> any EventFolder {
        ReadModelFold(store, storeIsEmpty: storeIsEmpty)
    }
}

extension ReadModelsProjection: CachingProjection {}

/// A write-back cache of one kind of read-model record: records are decoded once,
/// changed in memory as events arrive, and written when the fold finishes (or
/// when the cache grows past its bound).
final class RecordCache<Record: StoredRecord> {
    let kind: RecordKind
    // Records live in one array (changed in place); the dictionary maps ids to slots.
    private var slots: [String: Int] = [:]
    private var records: [Record?] = []
    private var dirty: [Bool] = []

    init(_ kind: RecordKind) { self.kind = kind }

    var count: Int { records.count }

    private func slot(_ id: String, _ store: any ProjectionStore, load: Bool) throws -> Int {
        if let slot = slots[id] { return slot }
        let record = load ? try ReadModelRecords(store: store).get(kind, id, as: Record.self) : nil
        slots[id] = records.count
        records.append(record)
        dirty.append(false)
        return records.count - 1
    }

    /// The record, from the cache or (when `load`) from the store.
    func get(_ id: String, _ store: any ProjectionStore, load: Bool) throws -> Record? {
        records[try slot(id, store, load: load)]
    }

    func put(_ id: String, _ record: Record) {
        if let slot = slots[id] {
            records[slot] = record
            dirty[slot] = true
        } else {
            slots[id] = records.count
            records.append(record)
            dirty.append(true)
        }
    }

    /// Changes a record in place; does nothing when it is absent.
    func update(_ id: String, _ store: any ProjectionStore, load: Bool, _ change: (inout Record) -> Void) throws {
        let slot = try slot(id, store, load: load)
        guard records[slot] != nil else { return }
        dirty[slot] = true
        change(&records[slot]!)
    }

    /// Writes the changed records and empties the cache.
    func flush(_ store: any ProjectionStore) throws {
        for (id, slot) in slots where dirty[slot] {
            if let record = records[slot] { try store.set(record.storedBytes, for: kind.key(id)) }
        }
        slots.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
        dirty.removeAll(keepingCapacity: true)
    }
}

/// The fold behind ``ReadModelsProjection``, over a write-back cache per kind.
final class ReadModelFold: EventFolder {
    /// Entries held before the cache is written out and emptied (bounds memory
    /// on long imports and replays; about 200 bytes each).
    static let cacheBound = 150_000

    let store: any ProjectionStore
    /// Whether records missing from the cache may be in the store (false while
    /// folding into a store known to be empty, which saves every lookup).
    private var load: Bool
    private let territories = RecordCache<TerritoryRecord>(.territory)
    private let networks = RecordCache<NetworkRecord>(.network)
    private let programs = RecordCache<ProgramRecord>(.program)
    private let cohorts = RecordCache<CohortRecord>(.cohort)
    private let applications = RecordCache<ApplicationRecord>(.application)
    private let sites = RecordCache<SiteRecord>(.site)
    private let participants = RecordCache<CountRecord>(.participants)
    private let coverage = RecordCache<DayRecord>(.coverage)
    private let siteAt = RecordCache<MarkerRecord>(.siteAt)
    private var applied = 0

    init(_ store: any ProjectionStore, storeIsEmpty: Bool) {
        self.store = store
        self.load = !storeIsEmpty
    }

    func apply(_ recorded: RecordedEvent) throws {
        let day = recorded.occurredAt.day.daysSinceEpoch
        switch recorded.event {
        case let .territoryDefined(e):
            territories.put(e.code, TerritoryRecord(name: e.name, level: e.level.rawValue, parent: e.parent))
        case let .networkRegistered(e):
            networks.put(e.network, NetworkRecord(name: e.name))
        case let .programLaunched(e):
            programs.put(e.program, ProgramRecord(
                name: e.name, networks: e.networks, capacityPerCohort: e.capacityPerCohort,
                coverage: e.territories.map { CoverageRecord(territory: $0, on: day) }))
            for network in e.networks {
                try networks.update(network, store, load: load) { $0.programs.append(e.program) }
            }
            try cover(e.program, e.territories, day)
            try timeline(recorded, e.territories.map {
                TimelineRecord(on: day, kind: "program-launched", program: e.program, territory: $0, position: recorded.position)
            })
        case let .programExtended(e):
            try programs.update(e.program, store, load: load) {
                $0.coverage += e.territories.map { CoverageRecord(territory: $0, on: day) }
            }
            try cover(e.program, e.territories, day)
            try timeline(recorded, e.territories.map {
                TimelineRecord(on: day, kind: "program-extended", program: e.program, territory: $0, position: recorded.position)
            })
        case let .cohortOpened(e):
            let capacity = try e.capacity ?? programs.get(e.program, store, load: load)?.capacityPerCohort
            cohorts.put(e.cohort, CohortRecord(program: e.program, label: e.label, capacity: capacity))
            try programs.update(e.program, store, load: load) { $0.cohorts.append(e.cohort) }
        case let .applicationSubmitted(e):
            var application = ApplicationRecord(cohort: e.cohort, company: e.company.name, territory: e.company.territory,
                                                sector: e.company.sector, segments: e.segments ?? [])
            for (metric, value) in Metric.values(e.baseline) { application.baseline[metric] = value }
            applications.put(e.application, application)
            try cohorts.update(e.cohort, store, load: load) { $0.applications.append(e.application) }
        case let .candidateSelected(id):
            var territory: String?
            try applications.update(id, store, load: load) {
                territory = $0.selectedOn == nil ? $0.territory : nil
                $0.state = .active
                $0.selectedOn = day
                $0.selectedPosition = recorded.position
            }
            if let territory {
                if try participants.get(territory, store, load: load) == nil { participants.put(territory, CountRecord(count: 0)) }
                try participants.update(territory, store, load: load) { $0.count += 1 }
            }
        case let .candidateRejected(e):
            try applications.update(e.application, store, load: load) { $0.state = .rejected }
        case let .candidateWaitlisted(id):
            try applications.update(id, store, load: load) { $0.state = .waitlisted }
        case let .participantWithdrew(e):
            try applications.update(e.application, store, load: load) { $0.state = .withdrawn }
        case let .sessionHeld(e):
            try cohorts.update(e.cohort, store, load: load) {
                $0.sessions.append(SessionRecord(day: day, position: recorded.position))
            }
            var seen = Set<String>(minimumCapacity: e.attendees.count)
            for attendee in e.attendees where seen.insert(attendee).inserted {
                try applications.update(attendee, store, load: load) { $0.sessionsAttended += 1 }
            }
        case let .outcomeRecorded(e):
            try applications.update(e.application, store, load: load) { application in
                for (metric, value) in Metric.values(e.metrics) {
                    let measurement = MeasurementRecord(instant: recorded.occurredAt.instant.microseconds,
                                                        position: recorded.position, value: value)
                    // Greatest occurredAt wins; on equal dates the later position (this one).
                    if let current = application.latest[metric], current.instant > measurement.instant { continue }
                    application.latest[metric] = measurement
                }
                if let milestone = e.milestone, !application.milestones.contains(milestone) {
                    application.milestones.append(milestone)
                }
            }
        case let .siteOpened(e), let .sitePlanned(e):
            let opened = recorded.type == .siteOpened
            var site = try sites.get(e.site, store, load: load)
                ?? SiteRecord(name: e.name, network: e.network, program: e.program, territory: e.territory)
            site.name = e.name
            site.network = e.network
            site.program = e.program
            site.territory = e.territory
            if opened { site.openedOn = day } else { site.plannedOn = day }
            sites.put(e.site, site)
            siteAt.put(RecordKind.pair(e.territory, e.site), MarkerRecord())
            try timeline(recorded, [TimelineRecord(
                on: day, kind: opened ? "site-opened" : "site-planned", program: e.program, network: e.network,
                territory: e.territory, site: e.site, position: recorded.position)])
        case .personalDataErased:
            // Read models hold no personal data: nothing to change.
            break
        }
        applied += 1
        if applied % 4096 == 0 && cached > Self.cacheBound {
            try finish()
            load = true
        }
    }

    private var cached: Int {
        territories.count + networks.count + programs.count + cohorts.count + applications.count + sites.count
            + participants.count + coverage.count + siteAt.count
    }

    /// Keeps, per territory named, the earliest day a program covered it.
    private func cover(_ program: String, _ named: [String], _ day: Int64) throws {
        for territory in named {
            let id = RecordKind.pair(territory, program)
            if let earlier = try coverage.get(id, store, load: load), earlier.day <= day { continue }
            coverage.put(id, DayRecord(day: day))
        }
    }

    /// Timeline entries are never changed once written: they go straight to the
    /// store, under the whole timeline and under their program (every entry
    /// with one) and their site's network (site entries), so a filtered
    /// timeline reads only its own entries.
    private func timeline(_ recorded: RecordedEvent, _ entries: [TimelineRecord]) throws {
        for (index, entry) in entries.enumerated() {
            let bytes = entry.storedBytes
            try store.set(bytes, for: TimelineRecord.key(.timeline, nil, recorded.position, index))
            if let program = entry.program {
                try store.set(bytes, for: TimelineRecord.key(.programTimeline, program, recorded.position, index))
            }
            if entry.site != nil, let network = entry.network {
                try store.set(bytes, for: TimelineRecord.key(.networkTimeline, network, recorded.position, index))
            }
        }
    }

    /// Writes every changed record to the store and empties the caches.
    func finish() throws {
        try territories.flush(store)
        try networks.flush(store)
        try programs.flush(store)
        try cohorts.flush(store)
        try applications.flush(store)
        try sites.flush(store)
        try participants.flush(store)
        try coverage.flush(store)
        try siteAt.flush(store)
    }
}

/// The three business figures growth is computed on, in report order.
enum Metric: String, CaseIterable {
    case revenueEur, exportRevenueEur, headcount

    /// Position in report order.
    var index: Int {
        switch self {
        case .revenueEur: 0
        case .exportRevenueEur: 1
        case .headcount: 2
        }
    }

    static func values(_ figures: Figures?) -> [(Metric, Int64)] {
        guard let figures else { return [] }
        return [(.revenueEur, figures.revenueEur), (.exportRevenueEur, figures.exportRevenueEur), (.headcount, figures.headcount)]
            .compactMap { metric, value in value.map { (metric, $0) } }
    }
}
