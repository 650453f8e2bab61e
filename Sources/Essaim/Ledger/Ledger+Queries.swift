// The read models as the library answers them (`projections.md`): each query
// reads one state of the ledger (``ReadModels``): the persisted read models, or,
// with time bounds, a fold of the events within them.

extension Ledger {
    /// The roster of `cohort`; throws `.unknownID` for a cohort the ledger does not know
    /// (within the bounds).
    public func roster(cohort: String, bounds: TimeBounds = .none) throws -> Roster {
        try withReadModels(bounds) { try $0.roster(cohort: cohort) }
    }

    /// Growth metrics of a scope's participants; throws `.unknownID` for an unknown scope id.
    public func growth(_ scope: GrowthReport.Scope, milestone: String = "company-created",
                       bounds: TimeBounds = .none) throws -> GrowthReport {
        try withReadModels(bounds) { try $0.growth(scope, milestone: milestone) }
    }

    /// Every territory with activity, or `code` and its descendants (activity or not);
    /// throws `.unknownID` for an unknown code.
    public func territoryExpansion(code: String? = nil, bounds: TimeBounds = .none) throws -> TerritoryExpansion {
        try withReadModels(bounds) { try $0.territoryExpansion(code: code) }
    }

    /// The expansion timeline, for everything or filtered to a network or a program;
    /// throws `.unknownID` for an unknown network or program.
    public func expansionTimeline(_ filter: ExpansionTimeline.Filter = .all, bounds: TimeBounds = .none) throws -> ExpansionTimeline {
        try withReadModels(bounds) { try $0.expansionTimeline(filter) }
    }

    /// A network's members; throws `.unknownID` for an unknown network.
    public func members(network: String, bounds: TimeBounds = .none) throws -> MemberList {
        try withReadModels(bounds) { try $0.members(network: network) }
    }

    /// The unduplicated reach of the networks, over companies located in
    /// `territory` or below it (every company when `nil`); throws `.unknownID`
    /// for an unknown territory.
    public func reach(territory: String? = nil, bounds: TimeBounds = .none) throws -> Reach {
        try withReadModels(bounds) { try $0.reach(territory: territory) }
    }

    /// A network's peer mentoring; throws `.unknownID` for an unknown network.
    public func mentoring(network: String, bounds: TimeBounds = .none) throws -> Mentoring {
        try withReadModels(bounds) { try $0.mentoring(network: network) }
    }

    /// Shared positions, every one or those of `network`; throws `.unknownID`
    /// for an unknown network.
    public func sharedPositions(network: String? = nil, bounds: TimeBounds = .none) throws -> SharedPositions {
        try withReadModels(bounds) { try $0.sharedPositions(network: network) }
    }

    /// The survival of the scope's supported companies at 1, 3 and 5 years (or
    /// `years`), counted against the `asOf` day of `bounds`, else today (UTC);
    /// throws `.unknownID` for an unknown scope id.
    public func survival(_ scope: GrowthReport.Scope, years: [Int] = [1, 3, 5], bounds: TimeBounds = .none) throws -> Survival {
        try withReadModels(bounds) { try $0.survival(scope, years: years) }
    }

    /// The ids of the networks, in id order.
    public func networkIDs(bounds: TimeBounds = .none) throws -> [String] {
        try withReadModels(bounds) { try $0.networkIDs() }
    }

    /// The programs `network` runs, in launch order; throws `.unknownID` for an unknown network.
    public func programs(network: String, bounds: TimeBounds = .none) throws -> [String] {
        try withReadModels(bounds) { try $0.programs(network: network) }
    }

    /// The cohorts of `program`, in opening order; throws `.unknownID` for an unknown program.
    public func cohorts(program: String, bounds: TimeBounds = .none) throws -> [String] {
        try withReadModels(bounds) { try $0.cohorts(program: program) }
    }

    // MARK: Read models and projections

    /// Runs `body` on one state of the built-in read models: the persisted ones
    /// when `bounds` is unbounded (no refold), else a fold of the admitted events
    /// in memory. Every query `body` asks answers from that same state (what a
    /// report needs), whatever other writers append meanwhile.
    public func withReadModels<T>(_ bounds: TimeBounds = .none, _ body: (ReadModels) throws -> T) throws -> T {
        try read { txn in
            let log = log(txn)
            if bounds.isUnbounded {
                let store = projections.store(for: ReadModelsProjection(), txn)
                return try body(ReadModels(records: ReadModelRecords(store: store), digest: try log.digest(at: log.head()), bounds: bounds))
            }
            let memory = MemoryProjectionStore()
            let fold = Entities(memory, storeIsEmpty: true)
            var position: UInt64 = 0
            try log.forEachStored(from: 1, through: bounds.atPosition ?? .max) { stored, bytes in
                let event = try RecordedEvent(stored: bytes, position: stored)
                if bounds.admitsRecord(event) {
                    position = stored
                    if bounds.admits(event) { try fold.apply(event) }
                }
                return true
            }
            try fold.finish()
            return try body(ReadModels(records: ReadModelRecords(store: memory), digest: try log.digest(at: position), bounds: bounds))
        }
    }

    /// Runs `body` on a projection's persisted read model (for an embedding app's own projections).
    public func readProjection<T>(named name: String, _ body: (any ProjectionStore) throws -> T) throws -> T {
        guard let projection = projections.all.first(where: { $0.name == name }) else {
            throw LedgerError(.unknownID, "no projection named \(name) is registered")
        }
        return try read { txn in try body(projections.store(for: projection, txn)) }
    }

    /// Rebuilds read models from position 1: all of them, or only the projection
    /// named `name`. Returns the number of events folded.
    ///
    /// The built-in read models are rebuilt over their table: each record the
    /// fold writes is compared with the stored one and written only where
    /// they differ, and stored keys the fold no longer writes are removed, so
    /// a replay of read models that were right changes no page and leaves the
    /// ledger's size as it was. Other projections, any whose schema version
    /// changed, and read models of more than a million records (whose keys
    /// would take too much memory to keep) are rebuilt into their table
    /// emptied first.
    @discardableResult
    public func replay(projection name: String? = nil, progress: ((UInt64) -> Void)? = nil) throws -> UInt64 {
        let chosen = try name.map { name in
            guard let projection = projections.all.first(where: { $0.name == name }) else {
                throw LedgerError(.unknownID, "no projection named \(name); known: \(projections.all.map(\.name).joined(separator: ", "))")
            }
            return [projection]
        } ?? projections.all
        // The new read models are written before the old pages are free (at the
        // commit): room for a second copy, so a full map does not run it all twice.
        if !environment.isReadOnly { try storage { try environment.reserve(bytes: environment.usedBytes) } }
        return try write { txn in
            let log = log(txn)
            let head = try log.head()
            // Nothing in this transaction changes the log: a read snapshot on a
            // second thread sees the same events, and decodes them meanwhile.
            try projections.rebuild(chosen, log: log, fromScratch: true, txn, progress: progress) { first, metadata in
                self.decodedEvents(from: first, through: head, metadata: metadata)
            }
            return head
        }
    }

    /// The stored events from `first` through `last`, decoded (without personal
    /// data, and without their metadata unless `metadata`) on a second thread
    /// in a read transaction of its own, a chunk at a time. The committed log
    /// must hold them: a replay, whose transaction writes only read models,
    /// folds them while the next chunk decodes.
    ///
    /// The fold lends each run's events (``MoveOutRun/lendEach(_:)``), and the
    /// runs are freed on this thread, where they were allocated
    /// (`freedByProducer`): freeing another thread's blocks took about 5 % of
    /// the folding thread's time.
    func decodedEvents(from first: UInt64, through last: UInt64, metadata: Bool = true) -> ChunkPipe<DecodedEvents> {
        ChunkPipe(waiting: 4, freedByProducer: true) { [self] publish in
            do {
                try storage {
                    try environment.read(adoptingResize: false) { txn in
                        let log = log(txn)
                        guard try log.head() >= last else {
                            throw LedgerError(.storage, "the log changed under a replay (head \(try log.head()), expected \(last))")
                        }
                        let room = RunRoom<RecordedEvent>(capacity: 4_096)
                        var run = EventRun(room: room), lookups = FoldLookups(capacity: 4_096)
                        var going = true
                        try log.forEachStored(from: first, through: last) { position, bytes in
                            let event = try RecordedEvent(stored: bytes, position: position, withMetadata: metadata)
                            lookups.add(event.event)
                            run.append(event)
                            if run.isFull {
                                going = publish(.success((run, lookups)))
                                run = EventRun(room: room)
                                lookups = FoldLookups(capacity: 4_096)
                            }
                            return going
                        }
                        if going && run.count > 0 { _ = publish(.success((run, lookups))) }
                    }
                }
            } catch {
                _ = publish(.failure(error))
            }
        }
    }

    /// Names of the projections this ledger keeps (built-in first).
    public var projectionNames: [String] { projections.all.map(\.name) }
}
