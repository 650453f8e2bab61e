/// The built-in read models of `projections.md` (cohort rosters, growth metrics,
/// territory expansion, the expansion timeline) and the state the refusal rules
/// check events against, kept as one fold of the entities events name (a
/// participant counts in a roster, a growth report and a territory alike, and a
/// cohort's active participants decide whether it is full).
public struct ReadModelsProjection: Projection {
    /// The projection's name in the ledger.
    public let name = "essaim.read-models"
    /// Version of the records' layout; bump it to have ledgers rebuild.
    /// 2: compact binary records and participant counts per territory.
    /// 3: also the refusal rules' state (eligibility, deadlines, active
    /// participants, session ids), which had a table of its own.
    /// 4: companies known across the ledger, memberships, mentorships and
    /// shared positions. 5: closures, follow-ups and creation days.
    /// 6: each cohort session's attendees. 7: the reach kept rolled up per territory.
    /// 8: session attendees stored as their index among the cohort's applications.
    public let schemaVersion = 8

    /// The built-in projection.
    public init() {}

    /// Folds one event into the read-model records.
    public func apply(_ recorded: RecordedEvent, to store: any ProjectionStore) throws {
        let entities = Entities(store, storeIsEmpty: false)
        try entities.apply(recorded)
        try entities.finish()
    }

    func folder(_ store: any ProjectionStore, storeIsEmpty: Bool) -> any EventFolder {
        Entities(store, storeIsEmpty: storeIsEmpty)
    }
}

extension ReadModelsProjection: CachingProjection {}

