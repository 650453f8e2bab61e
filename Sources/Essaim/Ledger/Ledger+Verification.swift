/// What `essaim verify` found.
public struct VerificationReport: Sendable {
    /// Events checked.
    public var events: UInt64 = 0
    /// Streams checked.
    public var streams = 0
    /// Every problem found, in the order found; empty when the ledger holds together.
    public var problems: [String] = []
    /// The first position whose stored integrity hash does not match its content
    /// and its predecessor's hash: where the log was altered after it was written.
    public var alteredAt: UInt64?
    /// The integrity chain's hash at the head, recomputed from the stored events.
    public var digest = LedgerDigest(position: 0, hash: EventRecord.chainStart)
    /// The recomputed chain hash at the position asked for with `digestAt`.
    public var digestAt: LedgerDigest?
    /// Applications whose personal data was erased (`essaim forget`).
    public var erasedApplications = 0

    /// Whether every check passed.
    public var passed: Bool { problems.isEmpty }
}

/// A position and the integrity chain's SHA-256 there: a short value a network can
/// publish, and check later (`essaim verify --expect POSITION:HASH`) to show that
/// the first POSITION events were not changed since.
public struct LedgerDigest: Sendable, Equatable, CustomStringConvertible {
    /// The position the hash covers, from 1 (0: the empty log).
    public var position: UInt64
    /// SHA-256 chained over every stored event through `position`.
    public var hash: [UInt8]

    /// A digest from its parts.
    public init(position: UInt64, hash: [UInt8]) {
        self.position = position
        self.hash = hash
    }

    /// Parses `POSITION:HEX` (64 hexadecimal digits).
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let position = UInt64(parts[0]), parts[1].utf8.count == 64,
              let hash = Hex.decode(parts[1].utf8) else { return nil }
        self.init(position: position, hash: hash)
    }

    /// `POSITION:HEX`.
    public var description: String {
        "\(position):" + Hex.encode(hash)
    }
}

extension Ledger {
    /// Checks the whole ledger from one snapshot: every event decodes and carries
    /// the integrity hash of its content and its predecessor's hash, positions are
    /// gapless from 1, ids and stream versions are consistent with the indexes, and
    /// every projection's read model equals a fresh fold of the log. With
    /// `digestAt`, also returns the chain's hash at that position.
    public func verify(digestAt: UInt64? = nil) throws -> VerificationReport {
        try read { txn in
            var walk = LogWalk(digestAt: digestAt)
            let memory = projections.all.map { projection in
                let store = MemoryProjectionStore()
                return (projection: projection, store: store, folder: makeFolder(projection, store, storeIsEmpty: true))
            }
            let log = log(txn)
            try log.forEachStored(from: 1, through: .max) { position, bytes in
                guard let event = walk.visit(position, bytes) else { return true }
                if try log.position(of: event.id) != position {
                    walk.problem("id \(event.id) does not point to position \(position)")
                }
                if try log.position(inStream: event.stream, version: event.version) != position {
                    walk.problem("stream \(event.stream) version \(event.version) does not point to position \(position)")
                }
                for fold in memory { try fold.folder.apply(event) }
                return true
            }
            let nextVersion = walk.nextVersion, expected = walk.expected
            var indexed = 0
            try log.forEachStream { stream, count in
                indexed += 1
                if nextVersion[stream].map(Int.init) != count {
                    walk.problem("stream \(stream) indexes \(count) events, the log \(nextVersion[stream] ?? 0)")
                }
            }
            if indexed != nextVersion.count { walk.problem("the stream index does not match the streams of the log") }
            if try log.idCount() != Int(walk.report.events) { walk.problem("the id index does not match the events") }
            for (projection, fresh, folder) in memory {
                try folder.finish()
                let persisted = try projections.store(for: projection, txn).entries(withPrefix: [])
                let folded = fresh.allEntries
                if persisted.count != folded.count || zip(persisted, folded).contains(where: { $0.key != $1.key || $0.value != $1.value }) {
                    walk.problem("read model \(projection.name) differs from a fresh fold of the log; run `essaim replay`")
                }
                let checkpoint = try ProjectionCheckpoint.read(projection.name, table: projections.table, txn: txn)
                if checkpoint?.position != expected - 1 {
                    walk.problem("read model \(projection.name) is at position \(checkpoint?.position ?? 0), the log at \(expected - 1)")
                }
            }
            var report = walk.report
            report.erasedApplications = try personalKeys.erasedCount(txn)
            return report
        }
    }
}

/// One pass over a log's stored records in position order, checking what every
/// log must hold: gapless positions from 1, each record's integrity hash chained
/// from its predecessor's, records that decode, and versions that follow in
/// each stream. The LMDB ledger's and the shared log's verification both walk it.
struct LogWalk {
    private(set) var report = VerificationReport()
    private(set) var chain = EventRecord.chainStart
    /// The position the next record must have.
    private(set) var expected: UInt64 = 1
    /// Each stream's next version.
    private(set) var nextVersion: [String: UInt64] = [:]
    let digestAt: UInt64?

    init(digestAt: UInt64?) { self.digestAt = digestAt }

    /// Notes a problem (the first hundred are kept).
    mutating func problem(_ text: String) {
        if report.problems.count < 100 { report.problems.append(text) }
    }

    /// Checks the record at `position`; its event when it decodes.
    mutating func visit(_ position: UInt64, _ bytes: UnsafeRawBufferPointer) -> RecordedEvent? {
        if position != expected { problem("position \(expected) is missing (next is \(position))") }
        expected = position + 1
        report.events += 1
        let event: RecordedEvent
        do {
            let view = try EventRecord.view(bytes, position: position)
            chain = EventRecord.chainHash(previous: chain, body: view.body)
            if report.alteredAt == nil, view.hash.map({ !$0.elementsEqual(chain) }) ?? true {
                report.alteredAt = position
                problem("event at position \(position) was altered after it was written: its integrity hash does not match")
            }
            if position == digestAt { report.digestAt = LedgerDigest(position: position, hash: chain) }
            report.digest = LedgerDigest(position: position, hash: chain)
            event = try RecordedEvent(view, position: position)
        } catch {
            if report.alteredAt == nil { report.alteredAt = position }
            problem("event at position \(position) does not decode: \(error)")
            return nil
        }
        let version = nextVersion[event.stream, default: 0]
        if event.version != version {
            problem("event at position \(position) has version \(event.version) in \(event.stream), expected \(version)")
        }
        nextVersion[event.stream] = event.version + 1
        report.streams = nextVersion.count
        return event
    }
}
