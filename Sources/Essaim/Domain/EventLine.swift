/// The JSON Lines interchange format of `events.md`: one event envelope per line.
public enum EventLine {
    /// Longest line accepted, in bytes, not counting the newline.
    public static let maximumLength = 1 << 20

    /// One line of an import: `nil` for a blank line, else the event; a line
    /// over the limit or that does not decode is refused (rule 1) with its
    /// number and file. `tape` is room for parsing, kept from line to line.
    static func decode(_ line: LineReader.Line, number: Int, source: String?, tape: inout JSONTape) throws(EventRefusal) -> NewEvent? {
        switch line {
        case let .tooLong(length):
            throw EventRefusal(.malformed, "line of \(length) bytes is over the 1 MiB limit", line: number, source: source)
        case let .text(bytes):
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
            do { return try decode(bytes, tape: &tape) } catch {
                var refusal = error
                refusal.line = number
                refusal.source = source
                throw refusal
            }
        }
    }

    /// Decodes one line into an event to append, refusing it (rule 1) when it is
    /// malformed. The refusal names the event's type and id when they could be read.
    public static func decode<Bytes: Collection<UInt8>>(_ line: Bytes) throws(EventRefusal) -> NewEvent {
        var tape = JSONTape()
        return try decode(line, tape: &tape)
    }

    static func decode<Bytes: Collection<UInt8>>(_ line: Bytes, tape: inout JSONTape) throws(EventRefusal) -> NewEvent {
        if line.count > maximumLength {
            throw EventRefusal(.malformed, "line of \(line.count) bytes is over the 1 MiB limit")
        }
        let decoded: Result<NewEvent, EventRefusal>
        do {
            decoded = try tape.read(line) { document in
                Result { () throws(EventRefusal) -> NewEvent in try decode(envelope: document) }
            }
        } catch {
            throw EventRefusal(.malformed, "not valid JSON: \(error)")
        }
        return try decoded.get()
    }

    /// Decodes an envelope given as a JSON value, refusing it (rule 1) when it is malformed.
    public static func decode(envelope json: JSONValue) throws(EventRefusal) -> NewEvent {
        try decode(json.serializedBytes)
    }

    private static func decode(envelope document: JSONDocument) throws(EventRefusal) -> NewEvent {
        func text(_ key: String) -> String? {
            guard document.kind(at: 0) == .object, let value = document.member(key, of: 0),
                  document.kind(at: value) == .string else { return nil }
            return document.string(at: value)
        }
        do {
            return try decodeEnvelope(document)
        } catch {
            throw EventRefusal(.malformed, error.message, eventType: text("type"), eventID: text("id"))
        }
    }

    private static func decodeEnvelope(_ document: JSONDocument) throws(Malformed) -> NewEvent {
        var r = try ObjectReader(document, 0, path: "")
        let typeText = try r.string("type")
        guard let type = EventType(rawValue: typeText) else {
            throw Malformed(path: "type", reason: "unknown event type \"\(typeText)\"")
        }
        let id = try r.optionalParsed("id", as: "a UUID", EventID.init(utf8:))
        let occurredText = try r.string("occurredAt")
        guard let occurredAt = OccurredAt(occurredText) else {
            throw Malformed(path: "occurredAt", reason: "\"\(occurredText)\" is not a valid YYYY-MM-DD date or RFC 3339 date-time")
        }
        let event = try r.object("data") { (data: inout ObjectReader) throws(Malformed) in try DomainEvent.decode(type: type, data: &data) }
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

