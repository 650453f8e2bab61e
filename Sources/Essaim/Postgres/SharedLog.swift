#if canImport(Glibc)
import Glibc
#endif

/// The event log in PostgreSQL, shared by the sites of a network (schema `essaim`).
///
/// Tables:
/// - `essaim.meta`: `schema` (this layout's version) and `log` (a random id that
///   names this log; a replica remembers it and refuses another log).
/// - `essaim.head`: one row, the last position and its chain hash. Every write
///   locks it first (`UPDATE … RETURNING`): writers serialise on it, so positions
///   are gapless and become visible in commit order.
/// - `essaim.events`: position (primary key), id (unique), stream and version
///   (unique together), type name, and the stored record bytes, the same as in
///   an LMDB ledger: the integrity chain and the digest are identical.
/// - `essaim.personal_keys`: an application's key and the position of the event
///   that created it; erasing deletes the row.
///
/// The connection is used by one thread at a time (the lock); it is made again
/// when it was lost.
final class SharedLog: @unchecked Sendable {
    /// The layout of the `essaim` schema this code writes and reads.
    static let schemaVersion = 1
    /// Events per page read from the log.
    static let pageSize = 10_000
    /// The channel every commit notifies with its head position.
    static let channel = "essaim_log"
    let url: String
    /// Seconds a writer waits for the head row before giving up (exit 3, retry).
    let lockTimeout: Double
    private let gate = ReadWriteLock()
    private var current: PostgresConnection?

    /// A log at `url`; nothing is connected before the first use.
    init(url: String, lockTimeout: Double = 15) {
        self.url = url
        self.lockTimeout = lockTimeout
    }

    /// The URL without its password.
    var displayName: String { PostgresConnection.withoutPassword(url) }

    /// The connection, made again when it was lost; the caller holds the gate.
    private func connection() throws -> PostgresConnection {
        if let current, current.isAlive { return current }
        let made = try PostgresConnection(url: url)
        current = made
        return made
    }

    /// Runs `body` with the (re)made connection, one caller at a time.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        gate.lockExclusive()
        defer { gate.unlock() }
        do {
            return try body(try connection())
        } catch {
            if current?.isAlive != true { current = nil }
            throw error
        }
    }

    /// Drops the connection (the next use connects again).
    func disconnect() {
        gate.lockExclusive()
        current = nil
        gate.unlock()
        listenGate.lockExclusive()
        listener = nil
        listenGate.unlock()
    }

    // MARK: Schema

    /// Creates the schema when missing (idempotent, safe when several sites run
    /// it at once) and returns the log's id. Throws `.newerFormat` for a newer schema.
    func createSchema() throws -> String {
        try withConnection { connection in
            try connection.execute("BEGIN")
            do {
                // Serialises concurrent inits (CREATE … IF NOT EXISTS can race).
                try connection.execute("SELECT pg_advisory_xact_lock(4242424242)")
                try connection.execute("""
                    CREATE SCHEMA IF NOT EXISTS essaim;
                    CREATE TABLE IF NOT EXISTS essaim.meta (name text PRIMARY KEY, value text NOT NULL);
                    """)
                if let version = try schemaVersion(connection), version > Self.schemaVersion {
                    throw newerSchema(version)
                }
                try connection.execute("""
                    CREATE TABLE IF NOT EXISTS essaim.head (
                        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                        position bigint NOT NULL,
                        hash bytea NOT NULL);
                    CREATE TABLE IF NOT EXISTS essaim.events (
                        position bigint PRIMARY KEY,
                        id uuid NOT NULL UNIQUE,
                        stream text NOT NULL,
                        version bigint NOT NULL,
                        type text NOT NULL,
                        record bytea NOT NULL,
                        UNIQUE (stream, version));
                    CREATE TABLE IF NOT EXISTS essaim.personal_keys (
                        application text PRIMARY KEY,
                        position bigint NOT NULL,
                        key bytea NOT NULL);
                    CREATE INDEX IF NOT EXISTS personal_keys_position ON essaim.personal_keys (position);
                    INSERT INTO essaim.head VALUES (true, 0, '\(PostgresConnection.hex(EventRecord.chainStart))') ON CONFLICT DO NOTHING;
                    INSERT INTO essaim.meta VALUES ('schema', '\(Self.schemaVersion)'), ('log', gen_random_uuid()::text)
                        ON CONFLICT DO NOTHING;
                    """)
                let id = try logID(connection)
                try connection.execute("COMMIT")
                return id
            } catch {
                connection.rollback()
                throw error
            }
        }
    }

    /// Checks the schema and returns the log's id: `.missing` when there is no
    /// log in the database, `.newerFormat` when it was made by a newer Essaim.
    func checkSchema() throws -> String {
        try withConnection { connection in
            let exists = try connection.execute("SELECT to_regclass('essaim.meta') IS NOT NULL")
            guard exists.text(0, 0) == "t", let version = try schemaVersion(connection) else {
                throw LedgerError(.missing, "no Essaim log in the database \(displayName) (create it with `essaim init`)")
            }
            if version > Self.schemaVersion { throw newerSchema(version) }
            return try logID(connection)
        }
    }

    private func schemaVersion(_ connection: PostgresConnection) throws -> Int? {
        let result = try connection.execute("SELECT value FROM essaim.meta WHERE name = 'schema'")
        return result.rowCount == 0 ? nil : Int(result.text(0, 0))
    }

    private func logID(_ connection: PostgresConnection) throws -> String {
        let result = try connection.execute("SELECT value FROM essaim.meta WHERE name = 'log'")
        guard result.rowCount == 1 else { throw LedgerError(.corrupt, "the log at \(displayName) has no id") }
        return result.text(0, 0)
    }

    private func newerSchema(_ version: Int) -> LedgerError {
        LedgerError(.newerFormat, "the log at \(displayName) has schema \(version), newer than this Essaim understands (\(Self.schemaVersion)); upgrade Essaim")
    }

    // MARK: Reading

    /// The head row: last position and its chain hash, as committed now.
    func head() throws -> (position: UInt64, hash: [UInt8]) {
        try withConnection { connection in try Self.head(connection.execute("SELECT position, hash FROM essaim.head", [])) }
    }

    private static func head(_ result: PostgresResult) throws -> (position: UInt64, hash: [UInt8]) {
        guard result.rowCount == 1 else { throw LedgerError(.corrupt, "the log's head row is missing") }
        return (UInt64(result.int64(0, 0)), Array(result.bytes(0, 1)))
    }

    /// The chain hash stored at `position` (the last 32 bytes of its record), or
    /// `nil` when the log holds no event there.
    func chainHash(at position: UInt64) throws -> [UInt8]? {
        try withConnection { connection in
            let result = try connection.execute(
                "SELECT substring(record FROM octet_length(record) - 31) FROM essaim.events WHERE position = $1", [String(position)])
            return result.rowCount == 0 ? nil : Array(result.bytes(0, 0))
        }
    }

    /// Records from `start` through `end` (at most `limit`), in position order,
    /// with the keys created by them, from one statement's snapshot.
    func page(from start: UInt64, through end: UInt64 = .max, limit: Int = SharedLog.pageSize) throws -> LogPage {
        try withConnection { connection in try Self.page(connection, from: start, through: end, limit: limit) }
    }

    fileprivate static func page(_ connection: PostgresConnection, from start: UInt64, through end: UInt64, limit: Int) throws -> LogPage {
        let last = String(min(end, UInt64(Int64.max)))
        let result = try connection.execute("""
            SELECT position, record FROM essaim.events WHERE position BETWEEN $1 AND $2 ORDER BY position LIMIT $3
            """, [String(start), last, String(limit)])
        var page = LogPage()
        page.records.reserveCapacity(result.rowCount)
        for row in 0..<result.rowCount {
            page.records.append((UInt64(result.int64(row, 0)), Array(result.bytes(row, 1))))
        }
        if let through = page.records.last?.position {
            let keys = try connection.execute(
                "SELECT application, key FROM essaim.personal_keys WHERE position BETWEEN $1 AND $2", [String(start), String(through)])
            for row in 0..<keys.rowCount { page.keys[keys.text(row, 0)] = Array(keys.bytes(row, 1)) }
        }
        return page
    }

    /// A page of rows from `start` with every column, for verification.
    func columns(from start: UInt64) throws -> [(position: UInt64, id: EventID?, stream: String, version: UInt64, type: String, bytes: [UInt8])] {
        try withConnection { connection in
            let result = try connection.execute("""
                SELECT position, id, stream, version, type, record FROM essaim.events WHERE position >= $1 ORDER BY position LIMIT $2
                """, [String(start), String(Self.pageSize)])
            return (0..<result.rowCount).map { row in
                (UInt64(result.int64(row, 0)), EventID(bytes: Array(result.bytes(row, 1))), result.text(row, 2),
                 UInt64(result.int64(row, 3)), result.text(row, 4), Array(result.bytes(row, 5)))
            }
        }
    }

    /// Waits up to `timeout` seconds for a commit's notification; `true` when one came.
    /// The first call starts listening.
    /// It listens on a connection of its own, so that waiting never holds up a write.
    func waitForCommit(timeout: Double) throws -> Bool {
        listenGate.lockExclusive()
        defer { listenGate.unlock() }
        guard let listener, listener.isAlive else {
            let connection = try PostgresConnection(url: url)
            try connection.execute("LISTEN \(Self.channel)")
            listener = connection
            // What was committed before LISTEN took effect is found by the caller's next sync.
            return true
        }
        do {
            return try listener.waitForNotification(timeout: timeout)
        } catch {
            self.listener = nil
            throw error
        }
    }
    private let listenGate = ReadWriteLock()
    private var listener: PostgresConnection?

    // MARK: Writing

    /// Starts a write: a READ COMMITTED transaction holding the head row.
    func beginWrite() throws -> SharedLogWrite {
        gate.lockExclusive()
        do {
            let connection = try connection()
            let result: PostgresResult
            do {
                result = try connection.execute("""
                    BEGIN ISOLATION LEVEL READ COMMITTED;
                    SET LOCAL lock_timeout = '\(max(1, Int(lockTimeout * 1_000)))ms';
                    SET LOCAL idle_in_transaction_session_timeout = '60s';
                    UPDATE essaim.head SET position = position WHERE singleton RETURNING position, hash
                    """)
            } catch {
                connection.rollback()
                throw error
            }
            // The text form of the head row.
            guard result.rowCount == 1, let position = UInt64(result.text(0, 0)),
                  let hash = PostgresConnection.bytes(hex: result.text(0, 1)) else {
                connection.rollback()
                throw LedgerError(.corrupt, "the log's head row at \(displayName) is missing or unreadable")
            }
            return SharedLogWrite(log: self, connection: connection, head: position, headHash: hash)
        } catch {
            if current?.isAlive != true { current = nil }
            gate.unlock()
            throw error
        }
    }

    /// Called by a write when it ends (committed or rolled back).
    fileprivate func endWrite(connectionLost: Bool) {
        if connectionLost { current = nil }
        gate.unlock()
    }
}

/// Records fetched from the shared log, and the personal-data keys they created.
struct LogPage {
    var records: [(position: UInt64, bytes: [UInt8])] = []
    var keys: [String: [UInt8]] = [:]
}

/// One write to the shared log: the head row is locked until ``commit(head:hash:)``
/// or ``rollback()``. Events are streamed to the server with `COPY` (binary) as
/// they are added, so a large import is not held in memory twice.
final class SharedLogWrite {
    private let log: SharedLog
    private let connection: PostgresConnection
    /// The head when the write began (locked: no other writer moves it).
    let head: UInt64
    let headHash: [UInt8]
    private var copying = false
    /// Events encoded for the COPY, sent as they pile up.
    private var rows = BinaryCopyRows()
    /// Keys encoded for a COPY at commit (a large write's).
    private var keyRows = BinaryCopyRows()
    /// Rows not sent yet, while the write is small enough for one INSERT with its commit.
    private var pending: [(position: UInt64, id: EventID, stream: String, version: UInt64, type: String, bytes: [UInt8])] = []
    /// Past this many rows, a write streams them with COPY.
    private static let insertLimit = 64
    private var newKeys: [(application: String, key: [UInt8], position: UInt64)] = []
    private var erased: [String] = []
    private var ended = false

    fileprivate init(log: SharedLog, connection: PostgresConnection, head: UInt64, headHash: [UInt8]) {
        self.log = log
        self.connection = connection
        self.head = head
        self.headHash = headHash
    }

    deinit { if !ended { rollback() } }

    /// The records after the local replica's `applied` position, through the head, page by page.
    func page(after applied: UInt64, limit: Int = SharedLog.pageSize) throws -> LogPage {
        try SharedLog.page(connection, from: applied + 1, through: head, limit: limit)
    }

    /// Adds a stored record to the write: kept for the commit's INSERT while the
    /// write is small (one round trip for the whole write), streamed with COPY past that.
    func add(position: UInt64, id: EventID, stream: String, version: UInt64, type: String, bytes: [UInt8]) throws {
        if !copying {
            pending.append((position, id, stream, version, type, bytes))
            guard pending.count > Self.insertLimit else { return }
            let rows = pending
            pending = []
            for row in rows {
                try copy(position: row.position, id: row.id, stream: row.stream, version: row.version, type: row.type, bytes: row.bytes)
            }
            return
        }
        try copy(position: position, id: id, stream: stream, version: version, type: type, bytes: bytes)
    }

    private func copy(position: UInt64, id: EventID, stream: String, version: UInt64, type: String, bytes: [UInt8]) throws {
        if !copying {
            try connection.beginCopy("COPY essaim.events (position, id, stream, version, type, record) FROM STDIN (FORMAT binary)")
            copying = true
        }
        rows.row(fields: 6)
        rows.int64(position)
        rows.field(id.bytes)
        rows.field(stream.utf8)
        rows.int64(version)
        rows.field(type.utf8)
        rows.field(bytes)
        if rows.bytes.count >= 1 << 18 { try connection.copy(rows.take()) }
    }

    /// Adds a new personal-data key, created by the event at `position`: kept for
    /// the commit's INSERT while few, encoded for a COPY past that.
    func addKey(_ key: [UInt8], for application: String, at position: UInt64) {
        newKeys.append((application, key, position))
        guard newKeys.count > Self.insertLimit else { return }
        for key in newKeys {
            keyRows.row(fields: 3)
            keyRows.field(key.application.utf8)
            keyRows.int64(key.position)
            keyRows.field(key.key)
        }
        newKeys.removeAll()
    }

    /// Deletes an application's key with this write.
    func eraseKey(for application: String) {
        erased.append(application)
    }

    /// Stores what was added, moves the head to `position`/`hash`, notifies the
    /// other sites and commits. Throws `.unavailable` when the connection was lost
    /// on the way (the write may then have committed or not: a retry with the same
    /// event ids settles it).
    func commit(head position: UInt64, hash: [UInt8]) throws {
        defer { end() }
        do {
            if copying {
                try connection.copy(rows.take(ending: true))
                try connection.endCopy()
                copying = false
            }
            if !keyRows.isEmpty {
                try connection.beginCopy("COPY essaim.personal_keys (application, position, key) FROM STDIN (FORMAT binary)")
                try connection.copy(keyRows.take(ending: true))
                try connection.endCopy()
            }
            var sql = ""
            if !pending.isEmpty {
                let rows = try pending.map { row in
                    "(\(row.position), '\(row.id)', \(try Self.literal(row.stream)), \(row.version), \(try Self.literal(row.type)), '\(PostgresConnection.hex(row.bytes))')"
                }
                sql += "INSERT INTO essaim.events (position, id, stream, version, type, record) VALUES \(rows.joined(separator: ", "));\n"
            }
            for batch in stride(from: 0, to: newKeys.count, by: 1_000) {
                let rows = try newKeys[batch..<min(batch + 1_000, newKeys.count)].map { key in
                    "(\(try Self.literal(key.application)), \(key.position), '\(PostgresConnection.hex(key.key))')"
                }
                sql += "INSERT INTO essaim.personal_keys (application, position, key) VALUES \(rows.joined(separator: ", "));\n"
            }
            for application in erased {
                sql += "DELETE FROM essaim.personal_keys WHERE application = \(try Self.literal(application));\n"
            }
            if position != head {
                sql += """
                    UPDATE essaim.head SET position = \(position), hash = '\(PostgresConnection.hex(hash))' WHERE singleton;
                    SELECT pg_notify('\(SharedLog.channel)', '\(position)');\n
                    """
            }
            sql += "COMMIT"
            try connection.execute(sql)
        } catch {
            abandon()
            throw error
        }
    }

    /// Abandons the write; nothing of it is stored. Does nothing once the write ended.
    func rollback() {
        guard !ended else { return }
        defer { end() }
        abandon()
    }

    /// Ends a COPY still under way (the server then refuses it), then rolls back.
    private func abandon() {
        if copying {
            try? connection.endCopy(error: "abandoned")
            copying = false
        }
        connection.rollback()
    }

    private func end() {
        guard !ended else { return }
        ended = true
        log.endWrite(connectionLost: !connection.isAlive)
    }

    /// A SQL string literal (standard conforming strings: only quotes double).
    /// PostgreSQL's text cannot hold NUL: such a text is refused.
    static func literal(_ text: String) throws -> String {
        if text.utf8.contains(0) {
            throw LedgerError(.storage, "PostgreSQL cannot store a text with a NUL character (\(text.debugDescription)); nothing was stored")
        }
        var out = "'"
        for character in text { out += character == "'" ? "''" : String(character) }
        return out + "'"
    }
}

/// Rows in PostgreSQL's binary COPY format: a header, then per row its field
/// count and each field as a 32-bit length and its bytes, then a trailer.
struct BinaryCopyRows {
    /// Signature, flags, header extension length.
    private static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]
    private(set) var bytes: [UInt8] = []
    private var started = false

    var isEmpty: Bool { !started }

    mutating func row(fields: UInt16) {
        if !started {
            bytes += Self.header
            started = true
        }
        bytes.append(UInt8(fields >> 8))
        bytes.append(UInt8(fields & 0xFF))
    }

    mutating func field(_ value: some Collection<UInt8>) {
        let n = UInt32(value.count)
        bytes.append(contentsOf: [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)])
        bytes.append(contentsOf: value)
    }

    mutating func int64(_ value: UInt64) {
        bytes.append(contentsOf: [0, 0, 0, 8])
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(value >> UInt64(shift) & 0xFF)) }
    }

    /// The bytes encoded so far (with the trailer when `ending`), and starts over.
    mutating func take(ending: Bool = false) -> [UInt8] {
        if ending { bytes += [0xFF, 0xFF] }
        defer { bytes.removeAll(keepingCapacity: !ending) }
        return bytes
    }
}
