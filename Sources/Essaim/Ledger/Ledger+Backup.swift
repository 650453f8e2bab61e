#if canImport(Glibc)
import Glibc
#endif

/// What ``Ledger/backup(to:fullPages:)`` or ``Ledger/compact(at:configuration:fullPages:)`` wrote.
public struct CopyReport: Sendable {
    /// Bytes of the ledger's files before (the source, for a backup).
    public var bytesBefore: Int
    /// Bytes of the files written.
    public var bytesAfter: Int
    /// The check of the copy (every event, the chain, the read models).
    public var verification: VerificationReport
}

extension Ledger {
    /// Writes a consistent, compacted copy of the ledger into the new directory
    /// `path` — the log, its indexes, the read models and the key store — while
    /// other processes go on reading and writing, then opens the copy and
    /// verifies it. The copy is an ordinary ledger: to restore, use it (or copy
    /// it back) as the ledger directory.
    ///
    /// With `fullPages`, every table is rewritten in key order with its pages
    /// full: about a sixth fewer bytes (a 1 M-event ledger: 296 bytes per
    /// event instead of 359), for a copy to keep rather than to append to, since
    /// each insert into a full page splits it and grows the file (durable
    /// appends take about three times as long until most pages have split).
    ///
    /// The log is copied from one snapshot, the key store after it: a key
    /// created later is an unused slot in the copy, and a key erased meanwhile
    /// is erased in the copy too (its leader reads as erased).
    @discardableResult
    public func backup(to path: String, fullPages: Bool = false) throws -> CopyReport {
        try Self.makeEmptyDirectory(path)
        do {
            try storage { try environment.copy(to: path, fullPages: fullPages) }
            try personalKeys.copy(to: path + "/keys.db")
        } catch {
            Self.remove(path)
            throw error
        }
        let copy = try Ledger.open(at: path, configuration: LedgerConfiguration(readOnly: true))
        let verification = try copy.verify()
        return CopyReport(bytesBefore: Self.filesSize(self.path), bytesAfter: Self.filesSize(path), verification: verification)
    }

    /// Rewrites the ledger at `path` without its free pages (what a replay or
    /// deleted read models leave behind), with `fullPages` also without the
    /// room inserts leave in pages (see ``backup(to:fullPages:)``):
    /// a compacted copy is written next to
    /// it, verified, then swapped in with one rename. The ledger must not be
    /// open in another process (``LedgerError/Code/unavailable`` otherwise).
    @discardableResult
    public static func compact(at path: String, configuration: LedgerConfiguration = .init(),
                               fullPages: Bool = false) throws -> CopyReport {
        let ledger = try Ledger.open(at: path, configuration: configuration)
        try ledger.requireExclusiveUse()
        let work = path + "/.compacting"
        remove(work)
        try makeEmptyDirectory(work)
        defer { remove(work) }
        let before = filesSize(path)
        try ledger.write { _ in
            // Holding the write lock: no append can land between the copy and the swap.
            try ledger.storage { try ledger.environment.copy(to: work, fullPages: fullPages) }
        }
        try FileCopy.copy(path + "/keys.db", to: work + "/keys.db", ifPresent: true)
        let verification = try Ledger.open(at: work, configuration: LedgerConfiguration(readOnly: true)).verify()
        guard verification.passed else {
            throw LedgerError(.corrupt, "the compacted copy does not verify (\(verification.problems.first ?? "")); the ledger was left as it was")
        }
        guard rename(work + "/data.mdb", path + "/data.mdb") == 0 else {
            throw LedgerError(.storage, "cannot swap the compacted copy in: \(String(cString: strerror(errno)))")
        }
        fsyncDirectory(path)
        return CopyReport(bytesBefore: before, bytesAfter: filesSize(path), verification: verification)
    }

    /// Throws unless this process is the only one with the ledger open: LMDB
    /// holds a shared lock on the lock file in each process that opened it.
    private func requireExclusiveUse() throws {
        let fd = Glibc.open(path + "/lock.mdb", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw LedgerError(.unavailable, "cannot open the lock file of \(path)") }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 1
        let exclusive = fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type == Int16(F_UNLCK)
        // F_GETLK only asks: it leaves this process's locks (LMDB's) alone, and
        // closing the descriptor below is safe since nothing was locked through it.
        close(fd)
        guard exclusive else {
            throw LedgerError(.unavailable, "the ledger at \(path) is open in another process (pid \(lock.l_pid)); stop it before compacting")
        }
    }

    static func makeEmptyDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0 {
            let reason = errno == EEXIST ? "it already exists" : String(cString: strerror(errno))
            throw LedgerError(.unavailable, "cannot create \(path): \(reason)")
        }
    }

    static func remove(_ directory: String) {
        for file in ["data.mdb", "lock.mdb", "keys.db"] { unlink(directory + "/" + file) }
        rmdir(directory)
    }

    static func filesSize(_ directory: String) -> Int {
        ["data.mdb", "lock.mdb", "keys.db"].reduce(0) { total, file in
            var info = stat()
            return total + (stat(directory + "/" + file, &info) == 0 ? Int(info.st_size) : 0)
        }
    }

    private static func fsyncDirectory(_ path: String) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}

/// Copies a file and syncs the copy.
enum FileCopy {
    static func copy(_ source: String, to target: String, ifPresent: Bool = false) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        if input < 0 && ifPresent && errno == ENOENT { return }
        guard input >= 0 else { throw LedgerError(.unavailable, "cannot read \(source): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw LedgerError(.unavailable, "cannot write \(target): \(String(cString: strerror(errno)))") }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n == 0 { break }
            guard n > 0, buffer.withUnsafeBytes({ write(output, $0.baseAddress, n) }) == n else {
                throw LedgerError(.storage, "cannot copy \(source) to \(target): \(String(cString: strerror(errno)))")
            }
        }
        guard fsync(output) == 0 else { throw LedgerError(.storage, "cannot sync \(target): \(String(cString: strerror(errno)))") }
    }
}
