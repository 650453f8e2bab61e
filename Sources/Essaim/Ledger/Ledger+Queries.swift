// The read models as the library answers them (`projections.md`): each query
// reads the persisted read models, or, with time bounds, a fold of the events
// within them, and builds its read-model type from the records.

extension Ledger {
    /// The roster of `cohort`; throws `.unknownID` for a cohort the ledger does not know
    /// (within the bounds).
    public func roster(cohort: String, bounds: TimeBounds = .none) throws -> Roster {
        try withReadModels(bounds) { records in try Roster(cohort: cohort, records) }
    }

    /// Growth metrics of a scope's participants; throws `.unknownID` for an unknown scope id.
    public func growth(_ scope: GrowthReport.Scope, milestone: String = "company-created",
                       bounds: TimeBounds = .none) throws -> GrowthReport {
        try withReadModels(bounds) { records in try GrowthReport(scope, milestone: milestone, records) }
    }

    /// Every territory with activity, or `code` and its descendants (activity or not);
    /// throws `.unknownID` for an unknown code.
    public func territoryExpansion(code: String? = nil, bounds: TimeBounds = .none) throws -> TerritoryExpansion {
        try withReadModels(bounds) { records in try TerritoryExpansion(code: code, records) }
    }

    /// The expansion timeline, for everything or filtered to a network or a program;
    /// throws `.unknownID` for an unknown network or program.
    public func expansionTimeline(_ filter: ExpansionTimeline.Filter = .all, bounds: TimeBounds = .none) throws -> ExpansionTimeline {
        try withReadModels(bounds) { records in try ExpansionTimeline(filter, records) }
    }

    /// A network's members; throws `.unknownID` for an unknown network.
    public func members(network: String, bounds: TimeBounds = .none) throws -> MemberList {
        try withReadModels(bounds) { records in try MemberList(network: network, records) }
    }

    /// The unduplicated reach of the networks, over companies located in
    /// `territory` or below it (every company when `nil`); throws `.unknownID`
    /// for an unknown territory.
    public func reach(territory: String? = nil, bounds: TimeBounds = .none) throws -> Reach {
        try withReadModels(bounds) { records in try Reach(territory: territory, records) }
    }

    /// A network's peer mentoring; throws `.unknownID` for an unknown network.
    public func mentoring(network: String, bounds: TimeBounds = .none) throws -> Mentoring {
        try withReadModels(bounds) { records in try Mentoring(network: network, records) }
    }

    /// Shared positions, every one or those of `network`; throws `.unknownID`
    /// for an unknown network.
    public func sharedPositions(network: String? = nil, bounds: TimeBounds = .none) throws -> SharedPositions {
        try withReadModels(bounds) { records in try SharedPositions(network: network, records) }
    }

    /// The survival of the scope's supported companies at 1, 3 and 5 years (or
    /// `years`), counted against the `asOf` day of `bounds`, else today (UTC);
    /// throws `.unknownID` for an unknown scope id.
    public func survival(_ scope: GrowthReport.Scope, years: [Int] = [1, 3, 5], bounds: TimeBounds = .none) throws -> Survival {
        let referenceDay = bounds.asOf ?? Instant.now().utcDate
        return try withReadModels(bounds) { records in try Survival(scope, years: years, referenceDay: referenceDay, records) }
    }

    // MARK: Read models and projections

    /// Runs `body` on the built-in read models: the persisted ones when `bounds`
    /// is unbounded (no refold), else a fold of the admitted events in memory.
    func withReadModels<T>(_ bounds: TimeBounds, _ body: (ReadModelRecords) throws -> T) throws -> T {
        try read { txn in
            if bounds.isUnbounded {
                let store = projections.store(for: ReadModelsProjection(), txn)
                return try body(ReadModelRecords(store: store))
            }
            let memory = MemoryProjectionStore()
            let fold = Entities(memory, storeIsEmpty: true)
            try log(txn).forEachStored(from: 1, through: bounds.atPosition ?? .max) { position, bytes in
                let event = try RecordedEvent(stored: bytes, position: position)
                if bounds.admits(event) { try fold.apply(event) }
                return true
            }
            try fold.finish()
            return try body(ReadModelRecords(store: memory))
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
    @discardableResult
    public func replay(projection name: String? = nil, progress: ((UInt64) -> Void)? = nil) throws -> UInt64 {
        let chosen = try name.map { name in
            guard let projection = projections.all.first(where: { $0.name == name }) else {
                throw LedgerError(.unknownID, "no projection named \(name); known: \(projections.all.map(\.name).joined(separator: ", "))")
            }
            return [projection]
        } ?? projections.all
        return try write { txn in
            let log = log(txn)
            try projections.rebuild(chosen, log: log, fromScratch: true, txn, progress: progress)
            return try log.head()
        }
    }

    /// Names of the projections this ledger keeps (built-in first).
    public var projectionNames: [String] { projections.all.map(\.name) }
}
