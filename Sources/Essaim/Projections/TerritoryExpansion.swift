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

extension TerritoryExpansion {
    /// Reads only the territories in scope and their ancestors, through the
    /// per-territory indexes: coverage comes down from the ancestors, sites and
    /// participants roll up from below.
    init(code: String?, _ records: ReadModelRecords) throws {
        let tree = try TerritoryTree(records)
        if let code, !tree.contains(code) { throw LedgerError(.unknownID, "no territory \(code)") }
        let children = tree.children
        let roots = code.map { [$0] } ?? tree.territories.keys.filter { tree.territories[$0]?.parent.map(tree.contains) != true }.sorted()

        func direct(_ territory: String) throws -> [String: Int64] {
            var programs: [String: Int64] = [:]
            for (program, record) in try records.index(.coverage, of: territory, as: DayRecord.self) {
                programs[program] = min(programs[program] ?? .max, record.day)
            }
            return programs
        }
        func merged(_ a: [String: Int64], _ b: [String: Int64]) -> [String: Int64] {
            a.merging(b) { min($0, $1) }
        }

        var coverage: [String: [String: Int64]] = [:]
        var sitesBelow: [String: [(id: String, record: SiteRecord)]] = [:]
        var participantsBelow: [String: Int] = [:]
        var order: [String] = []
        for root in roots {
            // What the root inherits from its ancestors.
            var inherited: [String: Int64] = [:]
            var ancestor = tree.territories[root]?.parent
            var steps = 0
            while let a = ancestor, steps <= tree.territories.count {
                inherited = merged(inherited, try direct(a))
                ancestor = tree.territories[a]?.parent
                steps += 1
            }
            // Coverage flows down (pre-order) ...
            var stack: [(String, [String: Int64])] = [(root, inherited)]
            var visited: [String] = []
            while let (territory, above) = stack.popLast() {
                let here = merged(above, try direct(territory))
                coverage[territory] = here
                visited.append(territory)
                for child in children[territory, default: []] { stack.append((child, here)) }
            }
            // ... activity rolls up (children before parents).
            for territory in visited.reversed() {
                var sites = try records.index(.siteAt, of: territory, as: MarkerRecord.self).compactMap { entry -> (id: String, record: SiteRecord)? in
                    guard let site = try records.get(.site, entry.member, as: SiteRecord.self), site.territory == territory else { return nil }
                    return (entry.member, site)
                }
                var participants = try records.get(.participants, territory, as: CountRecord.self)?.count ?? 0
                for child in children[territory, default: []] {
                    sites += sitesBelow[child, default: []]
                    participants += participantsBelow[child, default: 0]
                }
                sitesBelow[territory] = sites
                participantsBelow[territory] = participants
            }
            order += visited
        }

        var entries: [Entry] = []
        for territory in order.sorted() {
            guard let record = tree.territories[territory] else { continue }
            let programs = coverage[territory, default: [:]].map { Coverage(program: $0.key, since: CivilDate(daysSinceEpoch: $0.value)) }
                .sorted { ($0.since, $0.program) < ($1.since, $1.program) }
            let here = sitesBelow[territory, default: []]
            func entry(_ s: (id: String, record: SiteRecord), _ day: Int64) -> SiteEntry {
                SiteEntry(site: s.id, name: s.record.name, network: s.record.network, territory: s.record.territory,
                          on: CivilDate(daysSinceEpoch: day))
            }
            let opened = here.compactMap { s in s.record.openedOn.map { entry(s, $0) } }.sorted { ($0.on, $0.site) < ($1.on, $1.site) }
            let planned = here.compactMap { s in s.record.openedOn == nil ? s.record.plannedOn.map { entry(s, $0) } : nil }
                .sorted { ($0.on, $0.site) < ($1.on, $1.site) }
            let participants = participantsBelow[territory, default: 0]
            let first = (programs.map(\.since) + opened.map(\.on)).min()
            if code != nil || first != nil || !planned.isEmpty || participants > 0 {
                entries.append(Entry(code: territory, name: record.name, level: record.level, parent: record.parent,
                                     firstActivityOn: first, programs: programs, sites: opened, planned: planned,
                                     participants: participants))
            }
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

extension ExpansionTimeline {
    init(_ filter: Filter, _ records: ReadModelRecords) throws {
        func entries(_ prefix: [UInt8]) throws -> [TimelineRecord] {
            try records.store.entries(withPrefix: prefix).map { try records.decode($0.value, as: TimelineRecord.self) }
        }
        let kept: [TimelineRecord]
        switch filter {
        case .all:
            kept = try entries([RecordKind.timeline.rawValue])
        case let .network(id):
            guard let network = try records.get(.network, id, as: NetworkRecord.self) else { throw LedgerError(.unknownID, "no network \(id)") }
            // Launches and extensions of its programs, and its own sites.
            kept = try network.programs.flatMap { program in
                try entries(RecordKind.programTimeline.key(program) + [0]).filter { $0.site == nil }
            } + entries(RecordKind.networkTimeline.key(id) + [0])
        case let .program(id):
            guard try records.get(.program, id, as: ProgramRecord.self) != nil else { throw LedgerError(.unknownID, "no program \(id)") }
            kept = try entries(RecordKind.programTimeline.key(id) + [0])
        }
        self.init(timeline: kept.sorted { ($0.on, $0.position, $0.territory) < ($1.on, $1.position, $1.territory) }.map {
            Entry(on: CivilDate(daysSinceEpoch: $0.on), kind: $0.kind, program: $0.program, network: $0.network,
                  territory: $0.territory, site: $0.site)
        })
    }
}
