/// One state of the ledger's built-in read models, for several queries that
/// must agree (a report): from ``Ledger/withReadModels(_:_:)``.
public struct ReadModels {
    let records: ReadModelRecords
    /// The last position of the log this state reflects (the head, or the last
    /// one the system-time bounds `atPosition` and `knownAt` let in) and the
    /// integrity chain's hash there: what `essaim verify --expect` checks.
    public let digest: LedgerDigest

    /// The last position of the log this state reflects.
    public var position: UInt64 { digest.position }
    /// The bounds this state was folded within.
    public let bounds: TimeBounds

    /// The roster of `cohort`; throws `.unknownID` for a cohort the ledger does not know
    /// (within the bounds).
    public func roster(cohort: String) throws -> Roster {
        try Roster(cohort: cohort, records)
    }

    /// Growth metrics of a scope's participants; throws `.unknownID` for an unknown scope id.
    public func growth(_ scope: GrowthReport.Scope, milestone: String = "company-created") throws -> GrowthReport {
        try GrowthReport(scope, milestone: milestone, records)
    }

    /// Every territory with activity, or `code` and its descendants (activity or not);
    /// throws `.unknownID` for an unknown code.
    public func territoryExpansion(code: String? = nil) throws -> TerritoryExpansion {
        try TerritoryExpansion(code: code, records)
    }

    /// The expansion timeline, for everything or filtered to a network or a program;
    /// throws `.unknownID` for an unknown network or program.
    public func expansionTimeline(_ filter: ExpansionTimeline.Filter = .all) throws -> ExpansionTimeline {
        try ExpansionTimeline(filter, records)
    }

    /// A network's members; throws `.unknownID` for an unknown network.
    public func members(network: String) throws -> MemberList {
        try MemberList(network: network, records)
    }

    /// The unduplicated reach of the networks, over companies located in
    /// `territory` or below it (every company when `nil`); throws `.unknownID`
    /// for an unknown territory.
    public func reach(territory: String? = nil) throws -> Reach {
        try Reach(territory: territory, records)
    }

    /// A network's peer mentoring; throws `.unknownID` for an unknown network.
    public func mentoring(network: String) throws -> Mentoring {
        try Mentoring(network: network, records)
    }

    /// Shared positions, every one or those of `network`; throws `.unknownID`
    /// for an unknown network.
    public func sharedPositions(network: String? = nil) throws -> SharedPositions {
        try SharedPositions(network: network, records)
    }

    /// The survival of the scope's supported companies at 1, 3 and 5 years (or
    /// `years`), counted against the `asOf` day of `bounds`, else today (UTC);
    /// throws `.unknownID` for an unknown scope id.
    public func survival(_ scope: GrowthReport.Scope, years: [Int] = [1, 3, 5]) throws -> Survival {
        let referenceDay = bounds.asOf ?? Instant.now().utcDate
        return try Survival(scope, years: years, referenceDay: referenceDay, records)
    }

    // MARK: Directory

    /// The ids of the networks, in id order.
    public func networkIDs() throws -> [String] {
        try records.all(.network, as: NetworkRecord.self).map(\.id)
    }

    /// The programs `network` runs, in launch order; throws `.unknownID` for an unknown network.
    public func programs(network: String) throws -> [String] {
        guard let record = try records.get(.network, network, as: NetworkRecord.self) else {
            throw LedgerError(.unknownID, "no network \(network)")
        }
        return record.programs
    }

    /// The cohorts of `program`, in opening order; throws `.unknownID` for an unknown program.
    public func cohorts(program: String) throws -> [String] {
        guard let record = try records.get(.program, program, as: ProgramRecord.self) else {
            throw LedgerError(.unknownID, "no program \(program)")
        }
        return record.cohorts
    }
}
