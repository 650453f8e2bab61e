/// An event to append: what happened, when, and optional metadata.
public struct NewEvent: Sendable, Equatable {
    /// The idempotency key; generated when `nil`.
    public var id: EventID?
    /// Business time.
    public var occurredAt: OccurredAt
    /// The typed event.
    public var event: DomainEvent
    /// Free-form string metadata (`correlationId`, `causationId`, `actor`, `source`, …).
    public var metadata: [String: String]?
    /// The version the event's stream must be at; checked against the log as it is
    /// when this event's turn comes in its batch.
    public var expectedVersion: ExpectedVersion

    /// An event to append.
    public init(id: EventID? = nil, occurredAt: OccurredAt, event: DomainEvent,
                metadata: [String: String]? = nil, expectedVersion: ExpectedVersion = .any) {
        self.id = id
        self.occurredAt = occurredAt
        self.event = event
        self.metadata = metadata
        self.expectedVersion = expectedVersion
    }

    /// The import line (`events.md` input fields: id when set, type, occurredAt,
    /// data, metadata when present), without the trailing newline.
    public var jsonLine: String {
        JSONValue.members([
            ("id", id.map { .string($0.description) }), ("type", .string(event.type.rawValue)),
            ("occurredAt", .string(occurredAt.text)), ("data", event.data),
            ("metadata", metadata.map(RecordedEvent.metadataJSON)),
        ]).serialized
    }
}

/// An event as the ledger holds it.
public struct RecordedEvent: Sendable, Equatable {
    /// Global position, gapless from 1.
    public let position: UInt64
    /// The aggregate stream it is filed in (derived from the event, see ``DomainEvent/stream``).
    public var stream: String { event.stream }
    /// Its number within the stream, from 0.
    public let version: UInt64
    /// System time of the append.
    public let recordedAt: Instant
    /// The idempotency key.
    public let id: EventID
    /// Business time.
    public let occurredAt: OccurredAt
    /// The typed event.
    public let event: DomainEvent
    /// Metadata, when any was given.
    public let metadata: [String: String]?

    /// The event's type.
    public var type: EventType { event.type }

    /// The export line (`events.md` export fields), without the trailing newline.
    public var jsonLine: String { json.serialized }

    /// The export object.
    public var json: JSONValue {
        .members([
            ("position", .integer(Int64(position))), ("id", .string(id.description)), ("type", .string(type.rawValue)),
            ("occurredAt", .string(occurredAt.text)), ("stream", .string(stream)), ("version", .integer(Int64(version))),
            ("recordedAt", .string(recordedAt.description)), ("data", event.data),
            ("metadata", metadata.map(Self.metadataJSON)),
        ])
    }

    static func metadataJSON(_ metadata: [String: String]) -> JSONValue {
        .object(metadata.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) })
    }
}
