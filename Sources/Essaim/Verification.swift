/// What `essaim verify` found.
public struct VerificationReport: Sendable {
    /// Events checked.
    public var events: UInt64 = 0
    /// Streams checked.
    public var streams = 0
    /// Every problem found, in the order found; empty when the ledger holds together.
    public var problems: [String] = []

    /// Whether every check passed.
    public var passed: Bool { problems.isEmpty }
}

extension Ledger {
    /// Checks the whole ledger from one snapshot: every event decodes, positions are
    /// gapless from 1, ids and stream versions are consistent with the indexes, and
    /// every projection's read model equals a fresh fold of the log.
    public func verify() throws -> VerificationReport {
        try read { txn in
            var report = VerificationReport()
            var expected: UInt64 = 1
            var nextVersion: [String: UInt64] = [:]
            let memory = projections.all.map { projection in
                let store = MemoryProjectionStore()
                return (projection: projection, store: store, folder: makeFolder(projection, store, storeIsEmpty: true))
            }
            func problem(_ text: String) {
                if report.problems.count < 100 { report.problems.append(text) }
            }
            try store.forEachRaw(from: 1, txn) { position, bytes in
                if position != expected { problem("position \(expected) is missing (next is \(position))") }
                expected = position + 1
                report.events += 1
                let event: RecordedEvent
                do {
                    event = try RecordedEvent(stored: bytes, position: position)
                } catch {
                    problem("event at position \(position) does not decode: \(error)")
                    return true
                }
                let version = nextVersion[event.stream, default: 0]
                if event.version != version {
                    problem("event at position \(position) has version \(event.version) in \(event.stream), expected \(version)")
                }
                nextVersion[event.stream] = event.version + 1
                if try store.position(of: event.id, txn) != position {
                    problem("id \(event.id) does not point to position \(position)")
                }
                if try store.position(inStream: event.stream, version: event.version, txn) != position {
                    problem("stream \(event.stream) version \(event.version) does not point to position \(position)")
                }
                for fold in memory { try fold.folder.apply(event) }
                return true
            }
            report.streams = nextVersion.count
            var indexed = 0
            try store.forEachStream(txn) { stream, count in
                indexed += 1
                if nextVersion[stream].map(Int.init) != count {
                    problem("stream \(stream) indexes \(count) events, the log \(nextVersion[stream] ?? 0)")
                }
            }
            if indexed != nextVersion.count { problem("the stream index does not match the streams of the log") }
            if try txn.count(store.ids) != Int(report.events) { problem("the id index does not match the events") }
            for (projection, fresh, folder) in memory {
                try folder.finish()
                let persisted = try projections.store(for: projection, txn).entries(withPrefix: [])
                let folded = fresh.allEntries
                if persisted.count != folded.count || zip(persisted, folded).contains(where: { $0.key != $1.key || $0.value != $1.value }) {
                    problem("read model \(projection.name) differs from a fresh fold of the log; run `essaim replay`")
                }
                let checkpoint = try ProjectionCheckpoint.read(projection.name, table: projections.table, txn: txn)
                if checkpoint?.position != expected - 1 {
                    problem("read model \(projection.name) is at position \(checkpoint?.position ?? 0), the log at \(expected - 1)")
                }
            }
            return report
        }
    }
}
