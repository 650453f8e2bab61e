/// The two optional time bounds of a query (bitemporal).
public struct TimeBounds: Sendable, Equatable {
    /// Business time: only events whose `occurredAt` is before the end of this day (UTC).
    public var asOf: CivilDate?
    /// System time: only events at positions ≤ this, what the ledger said after its N-th event.
    public var atPosition: UInt64?

    /// Bounds; both `nil` means everything.
    public init(asOf: CivilDate? = nil, atPosition: UInt64? = nil) {
        self.asOf = asOf
        self.atPosition = atPosition
    }

    /// No bound: the persisted read models answer.
    public static let none = TimeBounds()

    var isUnbounded: Bool { asOf == nil && atPosition == nil }

    func admits(_ event: RecordedEvent) -> Bool {
        if let atPosition, event.position > atPosition { return false }
        if let asOf, event.occurredAt.instant >= CivilDate(daysSinceEpoch: asOf.daysSinceEpoch + 1).startInstant { return false }
        return true
    }
}

extension Ledger {
    /// Runs `body` on the built-in read models: the persisted ones when `bounds`
    /// is unbounded (no refold), else a fold of the admitted events in memory.
    func withReadModels<T>(_ bounds: TimeBounds, _ body: (ReadModelRecords) throws -> T) throws -> T {
        try read { txn in
            if bounds.isUnbounded {
                let store = projections.store(for: ReadModelsProjection(), txn)
                return try body(ReadModelRecords(store: store))
            }
            let memory = MemoryProjectionStore()
            let fold = ReadModelFold(memory, storeIsEmpty: true)
            try store.forEachRaw(from: 1, through: bounds.atPosition ?? .max, txn) { position, bytes in
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
            try projections.rebuild(chosen, store: store, fromScratch: true, txn, progress: progress)
            return try store.head(txn)
        }
    }

    /// Names of the projections this ledger keeps (built-in first).
    public var projectionNames: [String] { projections.all.map(\.name) }
}
