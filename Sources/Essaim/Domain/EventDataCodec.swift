// How an event's `data` is stored: a compact binary encoding, one schema version
// per event type (`CatalogueEvent.storageSchema`). JSON stays at the edges
// (import, export, CLI).
//
// Schema 1 of every type is the canonical compact JSON of `events.md`, the
// encoding of the first ledgers; schema 2 is the binary encoding each type
// writes in `store(into:sealingWith:)`. Old schemas are never rewritten in
// place: a record stored under an older schema is decoded by that schema's
// reader and *upcast* into today's typed event.
//
// Binary layout (schema 2): fields in catalogue order. Each object with optional
// fields starts with a varint bit set of the optional fields present (bit i for
// the i-th optional field in order). Strings and lists carry a varint length;
// integers are zigzag varints; dates are zigzag varint days since 1970-01-01;
// enumerations are one byte, their case's index in declaration order (cases are
// only ever appended).

/// What decoding does with personal data (an application's leader).
enum PersonalAccess {
    /// Left out: the event comes back without it (folds, rules, checks).
    case withheld
    /// Decrypted with the key store; an erased leader reads as ``Leader/erased``.
    case open(PersonalKeys)
    /// Decrypted with keys fetched from a shared log, by application; a missing
    /// key is an erased one.
    case openWith([String: [UInt8]])

    /// Whether personal data is read at all.
    var opens: Bool {
        if case .withheld = self { return false }
        return true
    }

    /// Decrypts `sealed`, personal data of `application`; `nil` when its key is
    /// gone (erased) or for ``withheld``.
    func open(_ sealed: UnsafeRawBufferPointer, for application: String) throws -> [UInt8]? {
        switch self {
        case .withheld: nil
        case let .open(keys): try keys.open(sealed, for: application)
        case let .openWith(keys): try PersonalKeys.open(sealed, for: application, key: keys[application])
        }
    }
}

enum EventDataCodec {
    /// The schema new events of `type` are written in.
    static func currentSchema(for type: EventType) -> UInt8 {
        DomainEvent.typesByCode[Int(type.code)]!.storageSchema
    }

    /// The plain canonical form of an event's data (personal data in the clear):
    /// what two events are compared on, never what is stored.
    static func encode(_ event: DomainEvent) -> [UInt8] {
        var w = ByteWriter(capacity: 96)
        try! event.store(into: &w, sealingWith: nil)
        return w.bytes
    }

    /// The stored form of an event's data, in its type's current schema, personal
    /// data sealed with `keys`.
    static func stored(_ event: DomainEvent, keys: PersonalKeys) throws -> [UInt8] {
        var w = ByteWriter(capacity: 96)
        try event.store(into: &w, sealingWith: keys)
        return w.bytes
    }

    /// Decodes data stored under `schema`, upcasting older schemas to today's event.
    static func decode(type: EventType, schema: UInt8, _ bytes: UnsafeRawBufferPointer,
                       personal: borrowing PersonalAccess = .withheld) throws -> DomainEvent {
        let home = DomainEvent.typesByCode[Int(type.code)]!
        switch schema {
        case 1:
            // Upcaster: canonical JSON, read by the same strict reader as import.
            let event = try ObjectReader.read(bytes, path: "data") { (r: inout ObjectReader) throws(Malformed) in
                try DomainEvent.decode(type: type, data: &r)
            }
            if !personal.opens { return event.withoutPersonalData }
            return event
        case 2...home.storageSchema:
            var r = ByteReader(bytes)
            let event = try home.decodeStored(&r, schema: schema, personal: personal)
            guard r.isAtEnd else { throw ByteReader.Truncated() }
            return event
        default:
            throw LedgerError(.newerFormat, "\(type.rawValue) data schema \(schema) is newer than this Essaim understands")
        }
    }
}

extension DomainEvent {
    /// Decodes the `data` object of an event of `type`, refusing missing, mistyped
    /// and out-of-range fields (rule 1); the caller refuses unknown ones (``ObjectReader/finish()``).
    static func decode(type: EventType, data r: inout ObjectReader) throws(Malformed) -> DomainEvent {
        try typesByCode[Int(type.code)]!.decodeData(&r)
    }
}
