import Crypto

/// One stored event, as the event store sees it: an envelope around opaque data.
///
/// The store knows positions, streams, versions, ids and times; what the type code,
/// the data schema and the data bytes mean is the domain layer's business.
struct EventRecord: Equatable {
    /// Storage layout new records are written in; see ``encode()``.
    static let layoutVersion: UInt8 = 2

    var position: UInt64 = 0
    var typeCode: UInt8
    /// Version of the data's encoding for this type (see `EventDataCodec`).
    var dataSchema: UInt8
    var id: EventID
    /// Business time, as an instant.
    var occurredAt: Instant
    /// Business time as written when it was a date-time; `nil` for a date alone
    /// (midnight UTC), whose text is the day itself.
    var occurredAtText: String?
    var recordedAt: Instant = Instant(microseconds: 0)
    /// The stream the event is filed in. Layout 2 does not store it (the domain
    /// derives it from the data); a decoded layout-2 record has it empty.
    var stream: String
    var version: UInt64 = 0
    /// The event's data in the domain's storage encoding.
    var data: [UInt8]
    /// Metadata as canonical JSON; empty when there is none.
    var metadata: [UInt8]

    /// Bytes of the integrity hash that ends every layout-2 record.
    static let hashLength = 32

    /// The hash of the chain's start (before position 1): 32 zero bytes.
    static let chainStart = [UInt8](repeating: 0, count: hashLength)

    /// SHA-256 over the previous event's hash and this record's body: the link
    /// of the integrity chain.
    static func chainHash(previous: [UInt8], body: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        // Through raw buffers: `update(data:)` and the digest's `Sequence` walk bytes generically.
        previous.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: body)
        return hasher.finalize().withUnsafeBytes { Array($0) }
    }

    /// The stored bytes, ``encode()`` followed by its chain hash, and that hash.
    func sealed(after previous: [UInt8]) -> (bytes: [UInt8], hash: [UInt8]) {
        var bytes = encode()
        let hash = bytes.withUnsafeBytes { Self.chainHash(previous: previous, body: $0) }
        bytes.append(contentsOf: hash)
        return (bytes, hash)
    }

    /// Layout 2, compact (integers are varints, see ``ByteWriter``):
    /// `u8 layout, u8 type, u8 data schema, 16B id, occurredAt, varint recordedAt
    /// in milliseconds, varint version, data with length, metadata with length`,
    /// where occurredAt is `u8 0, zigzag days` for a date alone, or `u8 1, zigzag
    /// µs, text` for a date-time. This is the record's body; stored, it is
    /// followed by its 32-byte chain hash (``sealed(after:)``).
    func encode() -> [UInt8] {
        // Room for the header, the date-time text and the chain hash that
        // ``sealed(after:)`` appends: the buffer is allocated once.
        var w = ByteWriter(capacity: 48 + (occurredAtText?.utf8.count ?? 0) + data.count + metadata.count + Self.hashLength)
        w.u8(Self.layoutVersion)
        w.u8(typeCode)
        w.u8(dataSchema)
        w.id(id)
        if let text = occurredAtText {
            w.u8(1)
            w.zigzag(occurredAt.microseconds)
            w.text(text)
        } else {
            w.u8(0)
            w.zigzag(occurredAt.utcDate.daysSinceEpoch)
        }
        // Milliseconds: what export shows, two bytes shorter than microseconds.
        w.varint(UInt64(bitPattern: recordedAt.microseconds / 1_000))
        w.varint(version)
        w.bytesWithLength(data)
        w.bytesWithLength(metadata)
        return w.bytes
    }

    /// A stored record's fields, with data and metadata left in the stored bytes.
    struct View {
        var typeCode: UInt8
        var dataSchema: UInt8
        var id: EventID
        var occurredAt: Instant
        var occurredAtText: String?
        var recordedAt: Instant
        /// Empty for layout 2 (derived by the domain).
        var stream: String
        var version: UInt64
        var data: UnsafeRawBufferPointer
        var metadata: UnsafeRawBufferPointer
        /// The bytes the chain hash covers (the whole record for layout 1).
        var body: UnsafeRawBufferPointer
        /// The stored chain hash; `nil` for layout 1, which had none.
        var hash: UnsafeRawBufferPointer?
    }

    /// Reads a stored record in place (layout 2, or layout 1 of the first ledgers);
    /// throws `.corrupt` when the bytes are not a record this store can read.
    static func view(_ stored: UnsafeRawBufferPointer, position: UInt64) throws -> View {
        let sealed = stored.first == 2
        guard !sealed || stored.count > hashLength else { throw LedgerError(.corrupt, "event at position \(position) is truncated") }
        // Cut by their counts: `dropLast` and `suffix` went through the generic collection code.
        let body = sealed ? stored.count - hashLength : stored.count
        let bytes = UnsafeRawBufferPointer(start: stored.baseAddress, count: body)
        let hash = sealed ? UnsafeRawBufferPointer(start: stored.baseAddress! + body, count: hashLength) : nil
        var r = ByteReader(bytes)
        do {
            let layout = try r.u8()
            let view: View
            switch layout {
            case 2:
                let typeCode = try r.u8()
                let schema = try r.u8()
                let id = EventID(bytes: try r.slice(16))
                let occurredAt: Instant
                var occurredAtText: String?
                switch try r.u8() {
                case 0: occurredAt = CivilDate(daysSinceEpoch: try r.zigzag()).startInstant
                case 1:
                    occurredAt = Instant(microseconds: try r.zigzag())
                    occurredAtText = try r.text()
                default: throw ByteReader.Truncated()
                }
                let recorded = Instant(microseconds: Int64(bitPattern: try r.varint()) &* 1_000)
                let version = try r.varint()
                view = View(typeCode: typeCode, dataSchema: schema, id: try id.orThrow(), occurredAt: occurredAt,
                            occurredAtText: occurredAtText, recordedAt: recorded, stream: "", version: version, data: try r.bytesWithLength(),
                            metadata: try r.bytesWithLength(), body: bytes, hash: hash)
            case 1:
                // Layout 1: `u8 layout, u8 type, 16B id, i64 occurredAt µs, str occurredAt
                // text, i64 recordedAt µs, str stream, u64 version, blob data (JSON), blob
                // metadata` with 32-bit lengths; its data is schema 1 (JSON).
                let typeCode = try r.u8()
                let id = EventID(bytes: try r.slice(16))
                let occurred = Instant(microseconds: try r.i64())
                let text = try r.string()
                let recorded = Instant(microseconds: try r.i64())
                let stream = try r.string()
                let version = try r.u64()
                let data = try r.bytesWithLength32()
                let metadata = try r.bytesWithLength32()
                view = View(typeCode: typeCode, dataSchema: 1, id: try id.orThrow(),
                            occurredAt: occurred, occurredAtText: text.utf8.count == 10 ? nil : text, recordedAt: recorded, stream: stream, version: version, data: data, metadata: metadata,
                            body: bytes, hash: nil)
            default:
                throw LedgerError(.corrupt, "event at position \(position) has unknown storage layout \(layout)")
            }
            guard r.isAtEnd else { throw LedgerError(.corrupt, "event at position \(position) has trailing bytes") }
            return view
        } catch is ByteReader.Truncated {
            throw LedgerError(.corrupt, "event at position \(position) is truncated")
        }
    }

    /// Decodes a stored record into an owned value.
    static func decode(_ bytes: UnsafeRawBufferPointer, position: UInt64) throws -> EventRecord {
        let v = try view(bytes, position: position)
        return EventRecord(position: position, typeCode: v.typeCode, dataSchema: v.dataSchema, id: v.id, occurredAt: v.occurredAt,
                           occurredAtText: v.occurredAtText, recordedAt: v.recordedAt, stream: v.stream, version: v.version, data: Array(v.data),
                           metadata: Array(v.metadata))
    }
}

private extension Optional where Wrapped == EventID {
    func orThrow() throws -> EventID {
        guard let self else { throw ByteReader.Truncated() }
        return self
    }
}

extension ByteReader {
    /// A blob with a 32-bit length prefix (layout 1), valid while the buffer is.
    mutating func bytesWithLength32() throws -> UnsafeRawBufferPointer {
        let n = Int(try u32())
        return try slice(n)
    }
}
