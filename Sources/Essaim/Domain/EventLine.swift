/// The JSON Lines interchange format of `events.md`: one event envelope per line.
public enum EventLine {
    /// Longest line accepted, in bytes, not counting the newline.
    public static let maximumLength = 1 << 20

    /// Decodes one line into an event to append, refusing it (rule 1) when it is
    /// malformed. The refusal names the event's type and id when they could be read.
    /// One line of an import: `nil` for a blank line, else the event; a line
    /// over the limit or that does not decode is refused with its number and file.
    static func decode(_ line: LineReader.Line, number: Int, source: String?) throws(EventRefusal) -> NewEvent? {
        switch line {
        case let .tooLong(length):
            throw EventRefusal(.malformed, "line of \(length) bytes is over the 1 MiB limit", line: number, source: source)
        case let .text(bytes):
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
            do { return try decode(bytes) } catch {
                var refusal = error
                refusal.line = number
                refusal.source = source
                throw refusal
            }
        }
    }

    public static func decode<Bytes: Collection<UInt8>>(_ line: Bytes) throws(EventRefusal) -> NewEvent {
        if line.count > maximumLength {
            throw EventRefusal(.malformed, "line of \(line.count) bytes is over the 1 MiB limit")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(line) } catch {
            throw EventRefusal(.malformed, "not valid JSON: \(error)")
        }
        return try decode(envelope: json)
    }

    /// Decodes an already parsed envelope object, refusing it (rule 1) when it is malformed.
    public static func decode(envelope json: JSONValue) throws(EventRefusal) -> NewEvent {
        var typeText: String?
        var idText: String?
        if case .string(let t)? = json["type"] { typeText = t }
        if case .string(let i)? = json["id"] { idText = i }
        do {
            return try decodeEnvelope(json)
        } catch {
            throw EventRefusal(.malformed, error.message, eventType: typeText, eventID: idText)
        }
    }

    private static func decodeEnvelope(_ json: JSONValue) throws(Malformed) -> NewEvent {
        var r = try ObjectReader(json, path: "")
        let typeText = try r.string("type")
        guard let type = EventType(rawValue: typeText) else {
            throw Malformed(path: "type", reason: "unknown event type \"\(typeText)\"")
        }
        var id: EventID?
        if let idText = try r.optionalString("id") {
            guard let parsed = EventID(idText) else { throw Malformed(path: "id", reason: "\"\(idText)\" is not a UUID") }
            id = parsed
        }
        let occurredText = try r.string("occurredAt")
        guard let occurredAt = OccurredAt(occurredText) else {
            throw Malformed(path: "occurredAt", reason: "\"\(occurredText)\" is not a valid YYYY-MM-DD date or RFC 3339 date-time")
        }
        let event = try DomainEvent.decode(type: type, data: try r.required("data"))
        let metadata = try r.optionalObject("metadata") { (m: inout ObjectReader) throws(Malformed) -> [String: String] in
            try m.allStrings()
        }
        // Export fields the ledger assigns itself: accepted so that an export
        // re-imports, and ignored.
        for ignored in ["position", "stream", "version", "recordedAt"] { _ = r.optional(ignored) }
        try r.finish()
        return NewEvent(id: id, occurredAt: occurredAt, event: event, metadata: metadata)
    }
}

