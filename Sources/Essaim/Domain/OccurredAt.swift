/// When an event happened in business time: the text as given, and its instant.
///
/// A date alone (`2017-11-17`) means 00:00:00Z that day; a date-time is RFC 3339.
/// The text is kept so that export gives back exactly what was imported.
public struct OccurredAt: Sendable, Hashable, CustomStringConvertible {
    /// The text of a date-time as written on import; `nil` for a date alone, whose
    /// text is the day itself (kept implicit so stored records stay small).
    let dateTimeText: String?
    /// The instant it denotes.
    public let instant: Instant

    /// Parses `YYYY-MM-DD` or an RFC 3339 date-time; `nil` when it is neither or
    /// names a day that does not exist.
    public init?(_ text: String) {
        if let date = CivilDate(text) {
            self.init(date)
        } else if let parsed = Instant(rfc3339: text) {
            self.init(dateTimeText: text, instant: parsed)
        } else {
            return nil
        }
    }

    /// The start of a calendar day.
    public init(_ date: CivilDate) {
        dateTimeText = nil
        instant = date.startInstant
    }

    init(dateTimeText: String?, instant: Instant) {
        self.dateTimeText = dateTimeText
        self.instant = instant
    }

    /// The value as written on import.
    public var text: String { dateTimeText ?? instant.utcDate.description }

    /// The UTC day of the instant.
    public var day: CivilDate { instant.utcDate }

    public var description: String { text }
}

/// The version a stream must be at for an append to go through (optimistic concurrency).
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// No check.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream's last event must have this version (versions start at 0).
    case exactly(UInt64)

    /// Parses `any`, `no-stream` or a non-negative integer.
    public init?(_ text: String) {
        switch text {
        case "any": self = .any
        case "no-stream": self = .noStream
        default:
            guard let n = UInt64(text) else { return nil }
            self = .exactly(n)
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no-stream"
        case let .exactly(n): String(n)
        }
    }

    /// Refuses (``EventRefusal/Rule/versionConflict``) when `stream`, now at
    /// version `current` (`nil`: no event yet), is not at the expected version
    /// (the stream's name is made only for the refusal).
    func check(current: UInt64?, stream: @autoclosure () -> String) throws {
        switch self {
        case .any: return
        case .noStream where current == nil: return
        case let .exactly(n) where current == n: return
        default:
            let actual = current.map(String.init) ?? "no-stream"
            throw EventRefusal(.versionConflict, "stream \(stream()) expected at version \(self), actual \(actual)")
        }
    }
}

