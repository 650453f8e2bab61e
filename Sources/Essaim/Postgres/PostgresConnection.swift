import EssaimCLibPQ

#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection, used synchronously by one thread at a time.
///
/// Errors become ``LedgerError``s: a connection that cannot be made or is lost
/// is `.unavailable` (the CLI's exit 3: nothing was stored, retry), a lock
/// not obtained within `lock_timeout` too; anything else the server refuses is `.storage`.
final class PostgresConnection {
    private let handle: OpaquePointer
    /// The URL without its password, for messages.
    let displayName: String

    /// Connects to `url` (a `postgresql://` URL or a libpq connection string;
    /// `PG*` variables and `~/.pgpass` fill in what it leaves out).
    init(url: String) throws {
        displayName = Self.withoutPassword(url)
        guard let connection = PQconnectdb(url) else {
            throw LedgerError(.unavailable, "cannot connect to \(displayName): out of memory")
        }
        handle = connection
        guard PQstatus(connection) == CONNECTION_OK else {
            // deinit closes the handle.
            let message = Self.trimmed(PQerrorMessage(connection))
            throw LedgerError(.unavailable, "cannot reach the database \(displayName): \(message)")
        }
        // Notices (such as "relation already exists, skipping") are not for users.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// `url` with any password replaced by `***`.
    static func withoutPassword(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        // libpq's messages run over several lines, indented with tabs: one line here.
        return String(cString: message).split(whereSeparator: { $0 == "\n" || $0 == "\t" })
            .filter { !$0.allSatisfy { $0 == " " } }.joined(separator: " ")
    }

    /// Whether the connection is still usable.
    var isAlive: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs `sql` (one or more statements without parameters); the result of the last.
    @discardableResult
    func execute(_ sql: String) throws -> PostgresResult {
        try check(PQexec(handle, sql), sql)
    }

    /// Runs one statement with text parameters (`$1`, …), results in binary.
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?]) throws -> PostgresResult {
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for copy in copies { free(copy) } }
        let values = copies.map { UnsafePointer($0) }
        return try check(PQexecParams(handle, sql, Int32(values.count), nil, values, nil, nil, 1), sql)
    }

    private func check(_ raw: OpaquePointer?, _ sql: String) throws -> PostgresResult {
        guard let raw else { throw failure(nil, sql) }
        let result = PostgresResult(raw)
        switch PQresultStatus(raw) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_COPY_IN: return result
        default: throw failure(raw, sql)
        }
    }

    /// The ``LedgerError`` for a failed command.
    private func failure(_ result: OpaquePointer?, _ sql: String) -> LedgerError {
        let message = Self.trimmed(result.map { PQresultErrorMessage($0) } ?? PQerrorMessage(handle))
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
        if !isAlive || state.hasPrefix("08") || state.hasPrefix("57P") {
            return LedgerError(.unavailable, "lost the database \(displayName): \(message)")
        }
        if state == "55P03" || state == "40P01" {
            return LedgerError(.unavailable, "the log at \(displayName) stayed locked by another writer: \(message)")
        }
        return LedgerError(.storage, "the database \(displayName) refused a command: \(message)")
    }

    /// Ends the open transaction, if any, keeping nothing of it; errors are
    /// ignored (a lost connection keeps nothing either).
    func rollback() {
        if let raw = PQexec(handle, "ROLLBACK") { PQclear(raw) }
    }

    /// Starts `COPY … FROM STDIN`; send rows with ``copy(_:)`` and end with ``endCopy(error:)``.
    func beginCopy(_ sql: String) throws {
        try execute(sql)
    }

    /// Sends COPY data (queued by libpq and sent as its buffer fills).
    func copy(_ bytes: [UInt8]) throws {
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        guard status == 1 else { throw failure(nil, "COPY") }
    }

    /// Ends a COPY; with `error`, makes the server abort it.
    func endCopy(error: String? = nil) throws {
        guard PQputCopyEnd(handle, error) == 1 else { throw failure(nil, "COPY") }
        var failed: LedgerError?
        while let raw = PQgetResult(handle) {
            if PQresultStatus(raw) != PGRES_COMMAND_OK, failed == nil, error == nil { failed = failure(raw, "COPY") }
            PQclear(raw)
        }
        if let failed { throw failed }
    }

    /// Waits up to `timeout` seconds for a notification on a channel this
    /// connection listens to; `true` when one (or more) arrived.
    func waitForNotification(timeout: Double) throws -> Bool {
        if try takeNotifications() { return true }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { throw failure(nil, "LISTEN") }
        let ready = poll(&descriptor, 1, Int32(timeout * 1_000))
        if ready < 0 && errno != EINTR { throw failure(nil, "LISTEN") }
        guard PQconsumeInput(handle) == 1 else { throw failure(nil, "LISTEN") }
        return try takeNotifications()
    }

    private func takeNotifications() throws -> Bool {
        var any = false
        while let notification = PQnotifies(handle) {
            any = true
            PQfreemem(notification)
        }
        return any
    }

    /// The bytes of a bytea's hex text (`\x…`), or `nil`.
    static func bytes(hex text: String) -> [UInt8]? {
        guard text.hasPrefix("\\x") else { return nil }
        return Hex.decode(text.utf8.dropFirst(2))
    }

    /// `bytes` as a bytea literal's hex text (`\x…`).
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        "\\x" + Hex.encode(bytes)
    }
}

final class PostgresResult {
    private let raw: OpaquePointer

    init(_ raw: OpaquePointer) { self.raw = raw }
    deinit { PQclear(raw) }

    var rowCount: Int { Int(PQntuples(raw)) }
    var columnCount: Int { Int(PQnfields(raw)) }

    /// The raw bytes of a field.
    func bytes(_ row: Int, _ column: Int) -> UnsafeRawBufferPointer {
        let length = Int(PQgetlength(raw, Int32(row), Int32(column)))
        return UnsafeRawBufferPointer(start: PQgetvalue(raw, Int32(row), Int32(column)), count: length)
    }

    /// A text field.
    func text(_ row: Int, _ column: Int) -> String {
        String(decoding: bytes(row, column), as: UTF8.self)
    }

    /// A binary `bigint` field.
    func int64(_ row: Int, _ column: Int) -> Int64 {
        Int64(bitPattern: bytes(row, column).reduce(0) { $0 << 8 | UInt64($1) })
    }
}
