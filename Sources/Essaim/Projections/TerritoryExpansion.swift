/// Territory expansion (`essaim query territory`): coverage flows down the
/// territory tree, activity (sites, participants) rolls up.
public struct TerritoryExpansion: Sendable, Equatable {
    /// A program covering a territory, since the earliest launch or extension naming it or an ancestor.
    public struct Coverage: Sendable, Equatable {
        /// The program the cohort belongs to.
        public var program: String
        /// Earliest launch or extension naming the territory or an ancestor.
        public var since: CivilDate
    }

    /// A site located in a territory or below it.
    public struct SiteEntry: Sendable, Equatable {
        /// The site, for site entries.
        public var site: String
        /// Display name.
        public var name: String
        /// The site's network.
        public var network: String
        /// The company's territory, when given.
        public var territory: String
        /// `openedOn` for opened sites, `plannedOn` for planned ones.
        public var on: CivilDate
    }

    /// One territory's line.
    public struct Entry: Sendable, Equatable {
        /// Territory code.
        public var code: String
        /// Display name.
        public var name: String
        /// Level in the tree.
        public var level: String
        /// Enclosing territory.
        public var parent: String?
        /// Earliest coverage or site opening.
        public var firstActivityOn: CivilDate?
        /// Programs covering the territory, by `since` then id.
        public var programs: [Coverage]
        /// Opened sites in or below the territory, by date then id.
        public var sites: [SiteEntry]
        /// Sites planned in or below the territory and not opened.
        public var planned: [SiteEntry]
        /// Participants counted.
        public var participants: Int
    }

    /// Territories ordered by code.
    public var territories: [Entry]

    /// The contract's JSON object.
    public var json: JSONValue {
        func site(_ s: SiteEntry, _ dateKey: String) -> JSONValue {
            .members([("site", .string(s.site)), ("name", .string(s.name)), ("network", .string(s.network)),
                      ("territory", .string(s.territory)), (dateKey, .string(s.on.description))])
        }
        return .members([("territories", .array(territories.map { t in
            .members([
                ("code", .string(t.code)), ("name", .string(t.name)), ("level", .string(t.level)),
                ("parent", t.parent.map(JSONValue.string) ?? .null),
                ("firstActivityOn", t.firstActivityOn.map { .string($0.description) } ?? .null),
                ("programs", .array(t.programs.map { .members([("program", .string($0.program)), ("since", .string($0.since.description))]) })),
                ("sites", .array(t.sites.map { site($0, "openedOn") })),
                ("planned", .array(t.planned.map { site($0, "plannedOn") })),
                ("participants", .integer(Int64(t.participants))),
            ])
        }))])
    }
}

extension Ledger {
    /// Every territory with activity, or `code` and its descendants (activity or not);
    /// throws `.unknownID` for an unknown code.
    public func territoryExpansion(code: String? = nil, bounds: TimeBounds = .none) throws -> TerritoryExpansion {
        try withReadModels(bounds) { records in try TerritoryExpansion(code: code, records) }
    }
}

extension TerritoryExpansion {
    init(code: String?, _ records: ReadModelRecords) throws {
        let tree = try TerritoryTree(records)
        if let code, !tree.contains(code) { throw LedgerError(.unknownID, "no territory \(code)") }
        let programs = try records.all(.program, as: ProgramRecord.self)
        let sites = try records.all(.site, as: SiteRecord.self)
        let participantCounts = try records.all(.participants, as: CountRecord.self)
        var entries: [Entry] = []
        for (territory, record) in tree.territories.sorted(by: { $0.key < $1.key }) {
            if let code, !tree.isWithin(territory, code) { continue }
            var coverage: [Coverage] = []
            for (id, program) in programs {
                let days = program.coverage.filter { tree.isWithin(territory, $0.territory) }.map(\.on)
                if let since = days.min() { coverage.append(Coverage(program: id, since: CivilDate(daysSinceEpoch: since))) }
            }
            coverage.sort { ($0.since, $0.program) < ($1.since, $1.program) }
            let here = sites.filter { tree.isWithin($0.record.territory, territory) }
            let opened = here.compactMap { s in s.record.openedOn.map { SiteEntry(site: s.id, name: s.record.name, network: s.record.network,
                                                                                  territory: s.record.territory, on: CivilDate(daysSinceEpoch: $0)) } }
                .sorted { ($0.on, $0.site) < ($1.on, $1.site) }
            let planned = here.compactMap { s in
                s.record.openedOn == nil ? s.record.plannedOn.map { SiteEntry(site: s.id, name: s.record.name, network: s.record.network,
                                                                              territory: s.record.territory, on: CivilDate(daysSinceEpoch: $0)) } : nil
            }.sorted { ($0.on, $0.site) < ($1.on, $1.site) }
            let participants = participantCounts.reduce(0) { $0 + (tree.isWithin($1.id, territory) ? $1.record.count : 0) }
            let first = (coverage.map(\.since) + opened.map(\.on)).min()
            let entry = Entry(code: territory, name: record.name, level: record.level, parent: record.parent,
                              firstActivityOn: first, programs: coverage, sites: opened, planned: planned, participants: participants)
            if code != nil || first != nil || !planned.isEmpty || participants > 0 { entries.append(entry) }
        }
        self.init(territories: entries)
    }
}

/// The expansion timeline (`essaim query expansion`): launches, extensions, sites.
public struct ExpansionTimeline: Sendable, Equatable {
    /// Whose expansion is shown.
    public enum Filter: Sendable, Equatable {
        case all, network(String), program(String)
    }

    /// One step of expansion.
    public struct Entry: Sendable, Equatable {
        /// The day.
        public var on: CivilDate
        /// `program-launched`, `program-extended`, `site-opened` or `site-planned`.
        public var kind: String
        /// The program the cohort belongs to.
        public var program: String?
        /// The site's network.
        public var network: String?
        /// The company's territory, when given.
        public var territory: String
        /// The site, for site entries.
        public var site: String?
    }

    /// Ordered by `on`, then position, then territory code.
    public var timeline: [Entry]

    /// The contract's JSON object.
    public var json: JSONValue {
        .members([("timeline", .array(timeline.map { e in
            .members([("on", .string(e.on.description)), ("kind", .string(e.kind)),
                      ("program", e.program.map(JSONValue.string) ?? .null), ("network", e.network.map(JSONValue.string) ?? .null),
                      ("territory", .string(e.territory)), ("site", e.site.map(JSONValue.string) ?? .null)])
        }))])
    }
}

extension Ledger {
    /// The expansion timeline, for everything or filtered to a network or a program;
    /// throws `.unknownID` for an unknown network or program.
    public func expansionTimeline(_ filter: ExpansionTimeline.Filter = .all, bounds: TimeBounds = .none) throws -> ExpansionTimeline {
        try withReadModels(bounds) { records in try ExpansionTimeline(filter, records) }
    }
}

extension ExpansionTimeline {
    init(_ filter: Filter, _ records: ReadModelRecords) throws {
        var networkPrograms: Set<String> = []
        switch filter {
        case .all: break
        case let .network(id):
            guard let network = try records.get(.network, id, as: NetworkRecord.self) else { throw LedgerError(.unknownID, "no network \(id)") }
            networkPrograms = Set(network.programs)
        case let .program(id):
            guard try records.get(.program, id, as: ProgramRecord.self) != nil else { throw LedgerError(.unknownID, "no program \(id)") }
        }
        let all = try records.store.entries(withPrefix: [RecordKind.timeline.rawValue])
            .map { try records.decode($0.value, as: TimelineRecord.self) }
        let kept = all.filter { entry in
            switch filter {
            case .all: return true
            case let .program(id): return entry.program == id
            case let .network(id):
                return entry.site != nil ? entry.network == id : entry.program.map(networkPrograms.contains) ?? false
            }
        }.sorted { ($0.on, $0.position, $0.territory) < ($1.on, $1.position, $1.territory) }
        self.init(timeline: kept.map {
            Entry(on: CivilDate(daysSinceEpoch: $0.on), kind: $0.kind, program: $0.program, network: $0.network,
                  territory: $0.territory, site: $0.site)
        })
    }
}
