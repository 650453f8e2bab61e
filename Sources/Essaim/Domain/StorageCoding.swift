// How typed events become store records and back. The data is stored in its
// type's current schema (`EventDataCodec`), which is canonical: two events with
// the same content have the same bytes (the idempotency comparison).

extension EventRecord {
    /// The record for a new event, before the store assigns position, version and time.
    init(_ event: NewEvent) {
        let type = event.event.type
        self.init(typeCode: type.code, dataSchema: EventDataCodec.currentSchema(for: type), id: event.id ?? EventID.random(),
                  occurredAt: event.occurredAt, stream: event.event.stream, data: EventDataCodec.encode(event.event),
                  metadata: event.metadata.map { RecordedEvent.metadataJSON($0).serializedBytes } ?? [])
    }

    /// Whether `other` says the same thing (the idempotency comparison): same type,
    /// business time, data and metadata, whatever schema each was stored under.
    /// Position, stream and system time are the ledger's, not the writer's.
    func hasSameContent(as other: EventRecord) throws -> Bool {
        guard typeCode == other.typeCode, occurredAt == other.occurredAt, metadata == other.metadata else { return false }
        if dataSchema == other.dataSchema { return data == other.data }
        // Stored under an older schema: compare today's reading of both.
        return try Self.currentData(self) == Self.currentData(other)
    }

    private static func currentData(_ record: EventRecord) throws -> [UInt8] {
        guard let type = EventType(code: record.typeCode) else { return record.data }
        if record.dataSchema == EventDataCodec.currentSchema(for: type) { return record.data }
        return try record.data.withUnsafeBytes { bytes in
            EventDataCodec.encode(try EventDataCodec.decode(type: type, schema: record.dataSchema, bytes))
        }
    }
}

extension RecordedEvent {
    /// Decodes a stored record into a typed event; a record that does not decode is
    /// reported as corruption at its position.
    init(_ record: EventRecord) throws {
        self = try record.data.withUnsafeBytes { data in
            try record.metadata.withUnsafeBytes { metadata in
                try RecordedEvent(EventRecord.View(
                    typeCode: record.typeCode, dataSchema: record.dataSchema, id: record.id, occurredAt: record.occurredAt,
                    recordedAt: record.recordedAt, stream: record.stream, version: record.version, data: data, metadata: metadata,
                    body: UnsafeRawBufferPointer(start: nil, count: 0), hash: nil),
                    position: record.position)
            }
        }
    }

    /// Decodes stored bytes straight into a typed event (the replay path: no copy).
    init(stored bytes: UnsafeRawBufferPointer, position: UInt64) throws {
        try self.init(EventRecord.view(bytes, position: position), position: position)
    }

    init(_ view: EventRecord.View, position: UInt64) throws {
        guard let type = EventType(code: view.typeCode) else {
            throw LedgerError(.corrupt, "event at position \(position) has unknown type code \(view.typeCode)")
        }
        do {
            let event = try EventDataCodec.decode(type: type, schema: view.dataSchema, view.data)
            var metadata: [String: String]?
            if !view.metadata.isEmpty {
                var reader = try ObjectReader(try JSONParser.parse(view.metadata), path: "metadata")
                metadata = try reader.allStrings()
            }
            self.init(position: position, version: view.version,
                      recordedAt: view.recordedAt, id: view.id, occurredAt: view.occurredAt, event: event, metadata: metadata)
        } catch let error as LedgerError {
            throw error
        } catch let error as JSONParseError {
            throw LedgerError(.corrupt, "event at position \(position) does not decode: \(error)")
        } catch let error as Malformed {
            throw LedgerError(.corrupt, "event at position \(position) does not decode: \(error.message)")
        } catch {
            throw LedgerError(.corrupt, "event at position \(position) does not decode: its data is truncated")
        }
    }
}
