/// What ``Entities`` needs of a cache, whatever its record type.
protocol EntityCache: AnyObject {
    var kind: RecordKind { get }
    var count: Int { get }
    /// Encodes the changed records in key order, `chunk` records to a batch
    /// (one from `spares` when it has one), hands each batch to `publish`, and
    /// empties the cache (later misses read the store). Stops early,
    /// returning `false`, when `publish` does.
    ///
    /// It may run on another thread than the fold's: the fold must not use the
    /// cache until it returns.
    func writeBack(chunk: Int, spares: SpareBatches?, _ publish: (ProjectionWriteBatch) -> Bool) -> Bool
}

/// A write-back cache of one kind of entity record: records are decoded once,
/// changed in memory as events arrive, and written when the fold finishes (or
/// when the caches grow past their bound).
final class RecordCache<Record: StoredRecord>: EntityCache {
    let kind: RecordKind
    let store: any ProjectionStore
    /// Whether a record missing from the cache may be in the store (false while
    /// folding into a store known to be empty, which saves every lookup).
    var load: Bool
    /// The keys of the fold's caches, when the store held none of them as the
    /// fold began: a missing record the filter rules out is not looked up.
    private let written: KeyFilter?
    /// Ids to slots in `entries`. An entry keeps its id, whether its record
    /// changed, and the record (`nil` when no event named it) side by side: a
    /// look-up that finds an id has the record in the same cache lines (the
    /// look-ups wait on memory more than they compute). The fold touches these
    /// several times per event, so they go without the runtime's exclusivity
    /// checks (a tenth of a replay's instructions): no closure passed to
    /// `modify`, `update` or `read` may use the same cache (debug builds check).
    @exclusivity(unchecked) private var table = SlotTable(maxLoad: 2)
    @exclusivity(unchecked) private var entries: [Entry] = []

    private struct Entry {
        let id: String
        var dirty: Bool
        var record: Record?
    }

    #if DEBUG
    /// Set while `modify`/`update`/`read` hold the records: a change or read
    /// that reached back into the same cache would move them under its feet
    /// (debug builds trap).
    private var changing = false
    #endif

    /// Entries its owner holds before a write-back: room a growing cache
    /// takes at once, rather than doubling up to it (each doubling copies the
    /// entries into new pages, which fault in; room never used is never touched).
    private let bound: Int

    init(_ kind: RecordKind, _ store: any ProjectionStore, load: Bool, bound: Int = 0, written: KeyFilter? = nil) {
        self.kind = kind
        self.store = store
        self.load = load
        self.bound = bound
        self.written = written
    }

    var count: Int { entries.count }

    /// The slot of `id`, whose ``IDSlots/hash(_:)-(String)`` is `hash`, or `nil`.
    private func find(_ id: String, hash: UInt32) -> Int? {
        table.slot(hash: hash) { entries[$0].id == id }
    }

    /// Adds `id` (absent) in the next slot and returns that slot; `filed`
    /// when `written` may hold its key already.
    private func add(_ id: String, hash: UInt32, _ record: consuming Record?, dirty: Bool, filed: Bool = false) -> Int {
        let slot = entries.count
        if slot == entries.capacity && slot >= 4_096 && slot < bound { entries.reserveCapacity(bound) }
        table.insert(hash: hash, slot: slot)
        entries.append(Entry(id: id, dirty: dirty, record: record))
        // Every id held, not only those given a record: a superset of the keys written back.
        if !filed { written?.add(kind, hash: hash) }
        return slot
    }

    private func slot(_ id: String, hash: UInt32? = nil) throws -> Int {
        #if DEBUG
        precondition(!changing, "a change of a \(Record.self) reached back into its own cache")
        #endif
        let hash = hash ?? IDSlots.hash(id)
        if let slot = find(id, hash: hash) { return slot }
        let mayBeStored = load && written?.mayContain(kind, hash: hash) != false
        let record = mayBeStored ? try ReadModelRecords(store: store).get(kind, id, as: Record.self) : nil
        return add(id, hash: hash, record, dirty: false, filed: mayBeStored)
    }

    /// The record, or `nil` when no event named it.
    func get(_ id: String) throws -> Record? {
        entries[try slot(id)].record
    }

    /// What `body` reads of the record, in place, or `nil` when no event named
    /// it: cheaper than ``get(_:)`` for a part of a large record, whose copy
    /// retains and releases each of its strings and arrays. The record is lent
    /// `inout` only because Swift then passes it where it lies (a `borrowing`
    /// parameter read from the cache's buffer is copied first); `body` must
    /// not change it (debug builds check), as the cache would not write the
    /// change back.
    func read<R>(_ id: String, _ body: (inout Record) throws -> R) throws -> R? {
        let slot = try slot(id)
        #if DEBUG
        changing = true
        defer { changing = false }
        let before = entries[slot].record?.storedBytes
        defer { assert(entries[slot].record?.storedBytes == before, "a read changed a \(Record.self)") }
        #endif
        return try entries.withUnsafeMutableBufferPointer { entries in
            guard entries[slot].record != nil else { return nil }
            return try body(&entries[slot].record!)
        }
    }

    /// Whether an event named a record for `id` (as ``get(_:)`` tells, without the copy).
    func contains(_ id: String) throws -> Bool {
        try read(id) { _ in } != nil
    }

    /// Sets the record of `id`, changed. It is moved in, not copied: an
    /// application's record is a few hundred bytes, and each copy retains its
    /// strings and arrays.
    func put(_ id: String, _ record: consuming Record) {
        #if DEBUG
        precondition(!changing, "a change of a \(Record.self) reached back into its own cache")
        #endif
        let hash = IDSlots.hash(id)
        if let slot = find(id, hash: hash) {
            entries[slot].record = record
            entries[slot].dirty = true
        } else {
            _ = add(id, hash: hash, record, dirty: true)
        }
    }

    /// Asks the processor to load what a look-up of an id whose hash is
    /// `hash` reads: its bucket, or (`entry`) the entry the bucket points to
    /// (for an id not held, what `written` tests).
    @inline(__always)
    func prefetch(hash: UInt32, entry: Bool) {
        guard entry else { return table.prefetch(hash: hash) }
        guard let slot = table.firstSlot(hash: hash) else {
            written?.prefetch(kind, hash: hash)
            return
        }
        // In place, as the table above (read, the array would be retained and released).
        entries.withUnsafeMutableBufferPointer { entries in
            prefetchForWrite(entries.baseAddress! + slot, bytes: MemoryLayout<Entry>.stride)
        }
    }

    /// Changes the record in place, starting from `initial` when it is absent.
    func upsert(_ id: String, initial: () -> Record, _ change: (inout Record) -> Void) throws {
        try modify(id, initial: initial) { record, _ in change(&record) }
    }

    /// Changes the record in place, telling `change` whether it was just created
    /// from `initial`; does nothing when it is absent and `initial` gives `nil`.
    /// (A closure that is not optional does not escape: the caller's values it
    /// reads are not copied to the heap for each call.)
    func modify(_ id: String, initial: () -> Record?, _ change: (inout Record, _ created: Bool) -> Void) throws {
        let slot = try slot(id)
        #if DEBUG
        changing = true
        defer { changing = false }
        #endif
        entries.withUnsafeMutableBufferPointer { entries in
            var created = false
            if entries[slot].record == nil {
                guard let record = initial() else { return }
                entries[slot].record = record
                created = true
            }
            entries[slot].dirty = true
            change(&entries[slot].record!, created)
        }
    }

    /// Changes a record in place; does nothing when it is absent. `hash`, when
    /// given, is the id's ``IDSlots/hash(_:)-(String)``, which the caller has.
    func update(_ id: String, hash: UInt32? = nil, _ change: (inout Record) -> Void) throws {
        let slot = try slot(id, hash: hash)
        #if DEBUG
        changing = true
        defer { changing = false }
        #endif
        entries.withUnsafeMutableBufferPointer { entries in
            guard entries[slot].record != nil else { return }
            entries[slot].dirty = true
            change(&entries[slot].record!)
        }
    }

    // Called through `EntityCache`, this would run unspecialised, looking up
    // its entries' and records' metadata for every record it moves out (about
    // 2,000 instructions a record): specialised for the kinds with the most
    // records.
    @_specialize(where Record == CompanyRecord)
    @_specialize(where Record == ApplicationRecord)
    @_specialize(where Record == MarkerRecord)
    @_specialize(where Record == MembershipRecord)
    @_specialize(where Record == MentorshipRecord)
    @_specialize(where Record == CohortRecord)
    func writeBack(chunk: Int, spares: SpareBatches? = nil, _ publish: (ProjectionWriteBatch) -> Bool) -> Bool {
        defer { empty() }
        // The changed records' keys, sorted once, each with its record's slot
        // (4 bytes, big-endian); the records are then encoded in that order.
        // (By index: passed to a closure, each entry would be copied, its strings retained.)
        var order = ProjectionWriteBatch(records: entries.indices.reduce(0) { $0 + (entries[$1].dirty ? 1 : 0) })
        // A changed record is never `nil` (`put`, `modify` and `update` set a record when they mark it).
        for slot in entries.indices where entries[slot].dirty { order.add(kind, entries[slot].id) { $0.u32(UInt32(slot)) } }
        let records = min(chunk, order.count)
        func newBatch() -> ProjectionWriteBatch {
            spares?.take() ?? ProjectionWriteBatch(records: records, inKeyOrder: true)
        }
        var batch = newBatch()
        var going = true
        entries.withUnsafeMutableBufferPointer { entries in
            func slot(_ value: UnsafeRawBufferPointer) -> Int { value.reduce(0) { $0 << 8 | Int($1) } }
            // In key order, the records lie anywhere in memory: each is asked
            // for some records ahead, then what it points to (its arrays), so
            // that encoding it and moving it out do not wait on memory.
            order.forEachSorted(ahead: Self.encodeAhead, upcoming: { _, value, far in
                let entry = entries.baseAddress! + slot(value)
                if far {
                    prefetchForWrite(entry, bytes: MemoryLayout<Entry>.stride)
                } else {
                    entry.pointee.record?.prefetchParts()
                }
            }) { key, value in
                guard going else { return }
                // Moved out (no copy of its strings and arrays): the cache is emptied next.
                guard let record = entries[slot(value)].record.take() else { return }
                batch.add(key: key) { record.encode(to: &$0) }
                if batch.count == chunk {
                    going = publish(batch)
                    batch = newBatch()
                }
            }
        }
        return going && (batch.count == 0 || publish(batch))
    }

    /// Records ahead of the one encoded whose parts a write-back asks for
    /// (and twice as far, their entries).
    static var encodeAhead: Int { 6 }

    /// Forgets every record, keeping the room they took; later misses read the store.
    private func empty() {
        table.removeAll()
        entries.removeAll(keepingCapacity: true)
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
    /// Entries held before the caches are written out and emptied, which bounds
    /// memory on long imports (about 400 bytes each, slots included).
    static let appendBound = 150_000
    /// The bound of a fold from scratch (a replay, a verification): every entry
    /// written back is read again the next time an event names it, so a replay
    /// gains from holding more (1 M events: 3.2 s → 2.7 s at 400,000), while an
    /// import, whose transaction also holds its dirty pages, only grows.
    static let rebuildBound = 400_000
    /// The bound while a write's read models are held in memory to its end
    /// (``HeldProjectionStore``): what a write-back emptied is found again
    /// there, not in LMDB, so the caches can hold less (1 M-event import:
    /// private memory 265 → 242 MiB, 11.0 → 11.3 s). Once the store has
    /// stopped holding (a larger write), ``appendBound`` applies again.
    static let heldBound = 100_000

    let store: any ProjectionStore
    /// Whether records missing from a cache may be in the store.
    private var load: Bool
    /// The caches of further kinds (``records(_:as:)``), by kind byte. Read at
    /// each look-up of such a kind, so without the runtime's exclusivity checks,
    /// as the fold's other per-event state below (none is changed from within
    /// a change of itself).
    @exclusivity(unchecked) private var caches = [(any EntityCache)?](repeating: nil, count: 256)
    /// Every cache, in kind order (the order their records sort in).
    private var created: [any EntityCache] = []
    private var applied = 0
    /// Entries held before a write-back (``appendBound`` or ``rebuildBound``).
    private let cacheBound: Int
    /// The store, when it holds the write-backs in memory (``heldBound`` applies
    /// while it does).
    private let held: HeldProjectionStore?
    /// The store, when it rebuilds its table in place (told when the last write-back begins).
    private let replacing: ReplacingProjectionStore?
    /// The keys the caches may have written, when the store held none as the
    /// fold began (from scratch, or a write into an empty table).
    private let written: KeyFilter?
    /// Each territory with its ancestors, once looked up (see `reachScopes`).
    @exclusivity(unchecked) var ancestry = IDMap<[String]>()
    /// Reach changes per company territory (the empty id: none) not yet rolled
    /// up into the reach records (see `settleReach`).
    @exclusivity(unchecked) var pendingReach = IDMap<ReachDelta>()

    // The kinds every fold touches, held directly (the hot path).
    let territories: RecordCache<TerritoryRecord>
    let networks: RecordCache<NetworkRecord>
    let programs: RecordCache<ProgramRecord>
    let cohorts: RecordCache<CohortRecord>
    let applications: RecordCache<ApplicationRecord>
    /// Cohort session ids in use.
    let sessions: RecordCache<MarkerRecord>
    let sites: RecordCache<SiteRecord>
    /// Participants per company territory.
    let participants: RecordCache<CountRecord>
    /// Per territory and program named by a launch or extension: the earliest day.
    let coverage: RecordCache<DayRecord>
    /// Per territory: the sites located there.
    let siteAt: RecordCache<MarkerRecord>

    /// The entities in `store`; `storeIsEmpty` (a fold from scratch) saves a
    /// lookup for every record and holds up to ``rebuildBound`` entries, else
    /// ``appendBound``; `cacheBound`, when given, replaces either. From
    /// scratch, or into a ``HeldProjectionStore`` (whose table was empty),
    /// a look-up reads the store only for a key the caches held before (``KeyFilter``).
    init(_ store: any ProjectionStore, storeIsEmpty: Bool, cacheBound: Int? = nil) {
        let load = !storeIsEmpty
        self.store = store
        held = store as? HeldProjectionStore
        replacing = store as? ReplacingProjectionStore
        self.load = load
        let bound = cacheBound ?? (storeIsEmpty ? Self.rebuildBound : Self.appendBound)
        self.cacheBound = bound
        let written = storeIsEmpty || held != nil ? KeyFilter() : nil
        self.written = written
        // Every cache alike, as `records(_:as:)` makes the further ones.
        func cache<Record>(_ kind: RecordKind) -> RecordCache<Record> {
            RecordCache(kind, store, load: load, bound: bound, written: written)
        }
        territories = cache(.territory)
        networks = cache(.network)
        programs = cache(.program)
        cohorts = cache(.cohort)
        applications = cache(.application)
        sessions = cache(.session)
        sites = cache(.site)
        participants = cache(.participants)
        coverage = cache(.coverage)
        siteAt = cache(.siteAt)
        let builtIn: [any EntityCache] = [territories, networks, programs, cohorts, applications, sessions, sites,
                                          participants, coverage, siteAt]
        for cache in builtIn { register(cache) }
    }

    private func register(_ cache: any EntityCache) {
        precondition(caches[Int(cache.kind.rawValue)] == nil, "record kind \(cache.kind.rawValue) is used twice")
        caches[Int(cache.kind.rawValue)] = cache
        created.insert(cache, at: created.firstIndex { $0.kind.rawValue > cache.kind.rawValue } ?? created.endIndex)
    }

    /// The records of a further `kind`, its cache created on first use. A new
    /// kind of entity declares its accessor next to its record type, without
    /// editing this file:
    /// `extension Entities { var members: RecordCache<MemberRecord> { records(.member) } }`.
    func records<Record: StoredRecord>(_ kind: RecordKind, as _: Record.Type = Record.self) -> RecordCache<Record> {
        if let cache = caches[Int(kind.rawValue)] {
            assert(cache is RecordCache<Record>, "record kind \(kind.rawValue) is used with two record types")
            return unsafeDowncast(cache, to: RecordCache<Record>.self)
        }
        let cache = RecordCache<Record>(kind, store, load: load, bound: cacheBound, written: written)
        register(cache)
        return cache
    }

    /// Folds one event (without its personal data) into the records.
    func apply(_ recorded: borrowing RecordedEvent) throws {
        try recorded.event.apply(to: self, EventContext(position: recorded.position, occurredAt: recorded.occurredAt))
        applied += 1
        if applied % 4096 == 0 && cached > (held?.isHolding == true ? min(cacheBound, Self.heldBound) : cacheBound) {
            try writeBack()
        }
    }

    /// No read model reads an event's metadata.
    var readsMetadata: Bool { false }

    /// Asks the processor to load, ahead of the fold, the buckets of the
    /// look-ups of the events `stride` to `2 × stride` after `index` in
    /// `lookups`, and the entries of those up to `stride` after it (whose
    /// buckets were asked for before). Called every `stride` events, so that
    /// the call's own cost is shared.
    func prefetch(_ lookups: FoldLookups, at index: Int, stride: Int) {
        // Each cache called as its own type: through `EntityCache`, the calls
        // would run unspecialised and cost more than they save.
        let (applications, companies, mentorships) = (applications, companies, mentorships)
        func prefetch(_ events: Range<Int>, entries: Bool) {
            lookups.forEach(in: events) { kind, hash in
                switch kind {
                case .application: applications.prefetch(hash: hash, entry: entries)
                case .company: companies.prefetch(hash: hash, entry: entries)
                case .mentorship: mentorships.prefetch(hash: hash, entry: entries)
                default: break
                }
            }
        }
        prefetch(index + stride ..< index + 2 * stride, entries: false)
        prefetch(index ..< index + stride, entries: true)
    }

    private var cached: Int { created.reduce(0) { $0 + $1.count } }

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

    /// Writes every changed record to the store and empties the caches; a
    /// store that held the write-backs (``HeldProjectionStore``) writes them too.
    func finish() throws {
        replacing?.lastPassBegins()
        try writeBack()
        try held?.flush()
    }

    /// Writes every changed record to the store and empties the caches.
    ///
    /// A large write-back (the largest single cost of a replay) sorts, encodes
    /// and frees the records on two more threads while this one writes the
    /// batches ready: only this thread may use the transaction, and encoding
    /// takes longer than writing. The caches are split, in kind order, into
    /// two runs of about as many records; the first run's batches are written
    /// as they come, while the second's are encoded ahead (three at most, so
    /// memory stays bounded). Batches come in key order, caches in kind
    /// order, so into an empty table every record is an append. A store that
    /// takes batches in any order (``BatchWritingStore/takesBatchesInAnyOrder``)
    /// gets both runs' batches as they come, five at most waiting.
    private func writeBack() throws {
        try settleReach()
        let total = cached
        let concurrent = total >= Self.concurrentWriteBack
        // Where the records before are closest to half of them.
        var split = created.count
        if concurrent {
            var before = 0, best = Int.max
            for (index, cache) in created.enumerated() {
                if abs(2 * before - total) < best { (split, best) = (index, abs(2 * before - total)) }
                before += cache.count
            }
        }
        let spares = SpareBatches()
        func encoding(_ caches: ArraySlice<any EntityCache>) -> ChunkPipe<ProjectionWriteBatch>.Producer {
            { publish in
                var going = true
                for cache in caches where going { going = cache.writeBack(chunk: Self.writeBackChunk, spares: spares, publish) }
            }
        }
        let pipes: [ChunkPipe<ProjectionWriteBatch>]
        if (store as? any BatchWritingStore)?.takesBatchesInAnyOrder == true {
            // Both runs' batches written as they come: neither waits for the other.
            pipes = [ChunkPipe(waiting: 5, onThreadsOfTheirOwn: concurrent,
                               producers: [encoding(created[..<split]), encoding(created[split...])])]
        } else {
            pipes = [ChunkPipe(waiting: 2, onSecondThread: concurrent, encoding(created[..<split])),
                     ChunkPipe(waiting: 3, onSecondThread: split < created.count, encoding(created[split...]))]
        }
        defer { for pipe in pipes { pipe.stop() } }
        for pipe in pipes {
            while var batch = pipe.next() {
                try store.write(batch)
                batch.removeAll()
                spares.give(batch)
            }
        }
        load = true
    }

    /// Entries held from which a write-back is worth a second thread.
    static let concurrentWriteBack = 16_384
    /// Records to a batch of a write-back: what the store writes between two
    /// releases of the mapped pages (``LMDBProjectionStore/releaseEvery``).
    static let writeBackChunk = LMDBProjectionStore.releaseEvery
}
