import EssaimCLMDB

#if canImport(Glibc)
import Glibc
#endif

/// Bytes that can be handed to LMDB as a key or a value without copying.
protocol RawBytes {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: RawBytes where Element == UInt8 {}
extension ArraySlice: RawBytes where Element == UInt8 {}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}

/// A named key–value table inside the environment (an LMDB `MDB_dbi`).
struct Database: Sendable {
    let dbi: MDB_dbi
    let name: String
}

/// A transaction handed to a ``Environment/read(_:)`` or ``Environment/write(_:)``
/// closure. It is valid only inside that closure: using it afterwards is a
/// programming error and traps.
final class Transaction {
    private var handle: OpaquePointer?
    /// The regions advised while filling unused pages (``fillUnusedPages()``).
    private var filling: [(address: UnsafeMutableRawPointer, length: Int)] = []
    /// Whether the commit releases the map's pages (``releaseMappedPagesAtCommit()``).
    private var releasingAtCommit = false
    /// Releases the map's pages on a second thread (``keepMappedPagesReleased()``).
    private var releasing: RepeatingTask?
    /// The map's regions, once read (``mappedRegions()``).
    private var regions: [MappedRegion]?
    /// `true` for the write transaction.
    let isWrite: Bool

    init(_ handle: OpaquePointer, isWrite: Bool) {
        self.handle = handle
        self.isWrite = isWrite
    }

    deinit {
        endFillingUnusedPages()
        stopReleasing()
        if let handle { mdb_txn_abort(handle) }
    }

    var raw: OpaquePointer {
        guard let handle else { preconditionFailure("transaction used outside its closure") }
        return handle
    }

    func commit() throws(LMDBError) {
        let h = raw
        // While the transaction is open, the map cannot move.
        endFillingUnusedPages()
        // Started through the handle, so before it goes.
        if releasingAtCommit { keepMappedPagesReleased() }
        handle = nil  // mdb_txn_commit frees the handle even when it fails
        defer { stopReleasing() }
        try LMDBError.check(mdb_txn_commit(h), "committing")
    }

    /// Aborts the transaction (a no-op once committed or aborted).
    func abort() {
        guard let h = handle else { return }
        endFillingUnusedPages()
        handle = nil
        mdb_txn_abort(h)
        stopReleasing()
    }

    /// Opens (and with `create`, creates) a named database. With `sortedDuplicates`,
    /// a key holds a sorted set of fixed-size values (`MDB_DUPSORT | MDB_DUPFIXED`).
    func open(_ name: String, create: Bool, sortedDuplicates: Bool = false) throws(LMDBError) -> Database {
        var dbi: MDB_dbi = 0
        var flags = create ? UInt32(MDB_CREATE) : 0
        if sortedDuplicates { flags |= UInt32(MDB_DUPSORT | MDB_DUPFIXED) }
        try LMDBError.check(mdb_dbi_open(raw, name, flags, &dbi), "opening table \(name)")
        return Database(dbi: dbi, name: name)
    }

    /// The environment's named tables in name order, each with whether it holds
    /// sorted duplicates (see ``open(_:create:sortedDuplicates:)``).
    func tables() throws -> [(name: String, sortedDuplicates: Bool)] {
        var names: [String] = []
        // The unnamed table lists the named ones, one key per table.
        var main: MDB_dbi = 0
        try LMDBError.check(mdb_dbi_open(raw, nil, 0, &main), "opening the table of tables")
        try withCursor(Database(dbi: main, name: "the table of tables")) { cursor in
            var entry = try cursor.first()
            while let (key, _) = entry {
                names.append(String(decoding: key, as: UTF8.self))
                entry = try cursor.next()
            }
        }
        return try names.map { name throws(LMDBError) in
            let db = try open(name, create: false)
            var flags: UInt32 = 0
            try LMDBError.check(mdb_dbi_flags(raw, db.dbi, &flags), "reading the flags of \(name)")
            return (name, flags & UInt32(MDB_DUPSORT) != 0)
        }
    }

    /// Empties `db`, or with `delete` removes it from the environment. Whole pages
    /// are freed without being copied, unlike deleting entries one by one.
    func drop(_ db: Database, delete: Bool = false) throws(LMDBError) {
        try LMDBError.check(mdb_drop(raw, db.dbi, delete ? 1 : 0), "dropping \(db.name)")
    }

    /// Calls `body` with the value stored under `key`, or `nil`; the bytes are valid
    /// only during the call (they point into the memory map).
    func withValue<K: RawBytes, T>(_ db: Database, _ key: K, _ body: (UnsafeRawBufferPointer?) throws -> T) throws -> T {
        var value = MDB_val()
        let rc = key.withUnsafeBytes { k in
            var keyVal = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            return mdb_get(raw, db.dbi, &keyVal, &value)
        }
        if rc == MDB_NOTFOUND { return try body(nil) }
        try LMDBError.check(rc, "reading \(db.name)")
        return try body(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }

    /// The value stored under `key`, copied out, or `nil`.
    func get<K: RawBytes>(_ db: Database, _ key: K) throws -> [UInt8]? {
        try withValue(db, key) { $0.map { Array($0) } }
    }

    /// Stores `value` under `key`. `append` tells LMDB the key sorts after every
    /// existing key (for a table of sorted duplicates: the value after every value
    /// of that key).
    func put<K: RawBytes, V: RawBytes>(_ db: Database, _ key: K, _ value: V, append: Bool = false,
                                       duplicates: Bool = false) throws(LMDBError) {
        let flags = append ? UInt32(duplicates ? MDB_APPENDDUP : MDB_APPEND) : 0
        try LMDBError.check(rawPut(db, key, value, flags).rc, "writing \(db.name)")
    }

    /// `mdb_put` with `flags`; returns its code and the value it leaves in its
    /// data argument (with `MDB_NOOVERWRITE`, the stored value when the key exists).
    private func rawPut<K: RawBytes, V: RawBytes>(_ db: Database, _ key: K, _ value: V,
                                                  _ flags: UInt32) -> (rc: Int32, value: MDB_val) {
        key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                var keyVal = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
                var val = MDB_val(mv_size: v.count, mv_data: UnsafeMutableRawPointer(mutating: v.baseAddress))
                let rc = mdb_put(raw, db.dbi, &keyVal, &val, flags)
                return (rc, val)
            }
        }
    }

    /// Stores `value` under `key` unless the key is there already: then stores
    /// nothing and returns `existing` of the stored value (valid only during the
    /// call). One search of the table either way, where a lookup then a put take two.
    func insert<K: RawBytes, V: RawBytes, T>(_ db: Database, _ key: K, _ value: V,
                                             existing: (UnsafeRawBufferPointer) throws -> T) throws -> T? {
        let (rc, stored) = rawPut(db, key, value, UInt32(MDB_NOOVERWRITE))
        if rc == MDB_KEYEXIST { return try existing(UnsafeRawBufferPointer(start: stored.mv_data, count: stored.mv_size)) }
        try LMDBError.check(rc, "writing \(db.name)")
        return nil
    }

    /// Removes `key`; returns whether it was there.
    @discardableResult
    func delete<K: RawBytes>(_ db: Database, _ key: K) throws(LMDBError) -> Bool {
        let rc = key.withUnsafeBytes { k in
            var keyVal = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            return mdb_del(raw, db.dbi, &keyVal, nil)
        }
        if rc == MDB_NOTFOUND { return false }
        try LMDBError.check(rc, "deleting from \(db.name)")
        return true
    }

    /// Drops this process's page-table entries for the memory map. The data stays
    /// in the kernel's page cache and faults back in on the next read, so this
    /// only keeps long scans from growing resident memory with the size of the
    /// log. Safe here because the map cannot move while a transaction is open,
    /// and the map is shared: a write transaction's pages (`MDB_WRITEMAP`) are the
    /// file's page cache, which this does not drop.
    func releaseMappedPages() {
        Self.release(mappedRegions())
    }

    private static func release(_ regions: [MappedRegion]) {
        for region in regions { madvise(region.address, region.length, MADV_DONTNEED) }
    }

    /// Releases the map's pages (as ``releaseMappedPages()``) on a second
    /// thread while this write commits, and once after. With `MDB_WRITEMAP`,
    /// LMDB's commit writes to every page the write dirtied (it clears a flag
    /// in each), which maps each one back into this process: a 1 M-event
    /// import, its pages released before, grew there from 250 to 410 MiB
    /// resident. The pages stay in the page cache, dirty, for the commit's
    /// sync to write.
    func releaseMappedPagesAtCommit() {
        releasingAtCommit = true
    }

    /// From here to the end of this write, its commit included (or to
    /// ``endReleasingMappedPages()``), releases the map's pages on a second
    /// thread every ``releasePause`` milliseconds: for a large write that
    /// writes new pages and reads few it wrote (an import of up to 1.5 M
    /// events into a new ledger), resident memory then holds no more of them
    /// than it wrote in that time, and its commit maps none back (see
    /// ``releaseMappedPagesAtCommit()``). The map cannot move while the
    /// transaction is open.
    func keepMappedPagesReleased() {
        releasingAtCommit = true
        guard releasing == nil, handle != nil else { return }
        let regions = mappedRegions()
        releasing = RepeatingTask(pausing: Self.releasePause) { Self.release(regions) }
    }

    /// Stops the releases for the rest of the write, commit included, for a
    /// write that goes on to read at random the pages it wrote: each read
    /// would fault its page back in, and on Linux 6.18 a whole large folio of
    /// the page cache (up to 2 MiB) with it (a 5 M-event import released so
    /// to its end took 20 % longer, and 4 % with the releases ended after its
    /// first 1.5 M events, for no lower peak).
    func endReleasingMappedPages() {
        releasingAtCommit = false
        stopReleasing()
    }

    /// Whether a second thread releases the map now (``keepMappedPagesReleased()``).
    var releasesMappedPages: Bool { releasing != nil }

    /// Milliseconds between two releases of ``keepMappedPagesReleased()``.
    static let releasePause = 20

    /// Stops the releases, and releases what was mapped in since the last one.
    private func stopReleasing() {
        guard let task = releasing.take() else { return }
        task.stop()
        // Read when the releases began (the handle may be gone by now).
        Self.release(regions ?? [])
    }

    /// From here to the end of this write (its commit included) or to
    /// ``endFillingUnusedPages()``, no readahead over the map past the pages in
    /// use when it began (`MADV_RANDOM` there): a large write fills that part
    /// page by page, and the first touch of each page reads a hole of the
    /// file; with readahead, the kernel zeroes the pages after it too (a 1 M
    /// import spent a tenth of its system time there, and a fifth of the
    /// time it takes, at its end, to write its indexes and read models anew).
    /// The pages in use keep their readahead, which a cold scan of the log
    /// needs (`MDB_NORDAHEAD`, over the whole map, made a cold 1 M replay
    /// three times slower). The map cannot move while the transaction is open.
    func fillUnusedPages() {
        endFillingUnusedPages()
        var info = MDB_envinfo()
        var stat = MDB_stat()
        if let env = mdb_txn_env(raw) {
            mdb_env_info(env, &info)
            mdb_env_stat(env, &stat)
        }
        let systemPage = Int(sysconf(Int32(_SC_PAGESIZE)))
        let used = (info.me_last_pgno + 1) * Int(stat.ms_psize)
        var tails: [(address: UnsafeMutableRawPointer, length: Int)] = []
        for region in mappedRegions() {
            let skip = (max(0, used - region.offset) + systemPage - 1) / systemPage * systemPage
            if skip < region.length { tails.append((region.address + skip, region.length - skip)) }
        }
        for tail in tails { madvise(tail.address, tail.length, MADV_RANDOM) }
        filling = tails
    }

    /// Gives the map past the pages in use its readahead back, for a write
    /// that goes on to read at random the pages it wrote there: a 5 M import,
    /// past the ids it can hold, searched and inserted into the indexes it had
    /// written and ran 20 % slower under the advice. Nothing when not filling.
    func endFillingUnusedPages() {
        for tail in filling { madvise(tail.address, tail.length, MADV_NORMAL) }
        filling = []
    }

    /// A part of this process's address space that maps the data file, with
    /// the file offset it starts at.
    typealias MappedRegion = (address: UnsafeMutableRawPointer, length: Int, offset: Int)

    /// The regions of this process's address space that map the environment's
    /// data file, each with the file offset it starts at; read from the
    /// process's maps on the first call only, as the map cannot move while
    /// the transaction is open (a write-back releases the map every 32,768
    /// records, and each read of the maps allocated enough for the allocator
    /// to sort all the small blocks the fold had freed).
    func mappedRegions() -> [MappedRegion] {
        if let regions { return regions }
        let found = readMappedRegions()
        regions = found
        return found
    }

    private func readMappedRegions() -> [MappedRegion] {
        var envPath: UnsafePointer<CChar>?
        guard let env = mdb_txn_env(raw), mdb_env_get_path(env, &envPath) == 0, let envPath,
              let resolved = realpath(envPath, nil) else { return [] }
        // The process's maps name files by their absolute, resolved path.
        let file = String(cString: resolved) + "/data.mdb"
        free(resolved)
        // LMDB does not expose the map's address; the process's maps do.
        guard let maps = fopen("/proc/self/maps", "r") else { return [] }
        defer { fclose(maps) }
        var regions: [MappedRegion] = []
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), maps) != nil {
            let text = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }.trimmingSuffix("\n")
            guard text.hasSuffix(" " + file) || text.hasSuffix("\t" + file) else { continue }
            // `start-end perms offset device inode path`
            let fields = text.split(separator: " ", maxSplits: 3)
            let range = fields[0].split(separator: "-")
            guard fields.count == 4, range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
                  end > start, let offset = Int(fields[2], radix: 16),
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            regions.append((address, Int(end - start), offset))
        }
        return regions
    }

    /// Number of entries in `db`.
    func count(_ db: Database) throws(LMDBError) -> Int { try size(of: db).entries }

    /// Entries in `db` and the pages it takes (branch, leaf and overflow).
    func size(of db: Database) throws(LMDBError) -> (entries: Int, pages: Int) {
        var stat = MDB_stat()
        try LMDBError.check(mdb_stat(raw, db.dbi, &stat), "stat \(db.name)")
        return (stat.ms_entries, stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages)
    }

    /// Runs `body` with a cursor on `db`, closed when `body` returns.
    func withCursor<T>(_ db: Database, _ body: (Cursor) throws -> T) throws -> T {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(raw, db.dbi, &cursor), "opening a cursor on \(db.name)")
        let wrapped = Cursor(cursor!, db: db)
        defer { wrapped.close() }
        return try body(wrapped)
    }
}
