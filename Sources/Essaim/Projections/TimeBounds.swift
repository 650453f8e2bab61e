/// The optional time bounds of a query (bitemporal): one in business time, two
/// in system time.
public struct TimeBounds: Sendable, Equatable {
    /// Business time: only events whose `occurredAt` is before the end of this day (UTC).
    public var asOf: CivilDate?
    /// System time: only events at positions ≤ this, what the ledger said after its N-th event.
    public var atPosition: UInt64?
    /// System time, by date: only events recorded (`recordedAt`) before the end of
    /// this day (UTC), what the ledger said on that day.
    public var knownAt: CivilDate?

    /// Bounds; all `nil` means everything.
    public init(asOf: CivilDate? = nil, atPosition: UInt64? = nil, knownAt: CivilDate? = nil) {
        self.asOf = asOf
        self.atPosition = atPosition
        self.knownAt = knownAt
    }

    /// No bound: the persisted read models answer.
    public static let none = TimeBounds()

    var isUnbounded: Bool { asOf == nil && atPosition == nil && knownAt == nil }

    /// Whether `event` is within every bound.
    func admits(_ event: RecordedEvent) -> Bool {
        admitsRecord(event) && asOf.map { event.occurredAt.instant < $0.nextDay.startInstant } ?? true
    }

    /// Whether `event` is within the system-time bounds: in the log as it was.
    func admitsRecord(_ event: RecordedEvent) -> Bool {
        if let atPosition, event.position > atPosition { return false }
        if let knownAt, event.recordedAt >= knownAt.nextDay.startInstant { return false }
        return true
    }
}

extension CivilDate {
    /// The day after.
    var nextDay: CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + 1) }
}
