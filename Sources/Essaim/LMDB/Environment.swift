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
///
/// A writable environment maps the data file writable (`MDB_WRITEMAP`): a write
/// transaction's pages live in the file's page cache, which the kernel can write
/// back and reclaim, instead of in this process's heap until the commit (an
/// import of millions of events is one transaction). LMDB then sets the file's
/// length to the map's, so this type manages that length itself
/// (``DataFileSize``): the room is allocated before LMDB maps it (a full disk
/// is an error, never a fault on a page of the map), the file never shrinks
/// under another process's map, and the last writable environment to close
/// trims the file back to the pages in use.
final class Environment: @unchecked Sendable {
    /// How to open an environment.
    struct Options: Sendable {
        var readOnly = false
        /// The most room beyond the pages in use that a writable open gives the map.
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
    /// The data file's length, for a writable environment.
    private let dataFile: DataFileSize?
    /// Readers and writers hold it shared; a map resize holds it exclusively, since
    /// LMDB requires that no transaction of this process is active during a resize.
    private let gate = ReadWriteLock()
    /// When set, the next write transaction fails at its commit with this error,
    /// its writes undone, as LMDB's own commit can fail (a full map while it saves
    /// the free-page list, a failing disk); used once. Tests reach through it
    /// what happens only at a commit. Set it while no write is under way.
    var nextCommitFailure: LMDBError?

    /// Opens (creating the files when `readOnly` is false) the environment at `path`,
    /// which must be an existing directory.
    init(path: String, options: Options) throws(LMDBError) {
        var env: OpaquePointer?
        try LMDBError.check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(status: ENOMEM, operation: "mdb_env_create") }
        var dataFile: DataFileSize?
        do {
            try LMDBError.check(mdb_env_set_maxreaders(env, options.maxReaders), "mdb_env_set_maxreaders")
            try LMDBError.check(mdb_env_set_maxdbs(env, options.maxDatabases), "mdb_env_set_maxdbs")
            var flags = UInt32(MDB_NOTLS)
            if options.readOnly { flags |= UInt32(MDB_RDONLY) } else { flags |= UInt32(MDB_WRITEMAP) }
            if !options.durable { flags |= UInt32(MDB_NOSYNC) }
            if !options.syncMetaPage { flags |= UInt32(MDB_NOMETASYNC) }
            if options.readOnly {
                try LMDBError.check(mdb_env_open(env, path, flags, 0o600), "opening the ledger at \(path)")
            } else {
                let file = try DataFileSize(path: path + "/data.mdb")
                dataFile = file
                try file.changingLength { length throws(LMDBError) in
                    // Room for an eighth more than the pages in use (at least 1 MiB, at
                    // most `initialMapSize`) when the disk has it: a write that needs more
                    // grows the map, and imports and replays reserve what they need. A file
                    // without valid meta pages is left as it is, for LMDB to refuse. A new
                    // environment's file must be empty when LMDB opens it (it writes the
                    // meta pages first), so its room is allocated afterwards.
                    var size = length
                    if let used = length == 0 ? 0 : DataFileSize.usedBytes(readingMetaPagesOf: file.descriptor) {
                        let wanted = Self.roundUp(used + min(options.initialMapSize, max(1 << 20, used / 8)))
                        if length == 0 || (try? file.extend(from: length, to: wanted)) != nil { size = max(length, wanted) }
                    }
                    try LMDBError.check(mdb_env_set_mapsize(env, size), "mdb_env_set_mapsize")
                    try LMDBError.check(mdb_env_open(env, path, flags, 0o600), "opening the ledger at \(path)")
                    if length == 0 { try file.extend(from: 0, to: size) }
                }
            }
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.handle = env
        self.path = path
        self.isReadOnly = options.readOnly
        self.maximumMapSize = options.maximumMapSize
        self.dataFile = dataFile
    }

    deinit {
        if let dataFile, dataFile.isOnlyWriter() {
            // No other process has the environment open for writing: trim the file to
            // the pages in use, holding LMDB's writer lock so that no writer of an older
            // version (which does not take ours) is between its pages and its meta page.
            var txn: OpaquePointer?
            if mdb_txn_begin(handle, nil, 0, &txn) == 0 {
                try? dataFile.changingLength { _ in dataFile.truncate(to: usedBytes) }
                mdb_txn_abort(txn)
            }
        }
        mdb_env_close(handle)
    }

    /// The current size of the memory map in bytes.
    var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return info.me_mapsize
    }

    /// How many bytes the data file at `path` (a ledger directory) lacks to hold
    /// the pages its meta pages name, or `nil` when it is whole or holds no meta
    /// pages to read (LMDB reports those itself). Asked before opening, since a
    /// writable open sets the file's length.
    static func missingBytes(at path: String) -> Int? {
        let fd = open(path + "/data.mdb", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // The meta pages first, then the length: pages are written before the meta
        // page that names them, so a healthy file is never reported short.
        guard let needed = DataFileSize.usedBytes(readingMetaPagesOf: fd) else { return nil }
        var file = stat()
        guard fstat(fd, &file) == 0 else { return nil }
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

    /// Writes a consistent copy of the environment into the directory `path`
    /// (which must exist and hold no data file), from one read snapshot, while
    /// other transactions go on, and syncs it. Free pages stay behind.
    ///
    /// Without `fullPages`, the pages in use are copied as they are
    /// (`mdb_env_copy2` with `MDB_CP_COMPACT`): a table filled in random key
    /// order (the id index, read models written back in several runs) keeps
    /// its pages about two-thirds full. With `fullPages`, every table is written
    /// anew, entry by entry in key order, each one appended (`MDB_APPEND`): its
    /// pages come out full, and the first inserts into each of them split it.
    func copy(to path: String, fullPages: Bool) throws {
        guard fullPages else {
            gate.lockShared()
            defer { gate.unlock() }
            return try LMDBError.check(mdb_env_copy2(handle, path, UInt32(MDB_CP_COMPACT)), "copying the ledger to \(path)")
        }
        var options = Options()
        options.durable = false
        let target = try Environment(path: path, options: options)
        try target.reserve(bytes: usedBytes)
        try read { source in
            let tables = try source.tables()
            try target.write { txn in
                for table in tables {
                    let from = try source.open(table.name, create: false)
                    let to = try txn.open(table.name, create: true, sortedDuplicates: table.sortedDuplicates)
                    try source.withCursor(from) { reader in
                        try txn.withCursor(to) { writer in try Self.appendAll(reader, to: writer, sortedDuplicates: table.sortedDuplicates) }
                    }
                }
            }
        }
        try LMDBError.check(mdb_env_sync(target.handle, 1), "syncing the copy at \(path)")
    }

    /// Appends every entry `reader` reaches, in key order, through `writer` on an
    /// empty table: each key's first value after the last key, its other values
    /// (a table of sorted duplicates) after that key's values. (Only there:
    /// elsewhere LMDB's next duplicate is the next entry.)
    private static func appendAll(_ reader: Cursor, to writer: Cursor, sortedDuplicates: Bool) throws {
        var entry = try reader.first()
        while let (key, value) = entry {
            try writer.put(key, value, append: true)
            while sortedDuplicates, let (key, value) = try reader.nextDuplicate() {
                try writer.put(key, value, append: true, duplicates: true)
            }
            entry = try reader.nextKey()
        }
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
                if !readOnly, let failure = nextCommitFailure {
                    nextCommitFailure = nil
                    throw failure
                }
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
        // Doubling, by at most 1 GiB at a time: the room is allocated on disk.
        try resize(to: min(maximumMapSize, Self.roundUp(current + min(current, 1 << 30))))
    }

    /// Sets the map to `size` bytes, or with 0 to the size another process gave it.
    private func resize(to size: Int) throws {
        gate.lockExclusive()
        defer { gate.unlock() }
        guard let dataFile else {
            try LMDBError.check(mdb_env_set_mapsize(handle, size), "growing the map to \(size) bytes")
            return
        }
        try dataFile.changingLength { length throws(LMDBError) in
            // Never below the file's length: LMDB sets the file to the map's length,
            // and another process may map all of it.
            let target = max(size, length)
            try dataFile.extend(from: length, to: target)
            try LMDBError.check(mdb_env_set_mapsize(handle, target), "growing the map to \(target) bytes")
        }
    }

    /// `bytes` rounded up to a whole MiB.
    private static func roundUp(_ bytes: Int) -> Int {
        (bytes + (1 << 20) - 1) & ~((1 << 20) - 1)
    }
}

/// The length of a writable environment's data file, which LMDB sets to the map's
/// with `MDB_WRITEMAP`. Processes agree through two open-file-description locks on
/// the file (LMDB locks only `lock.mdb`): byte 0, held shared by every writable
/// environment while it is open and taken exclusively to trim the file; byte 1,
/// held exclusively while the length changes.
final class DataFileSize: @unchecked Sendable {
    let descriptor: Int32

    /// Opens (creating it empty when missing, as LMDB expects of a new environment)
    /// the data file and takes the shared lock, waiting for a trim in progress.
    init(path: String) throws(LMDBError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LMDBError(status: errno, operation: "opening \(path)") }
        guard Self.lock(descriptor, byte: 0, Int32(F_RDLCK), wait: true) else {
            let status = errno
            close(descriptor)
            throw LMDBError(status: status, operation: "locking \(path)")
        }
    }

    /// Closing the descriptor releases both locks.
    deinit { close(descriptor) }

    /// Runs `body` with the file's current length, holding the length lock.
    func changingLength(_ body: (Int) throws(LMDBError) -> Void) throws(LMDBError) {
        _ = Self.lock(descriptor, byte: 1, Int32(F_WRLCK), wait: true)
        defer { _ = Self.lock(descriptor, byte: 1, Int32(F_UNLCK), wait: false) }
        var file = stat()
        guard fstat(descriptor, &file) == 0 else { throw LMDBError(status: errno, operation: "reading the length of the data file") }
        try body(Int(file.st_size))
    }

    /// Allocates the file's blocks up to `target` bytes (nothing when it is that long
    /// already), so that running out of disk is this error rather than a fault
    /// when LMDB first writes a page there.
    func extend(from length: Int, to target: Int) throws(LMDBError) {
        guard target > length else { return }
        let status = posix_fallocate(descriptor, off_t(length), off_t(target - length))
        guard status == 0 else { throw LMDBError(status: status, operation: "making room for the ledger's data file to grow to \(target) bytes") }
    }

    /// Shortens the file to `length` bytes (call holding the length lock).
    func truncate(to length: Int) {
        _ = ftruncate(descriptor, off_t(length))
    }

    /// Whether no other process has the environment open for writing: takes the
    /// open lock exclusively when it can (this descriptor is about to close).
    func isOnlyWriter() -> Bool {
        Self.lock(descriptor, byte: 0, Int32(F_WRLCK), wait: false)
    }

    /// The bytes in use (last page + 1, times the page size) that the newer of the
    /// two meta pages names, or `nil` when the file holds no valid meta page. The
    /// layout is LMDB 0.9's on-disk format: a 16-byte page header, then `MDB_meta`
    /// (magic, version, address, map size, two 48-byte `MDB_db` whose first holds the
    /// page size, last page, transaction id).
    static func usedBytes(readingMetaPagesOf fd: Int32) -> Int? {
        var best: (txnid: UInt64, used: Int)?
        var pageSize = 0
        for index in 0..<2 {
            var page = [UInt8](repeating: 0, count: 152)
            let offset = off_t(index * pageSize)
            guard index == 0 || pageSize > 0,
                  pread(fd, &page, page.count, offset) == page.count else { return best?.used }
            func word<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T {
                page.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) }
            }
            guard word(16, UInt32.self) == 0xBEEF_C0DE else { return best?.used }
            let psize = Int(word(40, UInt32.self))
            guard psize >= 512, psize.nonzeroBitCount == 1 else { return best?.used }
            if index == 0 { pageSize = psize }
            let lastPage = word(136, UInt64.self), txnid = word(144, UInt64.self)
            let used = (Int(truncatingIfNeeded: lastPage) + 1) * psize
            if best == nil || txnid > best!.txnid { best = (txnid, used) }
        }
        return best?.used
    }

    /// `fcntl` open-file-description locks (Linux `F_OFD_SETLK`/`F_OFD_SETLKW`):
    /// held per descriptor, so they exclude this process's other descriptors too.
    private static func lock(_ fd: Int32, byte: Int, _ type: Int32, wait: Bool) -> Bool {
        var lock = flock()
        lock.l_type = Int16(type)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = off_t(byte)
        lock.l_len = 1
        let command: Int32 = wait ? 38 : 37   // F_OFD_SETLKW, F_OFD_SETLK (not in Glibc's Swift module)
        while fcntl(fd, command, &lock) != 0 {
            guard errno == EINTR else { return false }
        }
        return true
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
