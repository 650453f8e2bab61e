#if canImport(Glibc)
import Glibc
#endif

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
    /// Each event of the input, stored or found already stored, in input order
    /// (an import from files keeps them only when asked, so that a large import
    /// does not hold them all in memory).
    public var events: [AppendedEvent] = []

    /// An empty report.
    public init() {}
}

/// Where one event of an append is in the log.
public struct AppendedEvent: Sendable, Equatable {
    /// The event's id (generated when the input had none).
    public var id: EventID
    /// Its type.
    public var type: EventType
    /// Its position.
    public var position: UInt64
    /// The stream it is filed in.
    public var stream: String
    /// Its version in that stream.
    public var version: UInt64
    /// `true` when the same event was already stored (and this one skipped).
    public var isDuplicate: Bool
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

extension Ledger {
    /// Appends a batch atomically: every event is checked against the refusal rules
    /// (and its expected version) in order; if one is refused, none is stored and
    /// the ``EventRefusal`` names it (its `line` is the 1-based index in `events`).
    @discardableResult
    public func append(_ events: [NewEvent]) throws -> AppendReport {
        try appending { batch, _ in
            batch.expect(events: events.count)
            for (index, event) in events.enumerated() {
                try batch.add(event, line: events.count > 1 ? index + 1 : nil, source: nil)
            }
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
    /// checks and stores them. `progress` is called about every 10,000 lines. With
    /// `reportingEachEvent`, the report lists every event (``AppendReport/events``).
    @discardableResult
    public func importFiles(_ paths: [String], reportingEachEvent: Bool = false,
                            progress: ((ImportProgress) -> Void)? = nil) throws -> AppendReport {
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
        return try appending(reportingEachEvent: reportingEachEvent) { batch, txn in
            // To the end of the write: the indexes and read models held are written anew there.
            txn.fillUnusedPages()
            // The pages it writes out of resident memory, to its commit's end
            // (not once it reads them at random: past the ids it holds). A
            // small import writes few, and would make the pages other threads
            // read fault in again for nothing.
            if total >= Self.largeImportBytes { txn.keepMappedPagesReleased() }
            let decoder = ImportDecoder(paths: paths)
            defer { decoder.stop() }
            var reported = 0
            while let chunk = decoder.next() {
                if chunk.bytes > 0 {
                    // About how many events the files hold, from the lines read so far: a
                    // large write decides from it whether to hold its ids for its end.
                    batch.expect(events: Int(Double(total) * Double(chunk.lines) / Double(chunk.bytes)))
                }
                var index = 0
                try chunk.events.lendEach { decoded in
                    // As a replay's fold does: what the next events look up, loaded ahead.
                    let ahead = FoldLookups.stride
                    if index % ahead == 0 { batch.prefetch(chunk.lookups, at: index, stride: ahead) }
                    // And the buckets of the id and the stream of the event as far ahead, among those the log holds.
                    if index + ahead < chunk.streams.count {
                        batch.prefetchAppend(id: chunk.events.peek(index + ahead) { $0.pointee.event.id } ?? nil,
                                             streamHash: chunk.streams[index + ahead])
                    }
                    index += 1
                    try batch.add(decoded.event, stream: decoded.stream, line: decoded.line, source: chunk.source,
                                  prepared: decoded.prepared)
                }
                if let stop = chunk.stop { throw stop }
                if chunk.lines / 10_000 > reported {
                    reported = chunk.lines / 10_000
                    progress?(ImportProgress(lines: chunk.lines, bytes: chunk.bytes, totalBytes: total))
                }
            }
        }
    }

    /// The JSON Lines bytes from which an import releases the map's pages as it
    /// writes them (``Transaction/keepMappedPagesReleased()``): about 60,000 events.
    static let largeImportBytes = 16 << 20

    /// Erases the personal data of an application (its leader's name and email):
    /// destroys its key, then appends a `PersonalDataErased` event. Everything else
    /// about the application stays. Erasing again changes nothing.
    @discardableResult
    public func forget(application: String, reason: String? = nil) throws -> ErasureOutcome {
        let report = try appending { batch, txn in
            if try personalKeys.isErased(application, txn) { return }
            let erasure = NewEvent(occurredAt: OccurredAt(Instant.now().utcDate),
                                   event: .personalDataErased(PersonalDataErased(application: application, reason: reason)))
            try batch.add(erasure, line: nil, source: nil)
        }
        return report.lastPosition.map { .erased(position: $0) } ?? .alreadyErased
    }

    /// Imports JSON Lines held in memory; see ``importFiles(_:reportingEachEvent:progress:)``.
    @discardableResult
    public func importJSONLines(_ text: String) throws -> AppendReport {
        try appending { batch, _ in
            var tape = JSONTape()
            for (index, line) in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                if let event = try EventLine.decode(.text(ArraySlice(line)), number: index + 1, source: nil, tape: &tape) {
                    try batch.add(event, line: index + 1, source: nil)
                }
            }
        }
    }
}

/// The events of one write transaction, appended one by one: each is checked
/// against the refusal rules over the entities named before it, filed in the
/// log, and folded into every projection.
///
/// The log is any ``EventLogAppender``; the projections and the key index are
/// in the ledger's own LMDB transaction (`txn`), whatever keeps the log.
struct AppendBatch<Log: EventLogAppender> {
    private(set) var log: Log
    private let txn: Transaction
    private let entities: Entities
    private let folders: [any EventFolder]
    private let projections: ProjectionSet
    private let keys: PersonalKeys
    private let reportingEachEvent: Bool
    private(set) var report = AppendReport()

    init(log: Log, ledger: Ledger, txn: Transaction, reportingEachEvent: Bool = true) throws {
        self.log = log
        self.txn = txn
        projections = ledger.projections
        (entities, folders) = projections.folders(txn)
        keys = ledger.personalKeys.keys(txn)
        try keys.store.holdEntries(txn)
        self.reportingEachEvent = reportingEachEvent
    }

    /// Writes the read models and what the log held back, makes new keys durable
    /// and moves the projections' checkpoints to the new head; call before commit.
    mutating func finish() throws -> AppendReport {
        // The read models first: what they held is freed before the log's
        // indexes sort theirs.
        for folder in folders { try folder.finish() }
        try log.finish()
        try keys.store.putHeldEntries(txn)
        try keys.store.sync()
        if let last = report.lastPosition { try projections.checkpoint(last, txn) }
        return report
    }

    /// Says about how many events the batch will add in all (see
    /// ``EventLogAppender/expect(records:)``).
    mutating func expect(events: Int) {
        log.expect(records: events)
    }

    /// Has what the events `stride` to `2 × stride` after `index` in
    /// `lookups` will look up loaded ahead (see ``EventFolder/prefetch(_:at:stride:)``).
    func prefetch(_ lookups: FoldLookups, at index: Int, stride: Int) {
        for folder in folders { folder.prefetch(lookups, at: index, stride: stride) }
    }

    /// Has what the log reads to append an event to come loaded ahead (see
    /// ``EventLogAppender/prefetchAppend(id:streamHash:)``).
    mutating func prefetchAppend(id: EventID?, streamHash: UInt32) {
        log.prefetchAppend(id: id, streamHash: streamHash)
    }

    /// Checks and stores `event`; `stream` is its stream's name when the caller
    /// made it already, `prepared` its personal data sealed ahead. The event
    /// is borrowed (an import lends it from its decoded chunk): a copy would
    /// retain each of its strings and arrays.
    mutating func add(_ event: NewEvent, stream: String? = nil, line: Int?, source: String?,
                      prepared: PreparedSeal? = nil) throws {
        let id = event.id ?? EventID.random()
        do {
            if let position = try log.claim(id) {
                guard let stored = try log.record(at: position) else {
                    throw LedgerError(.corrupt, "id \(id) points to missing position \(position)")
                }
                switch try event.compare(with: stored, keys: keys) {
                case .same: break
                case .sameButErased: report.erasedDuplicates += 1
                case .different:
                    throw EventRefusal(.idConflict, "id already stored at position \(position) with different content")
                }
                report.duplicates += 1
                if reportingEachEvent {
                    report.events.append(AppendedEvent(id: id, type: event.event.type, position: position, stream: event.event.stream,
                                                       version: stored.version, isDuplicate: true))
                }
                return
            }
            try event.event.check(against: entities, occurredAt: event.occurredAt)
            if case let .personalDataErased(e) = event.event {
                try keys.store.erase(e.application, txn)
                if log.keepsKeys { try log.eraseKey(for: e.application) }
            }
            // Sealing may create the application's key: only for an event that is stored.
            var keys = self.keys
            keys.prepared = prepared
            let record = try EventRecord(event, id: id, stream: stream ?? event.event.stream, keys: keys)
            // The check captures what it reads, not the event: a closure that
            // captured it would be handed a copy of it.
            let (expected, stream) = (event.expectedVersion, record.stream)
            let stored = try log.append(record) { current in try expected.check(current: current, stream: stream) }
            if log.keepsKeys, let subject = event.event.personalDataSubject,
               let key = try keys.store.key(for: subject, create: false, txn) {
                try log.keepKey(key, for: subject, createdAt: stored.position)
            }
            // The read models change in the same transaction as the log; they never see personal data.
            let recorded = RecordedEvent(position: stored.position, version: stored.version, recordedAt: stored.recordedAt,
                                         id: id, occurredAt: event.occurredAt, event: event.event.withoutPersonalData,
                                         metadata: event.metadata)
            for folder in folders { try folder.apply(recorded) }
            report.appended += 1
            report.firstPosition = report.firstPosition ?? stored.position
            report.lastPosition = stored.position
            if reportingEachEvent {
                report.events.append(AppendedEvent(id: id, type: event.event.type, position: stored.position, stream: stored.stream,
                                                   version: stored.version, isDuplicate: false))
            }
        } catch var refusal as EventRefusal {
            refusal.line = line
            refusal.source = source
            refusal.eventType = event.event.type.rawValue
            refusal.eventID = id.description
            throw refusal
        }
    }
}
