/// The event log as the ledger reads it, from one consistent snapshot: records
/// at gapless positions from 1, each filed in a stream at the next version, ids
/// unique, every record sealed into the integrity chain.
///
/// This is the storage seam: the ledger's appending, reading and checking go
/// through it and name no storage engine. ``EventStore`` (LMDB) is today's
/// implementation. The log deals in ``EventRecord``s; what their data means is
/// the domain's business. (Personal-data keys sit behind a seam of their own,
/// `PersonalKeyStore`; a log that keeps them too, as the shared log does, is
/// handed them by ``EventLogAppender/keepKey(_:for:createdAt:)``.)
protocol EventLogReader {
    /// The last position (0 when the log is empty).
    func head() throws -> UInt64
    /// The stored chain hash of the record at `position`.
    func chainHash(at position: UInt64) throws -> [UInt8]
    /// The record at `position`, or `nil`.
    func record(at position: UInt64) throws -> EventRecord?
    /// The position of the record with `id`, or `nil`.
    func position(of id: EventID) throws -> UInt64?
    /// The last version of `stream`, or `nil` when it has no record.
    func version(ofStream stream: String) throws -> UInt64?
    /// The positions of `stream`'s records, in version order.
    func positions(ofStream stream: String) throws -> [UInt64]
    /// Calls `body` with each stream's name and number of records, in name order.
    func forEachStream(_ body: (String, Int) throws -> Void) throws
    /// How many ids the id index holds.
    func idCount() throws -> Int
    /// Calls `body` with each stored record's position and bytes (valid only
    /// during the call) from `start` through `end`; `body` returns `false` to stop.
    func forEachStored(from start: UInt64, through end: UInt64,
                       _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool) throws
}

/// The event log inside one write: what ``EventLogReader`` reads, plus appending.
protocol EventLogAppender: EventLogReader {
    /// Files `record` in its stream at the next version and the next position,
    /// stamped with the write's time and sealed into the chain. `checkVersion`
    /// sees the stream's current version first and throws to refuse the record.
    mutating func append(_ record: consuming EventRecord, checkVersion: (UInt64?) throws -> Void) throws -> EventRecord
    /// Reserves `id` for the record appended next, unless a stored record has
    /// it: then returns that record's position and reserves nothing. (What
    /// ``EventLogReader/position(of:)`` answers, in one search of the id index
    /// where a lookup then the append's own write would take two.) A write must
    /// not commit a reservation no record filled: a refused record aborts it.
    mutating func claim(_ id: EventID) throws -> UInt64?
    /// Has what the append of a record soon reads loaded ahead (a hint): the
    /// claim of its `id`, when it has one, and the version of its stream,
    /// whose name's ``IDSlots/hash(_:)-(String)`` is `streamHash`.
    mutating func prefetchAppend(id: EventID?, streamHash: UInt32)
    /// Says about how many records the write will append in all, when it is
    /// known ahead: a large write holds its ids for its end only if they fit.
    mutating func expect(records: Int)
    /// Stores what the appender held back for the end of the write (a large
    /// write's id index entries); call once every record is appended, before
    /// the commit.
    mutating func finish() throws
    /// Whether the log keeps personal-data keys itself (a shared log does; an
    /// LMDB ledger keeps them in its key store only). When it does, the batch
    /// hands it each new key and each erasure.
    var keepsKeys: Bool { get }
    /// Keeps `key`, the new key of `application`, created for the record at `position`.
    mutating func keepKey(_ key: [UInt8], for application: String, createdAt position: UInt64) throws
    /// Deletes the key of `application`.
    mutating func eraseKey(for application: String) throws
}

/// A log whose reading is another reader's (an appender reads through the
/// transaction it writes in); a conforming type overrides what it knows better.
protocol ReadingThrough: EventLogReader {
    associatedtype Base: EventLogReader
    var base: Base { get }
}

extension ReadingThrough {
    func head() throws -> UInt64 { try base.head() }
    func chainHash(at position: UInt64) throws -> [UInt8] { try base.chainHash(at: position) }
    func record(at position: UInt64) throws -> EventRecord? { try base.record(at: position) }
    func position(of id: EventID) throws -> UInt64? { try base.position(of: id) }
    func version(ofStream stream: String) throws -> UInt64? { try base.version(ofStream: stream) }
    func positions(ofStream stream: String) throws -> [UInt64] { try base.positions(ofStream: stream) }
    func forEachStream(_ body: (String, Int) throws -> Void) throws { try base.forEachStream(body) }
    func idCount() throws -> Int { try base.idCount() }
    func forEachStored(from start: UInt64, through end: UInt64,
                       _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool) throws {
        try base.forEachStored(from: start, through: end, body)
    }
}

extension EventLogReader {
    /// Every record from `start` through `end`, decoded, in position order.
    func forEachRecord(from start: UInt64, through end: UInt64 = .max, _ body: (EventRecord) throws -> Bool) throws {
        try forEachStored(from: start, through: end) { position, bytes in
            try body(try EventRecord.decode(bytes, position: position))
        }
    }

    /// The position of `stream`'s record at `version`, or `nil`.
    func position(inStream stream: String, version: UInt64) throws -> UInt64? {
        let all = try positions(ofStream: stream)
        return version < all.count ? all[Int(version)] : nil
    }

    /// Number of streams.
    func streamCount() throws -> Int {
        var count = 0
        try forEachStream { _, _ in count += 1 }
        return count
    }
}
