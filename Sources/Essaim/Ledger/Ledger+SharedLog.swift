#if canImport(Glibc)
import Glibc
#endif

/// What ``Ledger/sync(pageSize:)`` did.
public struct SyncReport: Sendable, Equatable {
    /// Events of the shared log applied to the replica.
    public var applied = 0
    /// The replica's position afterwards.
    public var position: UInt64 = 0
}

extension Ledger {
    /// Creates a site's replica of the shared log in PostgreSQL at `url`: the
    /// log's schema when the database has none (again: nothing changes), and an
    /// empty replica at `path` when there is none (an existing replica of this
    /// log is kept). Bring the replica up to date with ``sync(pageSize:)``.
    ///
    /// Throws `.unavailable` when the database cannot be reached, `.newerFormat`
    /// when its log was made by a newer Essaim, `.foreign` when `path` holds a
    /// replica of another log or a single-machine ledger with events.
    public static func createReplica(at path: String, sharedLog url: String,
                                     configuration: LedgerConfiguration = .init()) throws -> Ledger {
        let shared = SharedLog(url: url, lockTimeout: configuration.sharedLogLockTimeout)
        let id = try shared.createSchema()
        let exists = access(path + "/data.mdb", F_OK) == 0
        var local = configuration
        local.readOnly = false
        let ledger = exists ? try openExisting(at: path, configuration: local, shared: shared)
                            : try create(at: path, configuration: local, shared: shared)
        try ledger.bind(toSharedLog: id)
        return ledger
    }

    /// Opens a site's replica of the shared log in PostgreSQL at `url`, for
    /// appending through the log and syncing from it. (Queries only need the
    /// replica: ``open(at:configuration:)`` reads it without the database.)
    public static func openReplica(at path: String, sharedLog url: String,
                                   configuration: LedgerConfiguration = .init()) throws -> Ledger {
        let shared = SharedLog(url: url, lockTimeout: configuration.sharedLogLockTimeout)
        let id = try shared.checkSchema()
        var local = configuration
        local.readOnly = false
        let ledger = try openExisting(at: path, configuration: local, shared: shared)
        try ledger.bind(toSharedLog: id)
        return ledger
    }

    /// A shared log's URL with its password, if any, left out: for messages.
    public static func displayName(ofSharedLog url: String) -> String {
        PostgresConnection.withoutPassword(url)
    }

    /// Whether this ledger writes through a shared log (opened with ``openReplica(at:sharedLog:configuration:)``).
    public var isReplica: Bool { shared != nil }

    /// Makes this ledger the replica of the log `id`, or checks that it is.
    private func bind(toSharedLog id: String) throws {
        // Already bound (every open but the first): checked without the write lock,
        // which a long import at this site may hold.
        if try read({ txn in try store.sharedLogID(txn) }) == id { return }
        try write { txn in
            let bound = try store.sharedLogID(txn)
            if bound == id { return }
            if let bound {
                throw LedgerError(.foreign, "the replica at \(path) belongs to another shared log (\(bound)); the database's log is \(id)")
            }
            guard try log(txn).head() == 0 else {
                throw LedgerError(.foreign, "\(path) is a single-machine ledger with events, not a replica; export it and import the export through the shared log")
            }
            try store.setSharedLogID(id, txn)
        }
    }

    /// The replica's last position and its chain hash, from one snapshot.
    private func replicaHead() throws -> (position: UInt64, hash: [UInt8]) {
        let digest = try read { txn in let log = log(txn); return try log.digest(at: log.head()) }
        return (digest.position, digest.hash)
    }

    private func sharedLog() throws -> SharedLog {
        guard let shared else { throw LedgerError(.unavailable, "the ledger at \(path) was not opened as a replica of a shared log") }
        return shared
    }

    /// Runs `body` on a batch of appends in one write. On a replica, the write is
    /// first a write to the shared log: it locks the log's head, brings the
    /// replica up to it, lets `body` add events (checked against every event
    /// before them, whichever site wrote them), stores them in the log and commits
    /// there, then in the replica. Should the replica's commit fail after the log's,
    /// the write is stored all the same, and a sync brings it to the replica.
    func appending(reportingEachEvent: Bool = true,
                   _ body: (inout AppendBatch<SiteLogAppender>, Transaction) throws -> Void) throws -> AppendReport {
        // What other sites wrote is applied before the lock is taken, so that the
        // lock is held only for what they write meanwhile.
        var committing = false
        // The report of a write the log has committed: from then on, the write
        // must not run again.
        var stored: AppendReport?
        var replicaBehind = false
        do {
            if shared != nil { _ = try sync(pageSize: SharedLog.pageSize, checkingHead: false) }
            let report = try write { txn in
                if let stored {
                    // The replica's map was full at its commit, after the log's: the map
                    // has grown and this transaction runs again, but the events are in
                    // the log already. Appended once more, they would be refused as
                    // duplicates, or stored twice under new ids. The sync below files them.
                    replicaBehind = true
                    return stored
                }
                if self.shared == nil, try store.sharedLogID(txn) != nil {
                    // Written here, the replica would part from its log for good.
                    throw LedgerError(.readOnly, "\(path) is a replica of a shared log: write through the log (--ledger postgresql://… --replica \(path))")
                }
                let shared = try self.shared?.beginWrite()
                do {
                    if let shared { try catchUp(txn, to: shared) }
                    var batch = try AppendBatch(log: SiteLogAppender(local: try EventStore.Appender(store: store, txn: txn), shared: shared),
                                            ledger: self, txn: txn, reportingEachEvent: reportingEachEvent)
                    try body(&batch, txn)
                    let report = try batch.finish()
                    committing = true
                    try shared?.commit(head: batch.log.local.nextPosition - 1, hash: batch.log.local.previousHash)
                    if shared != nil { stored = report }
                    return report
                } catch {
                    shared?.rollback()
                    throw error
                }
            }
            if replicaBehind {
                // The write is stored: a sync that fails now leaves the replica behind
                // until the next one, as any other site may be.
                do {
                    _ = try sync(pageSize: SharedLog.pageSize, checkingHead: false)
                } catch {
                    logger.warning("the replica did not file a write the shared log stored; the next sync or write brings it",
                                   metadata: ["error": "\(error)"])
                }
            }
            return report
        } catch let error as LedgerError where stored != nil {
            throw LedgerError(error.code, "the write is stored in the shared log, but this replica's commit failed: "
                              + error.message + "; `essaim sync` brings it here", underlying: error.underlying)
        } catch let error as LedgerError where error.code == .unavailable && shared != nil {
            // Say what became of the write: a commit whose answer was lost may have landed.
            let fate = committing
                ? "the connection dropped during the commit, so this write may be stored: `essaim sync` shows it, and a retry with the same event ids stores it once"
                : "nothing of this write was stored; retry"
            throw LedgerError(.unavailable, error.message + "; " + fate, underlying: error.underlying)
        }
    }

    /// Brings the replica up to the head a write holds locked.
    private func catchUp(_ txn: Transaction, to shared: SharedLogWrite) throws {
        var applied = try log(txn).head()
        if applied > shared.head {
            throw diverged(at: applied, "the log's head is \(shared.head)")
        }
        while applied < shared.head {
            let page = try shared.page(after: applied)
            guard !page.records.isEmpty else {
                throw LedgerError(.corrupt, "the shared log's head is \(shared.head) but it holds no event after \(applied)")
            }
            try apply(page, txn)
            applied = page.records.last!.position
        }
        if try log(txn).digest(at: applied).hash != shared.headHash { throw diverged(at: applied, "the log's head hash differs") }
    }

    private func diverged(at position: UInt64, _ detail: String) -> LedgerError {
        LedgerError(.diverged, """
            the replica at \(path) and the shared log disagree at position \(position) (\(detail)): the log lost or \
            rewrote events this replica holds (a failover to a standby that was behind, or a restore from an older \
            backup?). Nothing was changed; see "Several sites" in the README
            """)
    }

    /// Files the records of `page` in the replica as they are (their positions
    /// and integrity hashes checked), keeps the keys they created, destroys the
    /// keys their erasures name, and folds them into every projection, in `txn`.
    private func apply(_ page: LogPage, _ txn: Transaction) throws {
        guard let last = page.records.last?.position else { return }
        var appender = try EventStore.Appender(store: store, txn: txn)
        let (_, folders) = projections.folders(txn)
        for (application, key) in page.keys { try personalKeys.install(key, for: application, txn) }
        for (position, bytes) in page.records {
            let event = try bytes.withUnsafeBytes { raw in
                let view = try EventRecord.view(raw, position: position)
                let event = try RecordedEvent(view, position: position)
                do {
                    try appender.appendSealed(bytes, view: view, position: position, stream: event.stream)
                } catch let error as LedgerError where error.code == .corrupt && position == appender.nextPosition {
                    throw diverged(at: position - 1, error.message)
                }
                return event
            }
            if case let .personalDataErased(e) = event.event { try personalKeys.erase(e.application, txn) }
            for folder in folders { try folder.apply(event) }
        }
        for folder in folders { try folder.finish() }
        try personalKeys.sync()
        try projections.checkpoint(last, txn)
    }

    /// Brings this replica up to the shared log's head, `pageSize` events per
    /// replica transaction (each applied exactly once: a sync cut short goes on
    /// from where it stopped). First checks that the log still holds the
    /// replica's last event with the same integrity hash (`.diverged` when not).
    @discardableResult
    public func sync(pageSize: Int = 10_000) throws -> SyncReport {
        try sync(pageSize: pageSize, checkingHead: true)
    }

    /// ``sync(pageSize:)``; without `checkingHead`, the replica's last event is
    /// not compared with the log's first (a write does it under the lock).
    private func sync(pageSize: Int, checkingHead: Bool) throws -> SyncReport {
        let shared = try sharedLog()
        let (head, hash) = try replicaHead()
        if checkingHead && head > 0 {
            guard let remote = try shared.chainHash(at: head) else { throw diverged(at: head, "the log holds no event there") }
            if remote != hash { throw diverged(at: head, "the integrity hashes differ") }
        }
        var report = SyncReport(applied: 0, position: head)
        while true {
            // Fetched before the replica's write transaction, which is taken only
            // when there is something to apply.
            let page = try shared.page(from: report.position + 1, limit: pageSize)
            guard let last = page.records.last?.position else { return report }
            let applied = try write { txn in
                // Another process of this site applied them meanwhile: fetch again.
                guard try log(txn).head() == report.position else { return false }
                try apply(page, txn)
                return true
            }
            if applied {
                report.applied += page.records.count
                report.position = last
                if page.records.count < pageSize { return report }
            } else {
                report.position = try headPosition()
            }
        }
    }

    /// Keeps the replica up to date until `shouldStop` returns `true`: syncs,
    /// then waits for the log's notification of a commit (or `pollInterval`
    /// seconds, whichever comes first) and syncs again. When the database
    /// cannot be reached, reports it to `onUnavailable` and retries, with a
    /// growing pause; a reconnection is followed by a sync. `onSync` is called
    /// after every sync that applied events.
    public func follow(pollInterval: Double = 5, shouldStop: () -> Bool = { false },
                       onSync: (SyncReport) -> Void = { _ in },
                       onUnavailable: (LedgerError) -> Void = { _ in }) throws {
        let shared = try sharedLog()
        var pause = 0.25
        while !shouldStop() {
            do {
                let report = try sync()
                if report.applied > 0 { onSync(report) }
                pause = 0.25
                _ = try shared.waitForCommit(timeout: pollInterval)
            } catch let error as LedgerError where error.code == .unavailable {
                logger.warning("shared log unavailable", metadata: ["error": "\(error.message)"])
                onUnavailable(error)
                shared.disconnect()
                usleep(UInt32(pause * 1_000_000))
                pause = min(pause * 2, pollInterval)
            }
        }
    }

    /// Calls `body` with every event of the shared log from `start` through
    /// `end`, in position order, personal data decrypted with the log's keys.
    public func forEachSharedEvent(from start: UInt64 = 1, through end: UInt64 = .max,
                                   _ body: (RecordedEvent) throws -> Bool) throws {
        let shared = try sharedLog()
        var next = start
        while next <= end {
            let page = try shared.page(from: next, through: end)
            for (position, bytes) in page.records {
                let event = try bytes.withUnsafeBytes { try RecordedEvent(stored: $0, position: position, personal: .openWith(page.keys)) }
                if try !body(event) { return }
            }
            guard let last = page.records.last?.position, page.records.count == SharedLog.pageSize else { return }
            next = last + 1
        }
    }

    /// Checks the shared log: gapless positions from 1, every integrity hash,
    /// records that decode into the id, stream, version and type stored beside
    /// them, the head row at the last event, and that this replica's last event
    /// is the log's at that position. (``verify(digestAt:)`` checks the replica itself.)
    public func verifySharedLog(digestAt: UInt64? = nil) throws -> VerificationReport {
        let shared = try sharedLog()
        let (replicaHead, replicaHash) = try self.replicaHead()
        let head = try shared.head()
        var walk = LogWalk(digestAt: digestAt)
        var next: UInt64 = 1
        while true {
            let rows = try shared.columns(from: next)
            for row in rows {
                guard let event = row.bytes.withUnsafeBytes({ walk.visit(row.position, $0) }) else { continue }
                if event.id != row.id || event.stream != row.stream || event.version != row.version || event.type.rawValue != row.type {
                    walk.problem("the columns of position \(row.position) do not match its record")
                }
                if row.position == replicaHead, walk.chain != replicaHash {
                    walk.problem("this replica's event at position \(replicaHead) is not the log's: the replica and the log have diverged")
                }
            }
            guard let last = rows.last, rows.count == SharedLog.pageSize else { break }
            next = last.position + 1
        }
        let logHead = walk.expected - 1
        if head.position != logHead || head.hash != walk.chain {
            walk.problem("the log's head row says position \(head.position), the events end at \(logHead) or with another hash")
        }
        if replicaHead > logHead {
            walk.problem("this replica is at position \(replicaHead), past the log's last event (\(logHead)): acknowledged events were lost")
        }
        return walk.report
    }
}

/// The appender of a ledger's writes: the replica's LMDB log and, on a replica
/// of a shared log, the write to it that every stored record also goes to
/// (byte for byte, so both hold the same integrity chain).
struct SiteLogAppender: EventLogAppender, ReadingThrough {
    private(set) var local: EventStore.Appender
    /// The write to the shared log; `nil` for a single-machine ledger.
    let shared: SharedLogWrite?

    var base: EventStore.Appender { local }
    var keepsKeys: Bool { shared != nil }

    mutating func append(_ record: consuming EventRecord, checkVersion: (UInt64?) throws -> Void) throws -> EventRecord {
        let stored = try local.append(record, checkVersion: checkVersion)
        try shared?.add(position: stored.position, id: stored.id, stream: stored.stream, version: stored.version,
                        type: EventType(code: stored.typeCode)?.rawValue ?? "", bytes: local.lastStored)
        return stored
    }

    mutating func claim(_ id: EventID) throws -> UInt64? { try local.claim(id) }

    mutating func prefetchAppend(id: EventID?, streamHash: UInt32) { local.prefetchAppend(id: id, streamHash: streamHash) }

    mutating func expect(records: Int) { local.expect(records: records) }

    mutating func finish() throws { try local.finish() }

    func keepKey(_ key: [UInt8], for application: String, createdAt position: UInt64) throws {
        shared?.addKey(key, for: application, at: position)
    }

    func eraseKey(for application: String) throws {
        shared?.eraseKey(for: application)
    }
}
