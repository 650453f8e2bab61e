/// The two optional time bounds of a query (bitemporal).
public struct TimeBounds: Sendable, Equatable {
    /// Business time: only events whose `occurredAt` is before the end of this day (UTC).
    public var asOf: CivilDate?
    /// System time: only events at positions ≤ this, what the ledger said after its N-th event.
    public var atPosition: UInt64?

    /// Bounds; both `nil` means everything.
    public init(asOf: CivilDate? = nil, atPosition: UInt64? = nil) {
        self.asOf = asOf
        self.atPosition = atPosition
    }

    /// No bound: the persisted read models answer.
    public static let none = TimeBounds()

    var isUnbounded: Bool { asOf == nil && atPosition == nil }

    func admits(_ event: RecordedEvent) -> Bool {
        if let atPosition, event.position > atPosition { return false }
        if let asOf, event.occurredAt.instant >= CivilDate(daysSinceEpoch: asOf.daysSinceEpoch + 1).startInstant { return false }
        return true
    }
}

