import EssaimCLMDB

#if canImport(Glibc)
import Glibc
#endif

/// An open LMDB environment: one directory holding `data.mdb` and `lock.mdb`.
///
/// Transactions are closure-scoped (``read(_:)`` / ``write(_:)``): they commit when
/// the closure returns, abort when it throws, and the handle is invalid afterwards.
/// When a write fills the memory map, the transaction is aborted, the map is grown
/// and the closure runs again, so a write closure must be safe to re-run (it must not
/// consume input it cannot read again).
final class Environment: @unchecked Sendable {
    /// How to open an environment.
    struct Options: Sendable {
        var readOnly = false
        var initialMapSize = 64 << 20
        var maximumMapSize = 1 << 40
        var maxReaders: UInt32 = 126
        var maxDatabases: UInt32 = 64
        /// `false` skips the fsync at commit (faster, loses the last commits on power loss).
        var durable = true
        /// `false` syncs the data pages at commit but not the meta page (one
        /// fsync instead of two): a system crash may undo the last commit, never
        /// corrupt the environment (`MDB_NOMETASYNC`).
        var syncMetaPage = true
    }

    let path: String
    let isReadOnly: Bool
    private let maximumMapSize: Int
    private let handle: OpaquePointer
    /// Readers and writers hold it shared; a map resize holds it exclusively, since
    /// LMDB requires that no transaction of this process is active during a resize.
    private let gate = ReadWriteLock()

    /// Opens (creating the files when `readOnly` is false) the environment at `path`,
    /// which must be an existing directory.
    init(path: String, options: Options) throws(LMDBError) {
        var env: OpaquePointer?
        try LMDBError.check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(status: ENOMEM, operation: "mdb_env_create") }
        do {
            try LMDBError.check(mdb_env_set_maxreaders(env, options.maxReaders), "mdb_env_set_maxreaders")
            try LMDBError.check(mdb_env_set_maxdbs(env, options.maxDatabases), "mdb_env_set_maxdbs")
            if !options.readOnly {
                try LMDBError.check(mdb_env_set_mapsize(env, options.initialMapSize), "mdb_env_set_mapsize")
            }
            var flags = UInt32(MDB_NOTLS)
            if options.readOnly { flags |= UInt32(MDB_RDONLY) }
            if !options.durable { flags |= UInt32(MDB_NOSYNC) }
            if !options.syncMetaPage { flags |= UInt32(MDB_NOMETASYNC) }
            try LMDBError.check(mdb_env_open(env, path, flags, 0o600), "opening the ledger at \(path)")
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.handle = env
        self.path = path
        self.isReadOnly = options.readOnly
        self.maximumMapSize = options.maximumMapSize
    }

    deinit { mdb_env_close(handle) }

    /// The current size of the memory map in bytes.
    var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return info.me_mapsize
    }

    /// How many bytes the data file lacks to hold the pages its meta page names,
    /// or `nil` when it is whole.
    var missingBytes: Int? {
        var info = MDB_envinfo()
        var pages = MDB_stat()
        mdb_env_info(handle, &info)
        mdb_env_stat(handle, &pages)
        var file = stat()
        guard stat(path + "/data.mdb", &file) == 0 else { return nil }
        let needed = (info.me_last_pgno + 1) * Int(pages.ms_psize)
        return Int(file.st_size) < needed ? needed - Int(file.st_size) : nil
    }

    /// Bytes of the data file in use (last page used × page size).
    var usedBytes: Int {
        var info = MDB_envinfo()
        var stat = MDB_stat()
        mdb_env_info(handle, &info)
        mdb_env_stat(handle, &stat)
        return (info.me_last_pgno + 1) * Int(stat.ms_psize)
    }

    /// Runs `body` in a read-only transaction that sees one consistent snapshot.
    /// Without `adoptingResize`, a map another process grew is an error rather
    /// than waited for (a thread whose caller holds a transaction must not wait
    /// for every transaction to end).
    func read<T>(adoptingResize: Bool = true, _ body: (Transaction) throws -> T) throws -> T {
        try withTransaction(readOnly: true, adoptingResize: adoptingResize, body)
    }

    /// Runs `body` in the (single) write transaction; commits on return, aborts on throw.
    ///
    /// Grows the map and runs `body` again when the map is full.
    func write<T>(_ body: (Transaction) throws -> T) throws -> T {
        while true {
            do {
                return try withTransaction(readOnly: false, body)
            } catch let error as LMDBError where error.code == .mapFull {
                try grow(after: error)
            }
        }
    }

    /// Writes a consistent copy of the environment's data file into the directory
    /// `path` (which must exist and hold no data file), from one read snapshot,
    /// while other transactions go on; `compact` leaves out free pages and
    /// renumbers the others.
    func copy(to path: String, compact: Bool) throws(LMDBError) {
        gate.lockShared()
        defer { gate.unlock() }
        try LMDBError.check(mdb_env_copy2(handle, path, compact ? UInt32(MDB_CP_COMPACT) : 0), "copying the ledger to \(path)")
    }

    /// Sets the map size ahead of a large write, so that it does not have to be retried.
    func reserve(bytes: Int) throws {
        let wanted = usedBytes + bytes
        guard wanted > mapSize else { return }
        try resize(to: min(maximumMapSize, Self.roundUp(wanted)))
    }

    private func withTransaction<T>(readOnly: Bool, adoptingResize: Bool = true, _ body: (Transaction) throws -> T) throws -> T {
        while true {
            gate.lockShared()
            var raw: OpaquePointer?
            let rc = mdb_txn_begin(handle, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &raw)
            guard rc == 0, let raw else {
                gate.unlock()
                if rc == MDB_MAP_RESIZED && adoptingResize {
                    // Another process grew the map: adopt its size, with no transaction
                    // of this process active, as LMDB requires.
                    try resize(to: 0)
                    continue
                }
                throw LMDBError(status: rc, operation: readOnly ? "starting a read transaction" : "starting a write transaction")
            }
            defer { gate.unlock() }
            let txn = Transaction(raw, isWrite: !readOnly)
            do {
                let result = try body(txn)
                // Committing a read-only transaction keeps the tables it opened.
                try txn.commit()
                return result
            } catch {
                txn.abort()
                throw error
            }
        }
    }

    private func grow(after error: LMDBError) throws {
        let current = mapSize
        guard current < maximumMapSize else { throw error }
        try resize(to: min(maximumMapSize, current * 2))
    }

    private func resize(to size: Int) throws {
        gate.lockExclusive()
        defer { gate.unlock() }
        try LMDBError.check(mdb_env_set_mapsize(handle, size), "growing the map to \(size) bytes")
    }

    private static func roundUp(_ bytes: Int) -> Int {
        var size = 1 << 20
        while size < bytes { size *= 2 }
        return size
    }
}

/// A readers–writer lock over `pthread_rwlock_t`, heap-allocated so its address is stable.
final class ReadWriteLock: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    init() { pthread_rwlock_init(lock, nil) }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    func lockShared() { pthread_rwlock_rdlock(lock) }
    func lockExclusive() { pthread_rwlock_wrlock(lock) }
    func unlock() { pthread_rwlock_unlock(lock) }
}
