#if canImport(Glibc)
import Glibc
#endif

/// Counts and sizes of a ledger, as `essaim stats` prints them.
public struct LedgerStatistics: Sendable, Equatable {
    /// Events stored.
    public var events: Int
    /// The last position (0 when empty).
    public var headPosition: UInt64
    /// Number of streams.
    public var streams: Int
    /// Events per type, for every type of the catalogue (0 when none).
    public var eventsByType: [EventType: Int]
    /// Size of the ledger's files on disk, in bytes.
    public var bytesOnDisk: Int
    /// Bytes of the data file in use.
    public var bytesUsed: Int
    /// The current memory-map size.
    public var mapSize: Int
}

extension Ledger {
    /// The last position (0 for an empty ledger).
    public func headPosition() throws -> UInt64 {
        try read { txn in try log(txn).head() }
    }

    /// The digest of the first `position` events: the integrity chain's hash
    /// stored there (`essaim verify --expect` recomputes and checks it).
    public func digest(at position: UInt64) throws -> LedgerDigest {
        try read { txn in try log(txn).digest(at: position) }
    }

    /// The event at `position`, or `nil` when there is none. Personal data is
    /// decrypted; an erased one reads as ``Leader/erased``.
    public func event(at position: UInt64) throws -> RecordedEvent? {
        try read { txn in try log(txn).record(at: position).map { try RecordedEvent($0, personal: .open(personalKeys.keys(txn))) } }
    }

    /// The event with `id`, or `nil`.
    public func event(id: EventID) throws -> RecordedEvent? {
        try read { txn in
            let log = log(txn)
            return try log.position(of: id).flatMap { try log.record(at: $0) }
                .map { try RecordedEvent($0, personal: .open(personalKeys.keys(txn))) }
        }
    }

    /// Calls `body` with every event from `start` through `end` in position order,
    /// all from one consistent snapshot; `body` returns `false` to stop.
    public func forEachEvent(from start: UInt64 = 1, through end: UInt64 = .max,
                             _ body: (RecordedEvent) throws -> Bool) throws {
        try read { txn in
            let keys = personalKeys.keys(txn)
            try log(txn).forEachRecord(from: start, through: end) { record in try body(try RecordedEvent(record, personal: .open(keys))) }
        }
    }

    /// The events from `start` through `end`, in position order.
    public func events(from start: UInt64 = 1, through end: UInt64 = .max) throws -> [RecordedEvent] {
        var out: [RecordedEvent] = []
        try forEachEvent(from: start, through: end) { out.append($0); return true }
        return out
    }

    /// The events of one stream, in version order (empty for an unknown stream).
    public func events(inStream stream: String) throws -> [RecordedEvent] {
        try read { txn in
            let log = log(txn)
            return try log.positions(ofStream: stream).map { position in
                guard let record = try log.record(at: position) else {
                    throw LedgerError(.corrupt, "stream \(stream) points to missing position \(position)")
                }
                return try RecordedEvent(record, personal: .open(personalKeys.keys(txn)))
            }
        }
    }

    /// The last version of `stream`, or `nil` when it has no event.
    public func version(ofStream stream: String) throws -> UInt64? {
        try read { txn in try log(txn).version(ofStream: stream) }
    }

    /// Counts and sizes.
    public func statistics() throws -> LedgerStatistics {
        try read { txn in
            var byType = Dictionary(uniqueKeysWithValues: EventType.allCases.map { ($0, 0) })
            var count = 0
            let log = log(txn)
            try log.forEachStored(from: 1, through: .max) { position, bytes in
                // Layouts 1 and 2 both put the type code in the second byte.
                guard bytes.count > 1, let type = EventType(code: bytes[1]) else {
                    throw LedgerError(.corrupt, "event at position \(position) has no known type")
                }
                byType[type, default: 0] += 1
                count += 1
                return true
            }
            return LedgerStatistics(
                events: count, headPosition: try log.head(), streams: try log.streamCount(),
                eventsByType: byType, bytesOnDisk: Self.fileSize(path + "/data.mdb") + Self.fileSize(path + "/lock.mdb"),
                bytesUsed: environment.usedBytes, mapSize: environment.mapSize)
        }
    }

    private static func fileSize(_ path: String) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return Int(info.st_blocks) * 512
    }
}

extension EventLogReader {
    /// The stored chain hash at `position` as a digest (the chain's start at 0).
    func digest(at position: UInt64) throws -> LedgerDigest {
        LedgerDigest(position: position, hash: position == 0 ? EventRecord.chainStart : try chainHash(at: position))
    }
}
