/// A fold of the event log into a read model.
///
/// The ledger calls ``apply(_:to:)`` for every appended event, inside the append's
/// write transaction, so no reader ever sees events without their read models.
/// Each projection keeps a checkpoint (last position folded) and its
/// ``schemaVersion``; when the version changes, the ledger rebuilds the read model
/// from position 1 the next time it is opened for writing.
///
/// An embedding app registers its own projections in ``LedgerConfiguration/projections``
/// and reads them with ``Ledger/readProjection(named:_:)``.
public protocol Projection: Sendable {
    /// A unique, stable name (no NUL character), e.g. `"minutes-per-facilitator"`.
    var name: String { get }
    /// Bump it whenever the read model's layout or meaning changes.
    var schemaVersion: Int { get }
    /// Folds one event (in position order) into the read model.
    func apply(_ event: RecordedEvent, to store: any ProjectionStore) throws
}

/// Folds a run of events into one store; ``finish()`` writes what it holds back.
protocol EventFolder: AnyObject {
    func apply(_ event: borrowing RecordedEvent) throws
    func finish() throws
    /// Called every `stride` events of a decoded run, before the event at
    /// `index` is applied, with the look-ups of the run's events: a folder may
    /// have what the next ones read loaded ahead (``Entities`` does).
    func prefetch(_ lookups: FoldLookups, at index: Int, stride: Int)
    /// Whether the folder reads the events' metadata; a fold whose folders do
    /// not has the events decoded without it.
    var readsMetadata: Bool { get }
}

extension EventFolder {
    func prefetch(_ lookups: FoldLookups, at index: Int, stride: Int) {}
    var readsMetadata: Bool { true }
}

/// A projection that folds runs of events through a cache of its own (the
/// built-in read models) rather than one ``Projection/apply(_:to:)`` per event.
protocol CachingProjection: Projection {
    func folder(_ store: any ProjectionStore, storeIsEmpty: Bool) -> any EventFolder
}

/// The folder of an ordinary projection: each event goes straight to the store.
final class DirectFolder: EventFolder {
    let projection: any Projection
    let store: any ProjectionStore

    init(_ projection: any Projection, _ store: any ProjectionStore) {
        self.projection = projection
        self.store = store
    }

    func apply(_ event: borrowing RecordedEvent) throws { try projection.apply(copy event, to: store) }

    func finish() throws {}
}

/// The folder for `projection` over `store`.
func makeFolder(_ projection: any Projection, _ store: any ProjectionStore, storeIsEmpty: Bool) -> any EventFolder {
    if let caching = projection as? any CachingProjection { return caching.folder(store, storeIsEmpty: storeIsEmpty) }
    return DirectFolder(projection, store)
}

/// A projection's bookkeeping in the `checkpoints` table: name → u32 version, u64 checkpoint.
struct ProjectionCheckpoint: Equatable {
    var schemaVersion: Int
    var position: UInt64

    static func key(_ name: String) -> [UInt8] { Array(name.utf8) }

    static func read(_ name: String, table: Database, txn: Transaction) throws -> ProjectionCheckpoint? {
        try txn.withValue(table, key(name)) { bytes in
            guard let bytes, bytes.count == 12 else { return nil }
            var r = ByteReader(bytes)
            return ProjectionCheckpoint(schemaVersion: Int(try r.u32()), position: try r.u64())
        }
    }

    func write(_ name: String, table: Database, txn: Transaction) throws {
        var w = ByteWriter(capacity: 12)
        w.u32(UInt32(schemaVersion))
        w.u64(position)
        try txn.put(table, Self.key(name), w.bytes)
    }
}

/// The projections of one ledger: each keeps its read model in a table of its
/// own (`projection:` + name), and its checkpoint in `checkpoints`.
struct ProjectionSet: Sendable {
    let all: [any Projection]
    /// The read-model table of each projection, in the order of ``all``.
    let tables: [Database]
    let table: Database

    /// The table name of a projection's read model.
    static func tableName(_ name: String) -> String { "projection:" + name }

    /// Opens the tables of `all` (creating them when `create`). Throws
    /// `.staleReadModels` when a table is missing and cannot be created.
    static func open(_ all: [any Projection], create: Bool, _ txn: Transaction, path: String) throws -> ProjectionSet {
        var tables: [Database] = []
        for projection in all { tables.append(try openTable(tableName(projection.name), create: create, txn, path: path)) }
        return ProjectionSet(all: all, tables: tables, table: try openTable("checkpoints", create: create, txn, path: path))
    }

    private static func openTable(_ name: String, create: Bool, _ txn: Transaction, path: String) throws -> Database {
        let result = Result { () throws(LMDBError) -> Database in try txn.open(name, create: create) }
        if case let .failure(error) = result, error.code == .notFound {
            throw LedgerError(.staleReadModels, "the read models of \(path) were never built; run `essaim replay`")
        }
        return try result.get()
    }

    func store(for projection: any Projection, _ txn: Transaction) -> LMDBProjectionStore {
        let index = all.firstIndex { $0.name == projection.name }!
        return LMDBProjectionStore(table: tables[index], txn: txn)
    }

    /// One folder per projection, for the events appended in `txn`; the first,
    /// the built-in read models, is also the entities the refusal rules read.
    /// Into an empty read-model table (a new ledger's first write), their
    /// records are held until the folders finish (``HeldProjectionStore``).
    func folders(_ txn: Transaction) -> (entities: Entities, all: [any EventFolder]) {
        let readModels = store(for: all[0], txn)
        // A table that cannot be sized is written as any other.
        let empty = (try? txn.count(readModels.table)) == 0
        let entities = Entities(empty ? HeldProjectionStore(readModels) : readModels, storeIsEmpty: false)
        return (entities, [entities] + all.dropFirst().map { makeFolder($0, store(for: $0, txn), storeIsEmpty: false) })
    }

    /// Records that every projection has folded through `position`.
    func checkpoint(_ position: UInt64, _ txn: Transaction) throws {
        for projection in all {
            try ProjectionCheckpoint(schemaVersion: projection.schemaVersion, position: position)
                .write(projection.name, table: table, txn: txn)
        }
    }

    /// The projections whose read model is missing, of another schema version, or behind `head`.
    func stale(head: UInt64, _ txn: Transaction) throws -> [any Projection] {
        try all.filter { projection in
            let checkpoint = try ProjectionCheckpoint.read(projection.name, table: table, txn: txn)
            return checkpoint != ProjectionCheckpoint(schemaVersion: projection.schemaVersion, position: head)
        }
    }

    /// Rebuilds `projections` from position 1 (or, not `fromScratch`, catches
    /// up from their checkpoint when their schema is unchanged), in the given
    /// write transaction. From scratch with an unchanged schema, the built-in
    /// read models are rebuilt over their table (``ReplacingProjectionStore``)
    /// when it holds at most `replacingUpTo` keys, else into it emptied.
    /// `decoded`, given the first position to fold and whether any folder
    /// reads the events' metadata, may hand the events over already decoded
    /// (on a second thread, ``Ledger/decodedEvents(from:through:metadata:)``):
    /// only when `log` holds nothing this transaction wrote.
    func rebuild(_ projections: [any Projection], log: some EventLogReader, fromScratch: Bool, _ txn: Transaction,
                 replacingUpTo: Int = ReplacingProjectionStore.maxKeys,
                 progress: ((UInt64) -> Void)? = nil,
                 decoded: ((_ first: UInt64, _ metadata: Bool) -> ChunkPipe<DecodedEvents>)? = nil) throws {
        // Its scan and its write-backs release the map's pages as they go; so does its commit.
        txn.releaseMappedPagesAtCommit()
        var runs: [(start: UInt64, folder: any EventFolder)] = []
        var rebuilt: [(projection: any Projection, store: ReplacingProjectionStore)] = []
        for projection in projections {
            let checkpoint = try ProjectionCheckpoint.read(projection.name, table: table, txn: txn)
            let target = store(for: projection, txn)
            let stored = try txn.count(target.table)
            if fromScratch && checkpoint?.schemaVersion == projection.schemaVersion && projection is any CachingProjection
                && stored <= replacingUpTo {
                // The same layout: rebuilt over the table, whose records the
                // fold mostly finds equal and leaves as they are; room for as
                // many keys as the table holds, up to what the caches hold.
                let replacing = ReplacingProjectionStore(target, keys: min(Entities.rebuildBound, stored))
                rebuilt.append((projection, replacing))
                runs.append((1, makeFolder(projection, replacing, storeIsEmpty: true)))
            } else if fromScratch || checkpoint?.schemaVersion != projection.schemaVersion {
                try target.clear()
                runs.append((1, makeFolder(projection, target, storeIsEmpty: true)))
            } else {
                runs.append(((checkpoint?.position ?? 0) + 1, makeFolder(projection, target, storeIsEmpty: false)))
            }
        }
        try fold(runs, log: log, progress: progress, decoded: decoded)
        // The folders and their caches' room (about 100 MiB at 1 M events)
        // freed before the tables are finished and the write commits.
        runs = []
        // A table that held keys the fold did not write is emptied and folded into again.
        var again: [(start: UInt64, folder: any EventFolder)] = []
        for (projection, replacing) in rebuilt where try !replacing.finish() {
            try replacing.base.clear()
            again.append((1, makeFolder(projection, replacing.base, storeIsEmpty: true)))
        }
        if !again.isEmpty { try fold(again, log: log, progress: progress, decoded: decoded) }
        let head = try log.head()
        for projection in projections {
            try ProjectionCheckpoint(schemaVersion: projection.schemaVersion, position: head)
                .write(projection.name, table: table, txn: txn)
        }
    }

    /// Folds the log into each run's folder from its start, and finishes them.
    private func fold(_ runs: [(start: UInt64, folder: any EventFolder)], log: some EventLogReader,
                      progress: ((UInt64) -> Void)?, decoded: ((UInt64, Bool) -> ChunkPipe<DecodedEvents>)?) throws {
        let first = runs.map(\.start).min() ?? 1
        let metadata = runs.contains { $0.folder.readsMetadata }
        func fold(_ event: borrowing RecordedEvent) throws {
            for run in runs where event.position >= run.start { try run.folder.apply(event) }
            if event.position % 65_536 == 0 { progress?(event.position) }
        }
        if let pipe = decoded?(first, metadata) {
            defer { pipe.stop() }
            while let chunk = pipe.next() {
                let (events, lookups) = try chunk.get()
                var index = 0
                try events.lendEach { event in
                    if index % FoldLookups.stride == 0 {
                        for run in runs { run.folder.prefetch(lookups, at: index, stride: FoldLookups.stride) }
                    }
                    index += 1
                    try fold(event)
                }
            }
        } else {
            try log.forEachStored(from: first, through: .max) { position, bytes in
                try fold(RecordedEvent(stored: bytes, position: position, withMetadata: metadata))
                return true
            }
        }
        for run in runs { try run.folder.finish() }
    }
}
