/// A write-back cache of one kind of entity record: records are decoded once,
/// changed in memory as events arrive, and written when the fold finishes (or
/// when the caches grow past their bound).
final class RecordCache<Record: StoredRecord> {
    let kind: RecordKind
    let store: any ProjectionStore
    /// Whether a record missing from the cache may be in the store (false while
    /// folding into a store known to be empty, which saves every lookup).
    var load: Bool
    // Records live in one array (changed in place); the dictionary maps ids to slots.
    private var slots: [String: Int] = [:]
    private var records: [Record?] = []
    private var dirty: [Bool] = []

    init(_ kind: RecordKind, _ store: any ProjectionStore, load: Bool) {
        self.kind = kind
        self.store = store
        self.load = load
    }

    var count: Int { records.count }

    private func slot(_ id: String) throws -> Int {
        if let slot = slots[id] { return slot }
        let record = load ? try ReadModelRecords(store: store).get(kind, id, as: Record.self) : nil
        slots[id] = records.count
        records.append(record)
        dirty.append(false)
        return records.count - 1
    }

    /// The record, or `nil` when no event named it.
    func get(_ id: String) throws -> Record? {
        records[try slot(id)]
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
    func update(_ id: String, _ change: (inout Record) -> Void) throws {
        let slot = try slot(id)
        guard records[slot] != nil else { return }
        dirty[slot] = true
        change(&records[slot]!)
    }

    /// Writes the changed records and empties the cache.
    func flush() throws {
        for (id, slot) in slots where dirty[slot] {
            if let record = records[slot] { try store.set(record.storedBytes, for: kind.key(id)) }
        }
        slots.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
        dirty.removeAll(keepingCapacity: true)
        load = true
    }
}

/// The entities named by the events so far — territories, networks, programs,
/// cohorts, applications, sessions, sites — and the indexes the read models
/// need, kept in a ``ProjectionStore`` through write-back caches.
///
/// One key space serves two purposes: the refusal rules check each event
/// against these records (each type's `check(against:occurredAt:)`), and the
/// queries build the read models from them. Each event type says how it
/// changes them (`apply(to:_:)`). Nothing here is tied to a storage engine, so
/// the same rules run wherever the store lives.
final class Entities: EventFolder {
    /// Entries held before the caches are written out and emptied (bounds memory
    /// on long imports and replays; about 200 bytes each).
    static let cacheBound = 150_000

    let store: any ProjectionStore
    let territories: RecordCache<TerritoryRecord>
    let networks: RecordCache<NetworkRecord>
    let programs: RecordCache<ProgramRecord>
    let cohorts: RecordCache<CohortRecord>
    let applications: RecordCache<ApplicationRecord>
    let sessions: RecordCache<MarkerRecord>
    let sites: RecordCache<SiteRecord>
    /// Participants per company territory.
    let participants: RecordCache<CountRecord>
    /// Per territory and program named by a launch or extension: the earliest day.
    let coverage: RecordCache<DayRecord>
    /// Per territory: the sites located there.
    let siteAt: RecordCache<MarkerRecord>
    private var applied = 0

    /// The entities in `store`; `storeIsEmpty` saves a lookup for every record
    /// when folding from scratch.
    init(_ store: any ProjectionStore, storeIsEmpty: Bool) {
        let load = !storeIsEmpty
        self.store = store
        territories = RecordCache(.territory, store, load: load)
        networks = RecordCache(.network, store, load: load)
        programs = RecordCache(.program, store, load: load)
        cohorts = RecordCache(.cohort, store, load: load)
        applications = RecordCache(.application, store, load: load)
        sessions = RecordCache(.session, store, load: load)
        sites = RecordCache(.site, store, load: load)
        participants = RecordCache(.participants, store, load: load)
        coverage = RecordCache(.coverage, store, load: load)
        siteAt = RecordCache(.siteAt, store, load: load)
    }

    /// Folds one event (without its personal data) into the records.
    func apply(_ recorded: RecordedEvent) throws {
        try recorded.event.apply(to: self, EventContext(position: recorded.position, occurredAt: recorded.occurredAt))
        applied += 1
        if applied % 4096 == 0 && cached > Self.cacheBound { try finish() }
    }

    private var cached: Int {
        territories.count + networks.count + programs.count + cohorts.count + applications.count + sessions.count
            + sites.count + participants.count + coverage.count + siteAt.count
    }

    /// Keeps, per territory named, the earliest day a program covered it.
    func cover(_ program: String, _ named: [String], _ day: Int64) throws {
        for territory in named {
            let id = RecordKind.pair(territory, program)
            if let earlier = try coverage.get(id), earlier.day <= day { continue }
            coverage.put(id, DayRecord(day: day))
        }
    }

    /// Timeline entries are never changed once written: they go straight to the
    /// store, under the whole timeline and under their program (every entry
    /// with one) and their site's network (site entries), so a filtered
    /// timeline reads only its own entries.
    func timeline(_ position: UInt64, _ entries: [TimelineRecord]) throws {
        for (index, entry) in entries.enumerated() {
            let bytes = entry.storedBytes
            try store.set(bytes, for: TimelineRecord.key(.timeline, nil, position, index))
            if let program = entry.program {
                try store.set(bytes, for: TimelineRecord.key(.programTimeline, program, position, index))
            }
            if entry.site != nil, let network = entry.network {
                try store.set(bytes, for: TimelineRecord.key(.networkTimeline, network, position, index))
            }
        }
    }

    /// Writes every changed record to the store and empties the caches.
    func finish() throws {
        try territories.flush()
        try networks.flush()
        try programs.flush()
        try cohorts.flush()
        try applications.flush()
        try sessions.flush()
        try sites.flush()
        try participants.flush()
        try coverage.flush()
        try siteAt.flush()
    }
}
