/// An error of the ledger itself: it cannot be opened, it is damaged, or storage failed.
///
/// Refused events are not ledger errors: they are ``EventRefusal``s.
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    /// A stable classification of ledger errors.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// There is no ledger at the path.
        public static let missing = Code(rawValue: "missing")
        /// A ledger already exists where one was to be created.
        public static let alreadyExists = Code(rawValue: "already-exists")
        /// The path holds something that is not an Essaim ledger.
        public static let foreign = Code(rawValue: "foreign")
        /// The ledger was written by a newer Essaim with a format this one cannot read.
        public static let newerFormat = Code(rawValue: "newer-format")
        /// The ledger's data does not hold together.
        public static let corrupt = Code(rawValue: "corrupt")
        /// The ledger cannot be reached: permissions, locks, read-only file system.
        public static let unavailable = Code(rawValue: "unavailable")
        /// The ledger was opened read-only and a write was attempted.
        public static let readOnly = Code(rawValue: "read-only")
        /// The read models are missing or out of date and the ledger is open read-only.
        public static let staleReadModels = Code(rawValue: "stale-read-models")
        /// A query named an id the ledger does not know.
        public static let unknownID = Code(rawValue: "unknown-id")
        /// A replica and its shared log disagree: the log no longer holds the
        /// replica's last event as the replica has it (acknowledged events lost).
        public static let diverged = Code(rawValue: "diverged")
        /// The storage engine failed (disk full, I/O error, …).
        public static let storage = Code(rawValue: "storage")
    }

    /// What went wrong.
    public var code: Code
    /// A message for people.
    public var message: String
    /// The error that caused this one (a storage engine's or the system's), when
    /// there is one; for diagnostics, not for deciding what to do (use ``code``).
    public var underlying: (any Error)?

    /// An error with a code and a message.
    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }

    /// Whether the ledger could not be opened at all, or its shared log not be
    /// reached (the CLI's exit code 3: nothing was stored; retry once the cause is gone).
    public var isOpenFailure: Bool {
        [.missing, .alreadyExists, .foreign, .newerFormat, .corrupt, .unavailable, .staleReadModels, .diverged].contains(code)
    }
}

/// An event the ledger refused, with the rule it broke; nothing of its batch was stored.
public struct EventRefusal: Error, Sendable, CustomStringConvertible {
    /// The refusal rules of `events.md`, plus idempotency and optimistic concurrency.
    public enum Rule: String, Sendable, CaseIterable {
        /// 1. Not JSON, missing/mistyped/unknown field, bad date, id or number, …
        case malformed
        /// 2. A reference to something no earlier event defined.
        case unknownReference = "unknown-reference"
        /// 3. A second definition of an id already in use.
        case duplicateDefinition = "duplicate-definition"
        /// 4. An application after the cohort's deadline day.
        case lateApplication = "late-application"
        /// 5. The program's eligibility criteria are not met.
        case ineligible
        /// 6. A committee decision or withdrawal out of order.
        case decisionOutOfOrder = "decision-out-of-order"
        /// 7. Selecting into a full cohort.
        case full
        /// 8. A session attendee who is not an active participant of the cohort.
        case attendeeNotParticipant = "attendee-not-participant"
        /// 9. An outcome for an application that was never selected.
        case outcomeWithoutSelection = "outcome-without-selection"
        /// 10. A mentor, mentee or shared-position holder that is not an active
        /// member of the network, or a company mentoring itself.
        case membership
        /// An event id already stored with different content.
        case idConflict = "id-conflict"
        /// The stream is not at the expected version.
        case versionConflict = "version-conflict"

        /// The rule's number in `events.md`, when it has one.
        public var number: Int? {
            switch self {
            case .malformed: 1
            case .unknownReference: 2
            case .duplicateDefinition: 3
            case .lateApplication: 4
            case .ineligible: 5
            case .decisionOutOfOrder: 6
            case .full: 7
            case .attendeeNotParticipant: 8
            case .outcomeWithoutSelection: 9
            case .membership: 10
            case .idConflict, .versionConflict: nil
            }
        }
    }

    /// The rule broken.
    public var rule: Rule
    /// What exactly is wrong.
    public var detail: String
    /// The 1-based line of the import input, when the event came from one.
    public var line: Int?
    /// The input's name (a file path, or `-` for standard input), when known.
    public var source: String?
    /// The event's type, when it could be read.
    public var eventType: String?
    /// The event's id, when it could be read.
    public var eventID: String?

    /// A refusal of `rule` with a detail; the line and event are filled in by the caller that knows them.
    public init(_ rule: Rule, _ detail: String, line: Int? = nil, source: String? = nil, eventType: String? = nil, eventID: String? = nil) {
        self.rule = rule
        self.detail = detail
        self.line = line
        self.source = source
        self.eventType = eventType
        self.eventID = eventID
    }

    /// `FILE:LINE: TYPE ID: refused by rule N (name): detail`.
    public var description: String {
        var where_ = ""
        if let line { where_ = (source.map { "\($0):" } ?? "line ") + "\(line): " }
        let event = [eventType ?? "event", eventID].compactMap { $0 }.joined(separator: " ")
        let rule = self.rule.number.map { "rule \($0) (\(self.rule.rawValue))" } ?? self.rule.rawValue
        return "\(where_)\(event): refused by \(rule): \(detail)"
    }
}
