import Logging

#if canImport(Glibc)
import Glibc
#endif

/// How to open a ledger. Every field has a default that suits the CLI.
public struct LedgerConfiguration: Sendable {
    /// Open without write access (queries, export). Appends then fail with `.readOnly`.
    public var readOnly: Bool
    /// The most room for growth a writable open gives the memory map beyond the pages
    /// in use (an eighth of them, at least 1 MiB; allocated in `data.mdb` while the
    /// ledger is open for writing, trimmed when the last writer closes). The map grows
    /// by doubling, at most 1 GiB at a time, when a write fills it; imports and
    /// replays make room for what they will write first.
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
    /// With a shared log: how many seconds a write waits for another site's
    /// write to end before it gives up (``LedgerError/Code-swift.struct/unavailable``, nothing stored).
    public var sharedLogLockTimeout: Double

    /// A configuration; the defaults give a durable, writable ledger whose map gets up to 64 MiB of room.
    public init(readOnly: Bool = false, initialMapSize: Int = 64 << 20, maximumMapSize: Int = 1 << 40,
                durable: Bool = true, logger: Logger = Logger(label: "essaim", factory: { _ in SwiftLogNoOpLogHandler() }),
                projections: [any Projection] = [], sharedLogLockTimeout: Double = 15) {
        self.readOnly = readOnly
        self.initialMapSize = initialMapSize
        self.maximumMapSize = maximumMapSize
        self.durable = durable
        self.logger = logger
        self.projections = projections
        self.sharedLogLockTimeout = sharedLogLockTimeout
    }
}

/// An Essaim ledger: an append-only log of business-support events in an LMDB
/// environment, checked against the catalogue's refusal rules as it grows.
///
/// When several sites write, the log is kept in PostgreSQL and each site opens
/// its replica with ``openReplica(at:sharedLog:configuration:)``: appends go
/// through the shared log, queries read the replica (see <doc:SeveralSites>).
///
/// A `Ledger` is safe to share between threads: reads run concurrently, writes
/// are serialized by LMDB (also across processes).
public final class Ledger: Sendable {
    /// The version of Essaim (the library and the `essaim` command), as in `CHANGELOG.md`.
    public static let essaimVersion = "0.4.23"

    /// The ledger's directory.
    public let path: String
    let environment: Environment
    let store: EventStore
    let projections: ProjectionSet
    let personalKeys: PersonalKeyStore
    let logger: Logger
    /// The shared log in PostgreSQL this ledger is a replica of, when opened as one.
    let shared: SharedLog?

    private init(path: String, environment: Environment, store: EventStore,
                 projections: ProjectionSet, personalKeys: PersonalKeyStore, logger: Logger, shared: SharedLog?) {
        self.path = path
        self.shared = shared
        self.environment = environment
        self.store = store
        self.projections = projections
        self.personalKeys = personalKeys
        self.logger = logger
    }

    /// Creates an empty ledger: the directory (mode 0700, created when missing) and
    /// its files (mode 0600). Throws `.alreadyExists` when a ledger is there already.
    public static func create(at path: String, configuration: LedgerConfiguration = .init()) throws -> Ledger {
        try create(at: path, configuration: configuration, shared: nil)
    }

    static func create(at path: String, configuration: LedgerConfiguration, shared: SharedLog?) throws -> Ledger {
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
        return try open(at: path, configuration: configuration, create: true, shared: shared)
    }

    /// Opens an existing ledger. Throws a ``LedgerError`` whose ``LedgerError/isOpenFailure``
    /// is true when there is no ledger, a foreign or newer one, or it cannot be reached.
    public static func open(at path: String, configuration: LedgerConfiguration = .init()) throws -> Ledger {
        try openExisting(at: path, configuration: configuration, shared: nil)
    }

    /// Opens an existing ledger (or replica of `shared`), after checking its files.
    static func openExisting(at path: String, configuration: LedgerConfiguration, shared: SharedLog?) throws -> Ledger {
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
        return try open(at: path, configuration: configuration, create: false, shared: shared)
    }

    static func open(at path: String, configuration: LedgerConfiguration, create: Bool, shared: SharedLog?) throws -> Ledger {
        var options = Environment.Options()
        options.readOnly = configuration.readOnly && !create
        options.initialMapSize = configuration.initialMapSize
        options.maximumMapSize = configuration.maximumMapSize
        options.durable = configuration.durable
        // A replica's durability is the shared log's: a commit a system crash
        // undoes is fetched again by the next sync.
        options.syncMetaPage = shared == nil
        // A data file shorter than its own meta pages say would fault when a missing
        // page is read: refuse it up front, before a writable open sets its length.
        if let shortfall = Environment.missingBytes(at: path) {
            throw LedgerError(.corrupt, "the data file of \(path) is truncated (\(shortfall) bytes missing); restore it from a backup or an export")
        }
        do {
            let environment = try Environment(path: path, options: options)
            let builtIn: [any Projection] = [ReadModelsProjection()]
            let all = builtIn + configuration.projections
            if Set(all.map(\.name)).count != all.count || all.contains(where: { $0.name.isEmpty || $0.name.utf8.contains(0) }) {
                throw LedgerError(.unavailable, "projection names must be unique, non-empty and without NUL")
            }
            if all.count > Int(options.maxDatabases) - 8 {
                throw LedgerError(.unavailable, "at most \(options.maxDatabases - 8) projections fit in a ledger")
            }
            let open = { (txn: Transaction) throws -> (EventStore, ProjectionSet, PersonalKeyStore) in
                let personalKeys = try PersonalKeyStore(directory: path, writable: !options.readOnly, txn)
                let store = try openLog(txn, create: create, personalKeys: personalKeys)
                try personalKeys.sync()
                if !options.readOnly { try dropRetiredTables(txn) }
                let projections = try ProjectionSet.open(all, create: !options.readOnly, txn, path: path)
                // Bring read models up to date: new projections, changed schema versions.
                let stale = try projections.stale(head: try store.reading(txn).head(), txn)
                if !stale.isEmpty {
                    guard !options.readOnly else {
                        throw LedgerError(.staleReadModels, "the read models of \(path) are out of date (\(stale.map(\.name).joined(separator: ", "))); run `essaim replay`")
                    }
                    try projections.rebuild(stale, log: store.reading(txn), fromScratch: false, txn)
                }
                return (store, projections, personalKeys)
            }
            let (store, projections, personalKeys) = try options.readOnly ? environment.read(open) : environment.write(open)
            configuration.logger.debug("opened ledger", metadata: ["path": "\(path)", "readOnly": "\(options.readOnly)"])
            return Ledger(path: path, environment: environment, store: store,
                          projections: projections, personalKeys: personalKeys, logger: configuration.logger, shared: shared)
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

    /// The log as `txn` sees it.
    func log(_ txn: Transaction) -> EventStore.Reader { store.reading(txn) }

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
}
