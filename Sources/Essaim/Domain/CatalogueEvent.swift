// What every event type of the catalogue provides. An event type is one file in
// `Events/`: its fields, its `data` object (JSON), its storage encoding, its
// stream, the refusal rules it is checked against and how it changes the
// entities the rules and read models read. `DomainEvent.swift` registers it.

/// One event type of the catalogue (`events.md`).
protocol CatalogueEvent: Sendable, Equatable {
    /// The type's name and storage code.
    static var type: EventType { get }
    /// The storage schema new events of this type are written in. Schema 1 is
    /// the JSON of the first ledgers, 2 the binary encoding; bump it when the
    /// encoding changes, and keep reading the older schemas (upcasting).
    static var storageSchema: UInt8 { get }

    /// Reads the `data` object strictly (refusal rule 1); the caller refuses
    /// members left unread.
    init(data r: inout ObjectReader) throws(Malformed)
    /// The `data` object, members in catalogue order, absent optionals left out.
    var data: JSONValue { get }

    /// Reads the stored encoding of `schema` (2 up to ``storageSchema``).
    /// `personal` is borrowed, as on the whole decoding path: an initializer
    /// takes its arguments owned, and each event's decoding copied and
    /// destroyed it twice.
    init(stored r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws
    /// Writes the stored encoding of ``storageSchema``; personal data is sealed
    /// with `keys`, or written in the clear without them (the canonical form
    /// two events are compared on, never stored).
    func store(into w: inout ByteWriter, sealingWith keys: PersonalKeys?) throws

    /// The aggregate stream the ledger files the event in.
    var stream: String { get }
    /// A short phrase for people (`essaim log`).
    var summary: String { get }
    /// The event in the catalogue's sum type.
    var event: DomainEvent { get }

    /// Throws the ``EventRefusal`` of the first refusal rule the event breaks,
    /// given the entities the events before it named.
    func check(against entities: Entities, occurredAt: OccurredAt) throws
    /// Records the event's effect on the entities. Never throws for a missing
    /// entity: a time-bounded fold may have left out the event that named it.
    func apply(to entities: Entities, _ context: EventContext) throws

    // Requirements with the defaults below, so that each type's is made for
    // it: called as extension methods through `DomainEvent.typesByCode`, they
    // ran generic, the event copied into the sum type and the first destroyed
    // through the type's value witnesses.
    /// Decodes stored data of this type into the catalogue's sum type.
    static func decodeStored(_ r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws -> DomainEvent
    /// Decodes a `data` object of this type into the catalogue's sum type.
    static func decodeData(_ r: inout ObjectReader) throws(Malformed) -> DomainEvent
}

extension CatalogueEvent {
    static var storageSchema: UInt8 { 2 }

    static func decodeStored(_ r: inout ByteReader, schema: UInt8, personal: borrowing PersonalAccess) throws -> DomainEvent {
        try Self(stored: &r, schema: schema, personal: personal).event
    }

    static func decodeData(_ r: inout ObjectReader) throws(Malformed) -> DomainEvent {
        try Self(data: &r).event
    }
}

/// Where an event sits in the log, as a fold sees it.
struct EventContext {
    /// Its position.
    var position: UInt64
    /// Its business time.
    var occurredAt: OccurredAt

    /// The business day, in days since 1970-01-01.
    var day: Int64 { occurredAt.day.daysSinceEpoch }
}

/// An event type of the catalogue: its name in JSON and its one-byte code in storage.
public struct EventType: Hashable, Sendable, CustomStringConvertible {
    /// The name, e.g. `CandidateSelected`.
    public let rawValue: String
    /// The storage code; never reuse or renumber one.
    let code: UInt8

    init(_ name: String, code: UInt8) {
        self.rawValue = name
        self.code = code
    }

    /// The type named `rawValue`, or `nil` when the catalogue has none.
    public init?(rawValue: String) {
        guard let type = DomainEvent.typesByName[rawValue] else { return nil }
        self = type
    }

    /// The type of storage code `code`, or `nil`.
    init?(code: UInt8) {
        guard Int(code) < DomainEvent.typesByCode.count, let type = DomainEvent.typesByCode[Int(code)]?.type else { return nil }
        self = type
    }

    /// Every type of the catalogue, in storage-code order.
    public static var allCases: [EventType] { DomainEvent.catalogue.map { $0.type } }

    public var description: String { rawValue }
}
