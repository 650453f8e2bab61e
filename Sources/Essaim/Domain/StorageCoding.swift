// How typed events become store records and back. The data is stored in its
// type's current schema (`EventDataCodec`), personal data sealed with the key
// store; the idempotency check compares what events say, not their bytes.

extension EventRecord {
    /// The record for a new event under `id` (its own, or one made for it) in
    /// `stream` (its ``DomainEvent/stream``), before the store assigns
    /// position, version and time; its personal data sealed with `keys`
    /// (which may create the key).
    init(_ event: borrowing NewEvent, id: EventID, stream: String, keys: PersonalKeys) throws {
        let type = event.event.type
        self.init(typeCode: type.code, dataSchema: EventDataCodec.currentSchema(for: type), id: id,
                  occurredAt: event.occurredAt.instant, occurredAtText: event.occurredAt.dateTimeText, stream: stream, data: try EventDataCodec.stored(event.event, keys: keys),
                  metadata: event.metadata.map { RecordedEvent.metadataJSON($0).serializedBytes } ?? [])
    }

    /// The same record in layout 2 with its data in today's schema (the format-1
    /// upgrade): JSON-era data is kept as it is unless it holds personal data,
    /// which is sealed.
    func resealed(keys: PersonalKeys) throws -> EventRecord {
        guard let type = EventType(code: typeCode), type == .applicationSubmitted, dataSchema == 1 else { return self }
        var record = self
        let event = try data.withUnsafeBytes { try EventDataCodec.decode(type: type, schema: 1, $0, personal: .open(keys)) }
        record.data = try EventDataCodec.stored(event, keys: keys)
        record.dataSchema = EventDataCodec.currentSchema(for: type)
        return record
    }
}

/// How a new event compares with the one already stored under its id.
enum StoredComparison {
    /// Same type, business time, data and metadata: a duplicate, skipped.
    case same
    /// The same, except that the stored one's personal data was erased since:
    /// skipped too, and counted, so that an old export does not bring it back.
    case sameButErased
    /// Something differs: an id conflict.
    case different
}

extension NewEvent {
    /// Compares with `stored` (the idempotency check) on what they say, whatever
    /// schema or sealing the stored one has. Position, stream and system time are
    /// the ledger's, not the writer's.
    func compare(with stored: EventRecord, keys: PersonalKeys) throws -> StoredComparison {
        guard stored.typeCode == event.type.code, OccurredAt(stored) == occurredAt,
              stored.metadata == (metadata.map { RecordedEvent.metadataJSON($0).serializedBytes } ?? []) else { return .different }
        let old = try RecordedEvent(stored, personal: .open(keys)).event
        if old == event { return .same }
        if case let .applicationSubmitted(e) = old, e.leader?.isErased == true, old.withoutPersonalData == event.withoutPersonalData {
            return .sameButErased
        }
        return .different
    }
}

extension RecordedEvent {
    /// Decodes a stored record into a typed event; a record that does not decode is
    /// reported as corruption at its position.
    init(_ record: EventRecord, personal: borrowing PersonalAccess = .withheld) throws {
        self = try record.data.withUnsafeBytes { data in
            try record.metadata.withUnsafeBytes { metadata in
                try RecordedEvent(EventRecord.View(
                    typeCode: record.typeCode, dataSchema: record.dataSchema, id: record.id, occurredAt: record.occurredAt,
                    occurredAtText: record.occurredAtText, recordedAt: record.recordedAt, stream: record.stream, version: record.version, data: data, metadata: metadata,
                    body: UnsafeRawBufferPointer(start: nil, count: 0), hash: nil),
                    position: record.position, personal: personal)
            }
        }
    }

    /// Decodes stored bytes straight into a typed event (the replay path: no copy).
    init(stored bytes: UnsafeRawBufferPointer, position: UInt64, personal: borrowing PersonalAccess = .withheld,
         withMetadata: Bool = true) throws {
        try self.init(EventRecord.view(bytes, position: position), position: position, personal: personal, withMetadata: withMetadata)
    }

    /// `personal` says whether personal data is decrypted or left out; the
    /// metadata is left out unless `withMetadata` (a fold that does not read it).
    init(_ view: EventRecord.View, position: UInt64, personal: borrowing PersonalAccess = .withheld, withMetadata: Bool = true) throws {
        guard let type = EventType(code: view.typeCode) else {
            throw LedgerError(.corrupt, "event at position \(position) has unknown type code \(view.typeCode)")
        }
        do {
            let event = try EventDataCodec.decode(type: type, schema: view.dataSchema, view.data, personal: personal)
            var metadata: [String: String]?
            if withMetadata && !view.metadata.isEmpty {
                metadata = try ObjectReader.read(view.metadata, path: "metadata") { (r: inout ObjectReader) throws(Malformed) in
                    try r.allStrings()
                }
            }
            self.init(position: position, version: view.version, recordedAt: view.recordedAt, id: view.id,
                      occurredAt: OccurredAt(dateTimeText: view.occurredAtText, instant: view.occurredAt), event: event,
                      metadata: metadata)
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

extension OccurredAt {
    /// The business time of a stored record.
    init(_ record: EventRecord) {
        self.init(dateTimeText: record.occurredAtText, instant: record.occurredAt)
    }
}
