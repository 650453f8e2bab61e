import Logging

#if canImport(Glibc)
import Glibc
#endif

/// How to open a ledger. Every field has a default that suits the CLI.
public struct LedgerConfiguration: Sendable {
    /// Open without write access (queries, export). Appends then fail with `.readOnly`.
    public var readOnly: Bool
    /// Memory-map size to start with; the map grows by doubling when a write fills it.
    public var initialMapSize: Int
    /// The map never grows past this size; a write that needs more fails.
    public var maximumMapSize: Int
    /// `true` (the default) makes every commit durable (fsync) before it returns.
    public var durable: Bool
    /// Where the library logs; by default nowhere.
    public var logger: Logger
    /// The embedding app's own projections, kept up to date with every append
    /// next to the built-in read models.
    public var projections: [any Projection]

    /// A configuration; the defaults give a durable, writable ledger with a 64 MiB initial map.
    public init(readOnly: Bool = false, initialMapSize: Int = 64 << 20, maximumMapSize: Int = 1 << 40,
                durable: Bool = true, logger: Logger = Logger(label: "essaim", factory: { _ in SwiftLogNoOpLogHandler() }),
                projections: [any Projection] = []) {
        self.readOnly = readOnly
        self.initialMapSize = initialMapSize
        self.maximumMapSize = maximumMapSize
        self.durable = durable
        self.logger = logger
        self.projections = projections
    }
}

/// What an append or import did.
public struct AppendReport: Sendable, Equatable {
    /// Events stored.
    public var appended = 0
    /// Events skipped because the same id was already stored with the same content.
    public var duplicates = 0
    /// Of those, events whose stored personal data was erased since: skipped, so
    /// that an export taken before an erasure does not bring the person back.
    public var erasedDuplicates = 0
    /// Position of the first event stored, when any was.
    public var firstPosition: UInt64?
    /// Position of the last event stored, when any was.
    public var lastPosition: UInt64?

    /// An empty report.
    public init() {}
}

/// What ``Ledger/forget(application:reason:)`` did.
public enum ErasureOutcome: Sendable, Equatable {
    /// The key was destroyed and the erasure recorded at this position.
    case erased(position: UInt64)
    /// It was erased before; nothing changed.
    case alreadyErased
}

/// Progress of a long import, reported every few thousand lines.
public struct ImportProgress: Sendable {
    /// Lines read so far.
    public var lines: Int
    /// Bytes read so far.
    public var bytes: Int
    /// Total bytes of all inputs, when known.
    public var totalBytes: Int?
}

/// An Essaim ledger: an append-only log of business-support events in an LMDB
/// environment, checked against the catalogue's refusal rules as it grows.
///
/// A `Ledger` is safe to share between threads: reads run concurrently, writes
/// are serialized by LMDB (also across processes).
public final class Ledger: Sendable {
    /// The ledger's directory.
    public let path: String
    let environment: Environment
    let store: EventStore
    let catalogueTable: Database
    let projections: ProjectionSet
    let personalKeys: PersonalKeyStore
    let logger: Logger

    private init(path: String, environment: Environment, store: EventStore, catalogue: Database,
                 projections: ProjectionSet, personalKeys: PersonalKeyStore, logger: Logger) {
        self.path = path
        self.environment = environment
        self.store = store
        self.catalogueTable = catalogue
        self.projections = projections
        self.personalKeys = personalKeys
        self.logger = logger
    }

    /// Creates an empty ledger: the directory (mode 0700, created when missing) and
    /// its files (mode 0600). Throws `.alreadyExists` when a ledger is there already.
    public static func create(at path: String, configuration: LedgerConfiguration = .init()) throws -> Ledger {
        if access(path + "/data.mdb", F_OK) == 0 {
            throw LedgerError(.alreadyExists, "a ledger already exists at \(path)")
        }
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw LedgerError(errno == ENOENT ? .missing : .unavailable,
                              "cannot create ledger directory \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw LedgerError(.foreign, "\(path) exists and is not a directory")
        }
        chmod(path, 0o700)
        return try open(at: path, configuration: configuration, create: true)
    }

    /// Opens an existing ledger. Throws a ``LedgerError`` whose ``LedgerError/isOpenFailure``
    /// is true when there is no ledger, a foreign or newer one, or it cannot be reached.
    public static func open(at path: String, configuration: LedgerConfiguration = .init()) throws -> Ledger {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw LedgerError(.missing, "no ledger at \(path) (create one with `essaim init`)")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw LedgerError(.foreign, "\(path) is not a ledger directory") }
        var data = stat()
        guard stat(path + "/data.mdb", &data) == 0 else {
            throw LedgerError(.missing, "no ledger at \(path) (create one with `essaim init`)")
        }
        // LMDB would take an empty file for a new environment and write one.
        guard data.st_size > 0 else {
            throw LedgerError(.corrupt, "the data file of \(path) is empty; restore it from a backup or an export")
        }
        return try open(at: path, configuration: configuration, create: false)
    }

    private static func open(at path: String, configuration: LedgerConfiguration, create: Bool) throws -> Ledger {
        var options = Environment.Options()
        options.readOnly = configuration.readOnly && !create
        options.initialMapSize = configuration.initialMapSize
        options.maximumMapSize = configuration.maximumMapSize
        options.durable = configuration.durable
        do {
            let environment = try Environment(path: path, options: options)
            // A data file shorter than its own meta page says would fault when a
            // missing page is read: refuse it up front.
            if let shortfall = environment.missingBytes {
                throw LedgerError(.corrupt, "the data file of \(path) is truncated (\(shortfall) bytes missing); restore it from a backup or an export")
            }
            let builtIn: [any Projection] = [ReadModelsProjection()]
            let all = builtIn + configuration.projections
            if Set(all.map(\.name)).count != all.count || all.contains(where: { $0.name.isEmpty || $0.name.utf8.contains(0) }) {
                throw LedgerError(.unavailable, "projection names must be unique, non-empty and without NUL")
            }
            if all.count > Int(options.maxDatabases) - 8 {
                throw LedgerError(.unavailable, "at most \(options.maxDatabases - 8) projections fit in a ledger")
            }
            let open = { (txn: Transaction) throws -> (EventStore, Database, ProjectionSet, PersonalKeyStore) in
                let personalKeys = try PersonalKeyStore(directory: path, writable: !options.readOnly, txn)
                let store = try EventStore.open(in: txn, create: create) { try $0.resealed(keys: personalKeys.keys(txn)) }
                try personalKeys.sync()
                let catalogue = try txn.open("catalogue", create: create)
                if store.upgraded {
                    // The catalogue's encoding changed with format 2: admit the log again.
                    try txn.drop(catalogue)
                    let rules = Catalogue(table: catalogue, txn: txn)
                    try store.forEachRaw(from: 1, txn) { position, bytes in
                        let event = try RecordedEvent(stored: bytes, position: position)
                        try rules.admit(event.event, occurredAt: event.occurredAt)
                        return true
                    }
                }
                if !options.readOnly, let old = try? txn.open("projections", create: false) {
                    // Format 1 kept every read model in one `projections` table.
                    try txn.drop(old, delete: true)
                }
                let projections = try ProjectionSet.open(all, create: !options.readOnly, txn, path: path)
                // Bring read models up to date: new projections, changed schema versions.
                let stale = try projections.stale(head: try store.head(txn), txn)
                if !stale.isEmpty {
                    guard !options.readOnly else {
                        throw LedgerError(.staleReadModels, "the read models of \(path) are out of date (\(stale.map(\.name).joined(separator: ", "))); run `essaim replay`")
                    }
                    try projections.rebuild(stale, store: store, fromScratch: false, txn)
                }
                return (store, catalogue, projections, personalKeys)
            }
            let (store, catalogue, projections, personalKeys) = try options.readOnly ? environment.read(open) : environment.write(open)
            configuration.logger.debug("opened ledger", metadata: ["path": "\(path)", "readOnly": "\(options.readOnly)"])
            return Ledger(path: path, environment: environment, store: store, catalogue: catalogue,
                          projections: projections, personalKeys: personalKeys, logger: configuration.logger)
        } catch let error as LMDBError {
            throw translate(error, opening: path)
        }
    }

    static func translate(_ error: LMDBError, opening path: String) -> LedgerError {
        switch error.code {
        case .missing: return LedgerError(.missing, "no ledger at \(path)", underlying: error)
        case .permissionDenied, .busy:
            return LedgerError(.unavailable, "cannot open the ledger at \(path): \(error.message)", underlying: error)
        case .corrupt, .versionMismatch, .notFound:
            return LedgerError(.foreign, "\(path) does not hold an Essaim ledger: \(error.message)", underlying: error)
        default:
            // Whatever else stops an open (a lock file that is a directory, an I/O
            // error) is still "cannot be opened".
            return LedgerError(.unavailable, "cannot open the ledger at \(path): \(error.message)", underlying: error)
        }
    }

    private func translate(_ error: LMDBError) -> LedgerError {
        if environment.isReadOnly && error.code == .permissionDenied {
            return LedgerError(.readOnly, "the ledger at \(path) is open read-only", underlying: error)
        }
        if error.code == .mapFull {
            return LedgerError(.storage, "the ledger reached its maximum map size: \(error.message)", underlying: error)
        }
        if error.code == .diskFull || error.status == EIO {
            // LMDB reports a write cut short (a full disk, a file size limit) as EIO.
            return LedgerError(.storage, "could not write the ledger at \(path) (disk full, file size limit or failing disk: \(error.message)); nothing of this write was stored", underlying: error)
        }
        return LedgerError(.storage, error.message, underlying: error)
    }

    /// Runs a storage operation, turning raw storage errors into ``LedgerError``s.
    func storage<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as LMDBError { throw translate(error) }
    }

    func read<T>(_ body: (Transaction) throws -> T) throws -> T {
        try storage { try environment.read(body) }
    }

    func write<T>(_ body: (Transaction) throws -> T) throws -> T {
        guard !environment.isReadOnly else { throw LedgerError(.readOnly, "the ledger at \(path) is open read-only") }
        return try storage { try environment.write(body) }
    }

    // MARK: Appending

    /// Appends a batch atomically: every event is checked against the refusal rules
    /// (and its expected version) in order; if one is refused, none is stored and
    /// the ``EventRefusal`` names it (its `line` is the 1-based index in `events`).
    @discardableResult
    public func append(_ events: [NewEvent]) throws -> AppendReport {
        try write { txn in
            var batch = try AppendBatch(ledger: self, txn: txn)
            for (index, event) in events.enumerated() {
                try batch.add(event, line: events.count > 1 ? index + 1 : nil, source: nil)
            }
            return try batch.finish()
        }
    }

    /// Appends one event; see ``append(_:)-([NewEvent])``.
    @discardableResult
    public func append(_ event: NewEvent) throws -> AppendReport {
        try append([event])
    }

    /// Imports JSON Lines files (`events.md` format) all-or-nothing: every line is
    /// checked in order; the first refused line aborts the import and nothing is stored.
    ///
    /// Blank lines are skipped. Lines are decoded on a second thread while this one
    /// checks and stores them. `progress` is called about every 10,000 lines.
    @discardableResult
    public func importFiles(_ paths: [String], progress: ((ImportProgress) -> Void)? = nil) throws -> AppendReport {
        var total = 0
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw LedgerError(.missing, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            total += Int(info.st_size)
        }
        // Size the map for the whole import up front so it rarely has to be retried.
        try storage { try environment.reserve(bytes: total * 3) }
        return try write { txn in
            var batch = try AppendBatch(ledger: self, txn: txn)
            let decoder = BackgroundDecoder(paths: paths)
            defer { decoder.stop() }
            var reported = 0
            while let chunk = decoder.next() {
                for item in chunk.items {
                    switch item {
                    case let .event(event, line): try batch.add(event, line: line, source: chunk.source)
                    case let .refused(refusal): throw refusal
                    case let .failed(error): throw error
                    }
                }
                if chunk.lines / 10_000 > reported {
                    reported = chunk.lines / 10_000
                    progress?(ImportProgress(lines: chunk.lines, bytes: chunk.bytes, totalBytes: total))
                }
            }
            return try batch.finish()
        }
    }

    /// Erases the personal data of an application (its leader's name and email):
    /// destroys its key, then appends a `PersonalDataErased` event. Everything else
    /// about the application stays. Erasing again changes nothing.
    @discardableResult
    public func forget(application: String, reason: String? = nil) throws -> ErasureOutcome {
        try write { txn in
            if try personalKeys.isErased(application, txn) { return .alreadyErased }
            var batch = try AppendBatch(ledger: self, txn: txn)
            let erasure = NewEvent(occurredAt: OccurredAt(Instant.now().utcDate),
                                   event: .personalDataErased(PersonalDataErased(application: application, reason: reason)))
            try batch.add(erasure, line: nil, source: nil)
            return .erased(position: try batch.finish().lastPosition ?? 0)
        }
    }

    /// Imports JSON Lines held in memory; see ``importFiles(_:progress:)``.
    @discardableResult
    public func importJSONLines(_ text: String) throws -> AppendReport {
        try write { txn in
            var batch = try AppendBatch(ledger: self, txn: txn)
            for (index, line) in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                try batch.add(line: .text(ArraySlice(line)), number: index + 1, source: nil)
            }
            return try batch.finish()
        }
    }
}

/// The events of one write transaction, appended one by one.
struct AppendBatch {
    private var appender: EventStore.Appender
    private let catalogue: Catalogue
    private let projections: ProjectionSet
    private let folders: [any EventFolder]
    private let keys: PersonalKeys
    private(set) var report = AppendReport()

    init(ledger: Ledger, txn: Transaction) throws {
        appender = try EventStore.Appender(store: ledger.store, txn: txn)
        catalogue = Catalogue(table: ledger.catalogueTable, txn: txn)
        projections = ledger.projections
        folders = projections.folders(txn)
        keys = ledger.personalKeys.keys(txn)
    }

    /// Writes the read models, makes new keys durable and moves the projections'
    /// checkpoints to the new head; call before commit.
    func finish() throws -> AppendReport {
        for folder in folders { try folder.finish() }
        try keys.store.sync()
        if let last = report.lastPosition { try projections.checkpoint(last, appender.txn) }
        return report
    }

    mutating func add(line: LineReader.Line, number: Int, source: String?) throws {
        if let event = try EventLine.decode(line, number: number, source: source) { try add(event, line: number, source: source) }
    }

    mutating func add(_ event: NewEvent, line: Int?, source: String?) throws {
        var event = event
        let id = event.id ?? EventID.random()
        event.id = id
        do {
            if let stored = try appender.stored(withID: id) {
                switch try event.compare(with: stored, keys: keys) {
                case .same: break
                case .sameButErased: report.erasedDuplicates += 1
                case .different:
                    throw EventRefusal(.idConflict, "id already stored at position \(stored.position) with different content")
                }
                report.duplicates += 1
                return
            }
            try catalogue.admit(event.event, occurredAt: event.occurredAt)
            if case let .personalDataErased(e) = event.event { try keys.store.erase(e.application, appender.txn) }
            // Sealing may create the application's key: only for an event that is stored.
            let stored = try appender.append(try EventRecord(event, keys: keys), expected: event.expectedVersion)
            // The read models change in the same transaction as the log; they never see personal data.
            let recorded = RecordedEvent(position: stored.position, version: stored.version, recordedAt: stored.recordedAt,
                                         id: stored.id, occurredAt: stored.occurredAt, event: event.event.withoutPersonalData,
                                         metadata: event.metadata)
            for folder in folders { try folder.apply(recorded) }
            report.appended += 1
            report.firstPosition = report.firstPosition ?? stored.position
            report.lastPosition = stored.position
        } catch var refusal as EventRefusal {
            refusal.line = line
            refusal.source = source
            refusal.eventType = event.event.type.rawValue
            refusal.eventID = id.description
            throw refusal
        }
    }
}
