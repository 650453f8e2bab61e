// How typed events become store records and back. The data is kept as its
// canonical compact JSON (members in catalogue order), so that two events with
// the same content have the same bytes (the idempotency comparison) and export
// needs no re-encoding beyond the envelope.

extension EventRecord {
    /// The record for a new event, before the store assigns position, version and time.
    init(_ event: NewEvent) {
        self.init(typeCode: event.event.type.code, id: event.id ?? EventID.random(), occurredAt: event.occurredAt,
                  stream: event.event.stream, data: event.event.data.serializedBytes,
                  metadata: event.metadata.map { RecordedEvent.metadataJSON($0).serializedBytes } ?? [])
    }
}

extension RecordedEvent {
    /// Decodes a stored record into a typed event; a record that does not decode is
    /// reported as corruption at its position.
    init(_ record: EventRecord) throws {
        guard let type = EventType(code: record.typeCode) else {
            throw LedgerError(.corrupt, "event at position \(record.position) has unknown type code \(record.typeCode)")
        }
        do {
            let event = try DomainEvent.decode(type: type, data: try JSONParser.parse(record.data))
            var metadata: [String: String]?
            if !record.metadata.isEmpty {
                var reader = try ObjectReader(try JSONParser.parse(record.metadata), path: "metadata")
                metadata = try reader.allStrings()
            }
            self.init(position: record.position, stream: record.stream, version: record.version, recordedAt: record.recordedAt,
                      id: record.id, occurredAt: record.occurredAt, event: event, metadata: metadata)
        } catch let error as JSONParseError {
            throw LedgerError(.corrupt, "event at position \(record.position) does not decode: \(error)")
        } catch let error as Malformed {
            throw LedgerError(.corrupt, "event at position \(record.position) does not decode: \(error.message)")
        }
    }
}
