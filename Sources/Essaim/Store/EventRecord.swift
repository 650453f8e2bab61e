/// One stored event, as the event store sees it: an envelope around opaque data.
///
/// The store knows positions, streams, versions, ids and times; what the type code
/// and the data bytes mean is the domain layer's business.
struct EventRecord: Equatable {
    /// Storage layout version of this record; see ``encode()``.
    static let layoutVersion: UInt8 = 1

    var position: UInt64 = 0
    var typeCode: UInt8
    var id: EventID
    var occurredAt: OccurredAt
    var recordedAt: Instant = Instant(microseconds: 0)
    var stream: String
    var version: UInt64 = 0
    /// The event's data in the domain's storage encoding.
    var data: [UInt8]
    /// Metadata in the domain's storage encoding; empty when there is none.
    var metadata: [UInt8]

    /// Whether `other` says the same thing (the idempotency comparison): same type,
    /// business time, data and metadata. Position, stream and system time are the
    /// ledger's, not the writer's.
    func hasSameContent(as other: EventRecord) -> Bool {
        typeCode == other.typeCode && occurredAt.text == other.occurredAt.text && data == other.data && metadata == other.metadata
    }

    /// Layout 1: `u8 layout, u8 type, 16B id, i64 occurredAt µs, str occurredAt text,
    /// i64 recordedAt µs, str stream, u64 version, blob data, blob metadata`
    /// (integers big-endian, `str`/`blob` with a u32 length).
    func encode() -> [UInt8] {
        var w = ByteWriter(capacity: 64 + data.count + metadata.count + stream.utf8.count)
        w.u8(Self.layoutVersion)
        w.u8(typeCode)
        w.raw(id.bytes)
        w.i64(occurredAt.instant.microseconds)
        w.string(occurredAt.text)
        w.i64(recordedAt.microseconds)
        w.string(stream)
        w.u64(version)
        w.blob(data)
        w.blob(metadata)
        return w.bytes
    }

    /// Decodes a stored record; throws ``EventStoreError`` when the bytes are not a
    /// record this version of the store can read.
    static func decode(_ bytes: UnsafeRawBufferPointer, position: UInt64) throws -> EventRecord {
        var r = ByteReader(bytes)
        do {
            let layout = try r.u8()
            guard layout == layoutVersion else {
                throw LedgerError(.corrupt, "event at position \(position) has unknown storage layout \(layout)")
            }
            let typeCode = try r.u8()
            guard let id = EventID(bytes: try r.raw(16)) else { throw ByteReader.Truncated() }
            let occurredMicros = try r.i64()
            let occurredText = try r.string()
            let recorded = try r.i64()
            let stream = try r.string()
            let version = try r.u64()
            let data = try r.blob()
            let metadata = try r.blob()
            guard r.isAtEnd else { throw LedgerError(.corrupt, "event at position \(position) has trailing bytes") }
            return EventRecord(position: position, typeCode: typeCode, id: id,
                               occurredAt: OccurredAt(text: occurredText, instant: Instant(microseconds: occurredMicros)),
                               recordedAt: Instant(microseconds: recorded), stream: stream, version: version,
                               data: data, metadata: metadata)
        } catch is ByteReader.Truncated {
            throw LedgerError(.corrupt, "event at position \(position) is truncated")
        }
    }
}
