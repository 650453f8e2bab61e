import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim query …`: the read models.
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "query",
            abstract: "Query the read models: roster, growth, territory, expansion, members, reach, mentoring, positions.",
            discussion: """
                Every query takes --format table|json|csv (table on a terminal, json otherwise), \
                --as-of DATE (business time: events that occurred before the end of that day, UTC), \
                --at-position N (system time: what the ledger said after its N-th event) and \
                --known-at DATE (system time: what the ledger said on that day), together or apart.

                Examples:
                  essaim query roster --cohort medicen-stratexio-2018
                  essaim query growth --program alexis-poles --format json
                  essaim query territory --code FR-GES --as-of 2019-12-31
                  essaim query expansion --network stratexio --format csv
                  essaim query members --network puissance-20
                  essaim query reach --territory FR-37
                  essaim query mentoring --network medicalps
                  essaim query positions --network medicalps
                  essaim query survival --program alexis-poles --years 1,3,5
                  essaim query survival --program alexis-poles --as-of 2024-12-31 --known-at 2025-01-31
                """,
            subcommands: [Roster.self, Growth.self, Territory.self, Expansion.self, Members.self, Reach.self, Mentoring.self,
                          Positions.self, Survival.self])
    }
}

/// The scope of the growth report and the survival: exactly one of four.
struct ScopeOptions: ParsableArguments {
    @Option(help: "Participants of this cohort.") var cohort: String?
    @Option(help: "Participants of this program's cohorts.") var program: String?
    @Option(help: "Participants of the programs this network runs.") var network: String?
    @Option(help: "Participants whose company is in this territory or below it.") var territory: String?

    func validate() throws {
        if [cohort, program, network, territory].compactMap({ $0 }).count != 1 {
            throw ValidationError("give exactly one of --cohort, --program, --network, --territory")
        }
    }

    var scope: GrowthReport.Scope {
        cohort.map { .cohort($0) } ?? program.map { .program($0) } ?? network.map { .network($0) } ?? .territory(territory!)
    }
}

/// Options every query shares.
struct QueryOptions: ParsableArguments {
    @OptionGroup var ledger: LedgerOptions

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    @Option(help: "Output format: table, json or csv (default: table on a terminal, else json).")
    var format: Format?

    @Option(help: ArgumentHelp("Only events that occurred before the end of this day (UTC).", valueName: "YYYY-MM-DD"))
    var asOf: String?

    @Option(help: ArgumentHelp("Only events at positions up to N.", valueName: "n"))
    var atPosition: UInt64?

    @Option(help: ArgumentHelp("Only events recorded before the end of this day (UTC): what the ledger said that day.",
                               valueName: "YYYY-MM-DD"))
    var knownAt: String?

    func validate() throws {
        if let asOf, CivilDate(asOf) == nil { throw ValidationError("--as-of must be a valid YYYY-MM-DD date") }
        if let knownAt, CivilDate(knownAt) == nil { throw ValidationError("--known-at must be a valid YYYY-MM-DD date") }
        if atPosition == 0 { throw ValidationError("--at-position must be at least 1") }
    }

    var bounds: TimeBounds {
        TimeBounds(asOf: asOf.flatMap(CivilDate.init), atPosition: atPosition, knownAt: knownAt.flatMap(CivilDate.init))
    }

    /// Opens the ledger read-only; queries never write.
    func open() throws -> Ledger { try ledger.open(readOnly: true) }

    /// Prints a report in the chosen format.
    func print(json: JSONValue, tables: @autoclosure () -> [Table]) {
        switch format ?? (Output.stdoutIsTerminal ? .table : .json) {
        case .json: Output.line(json.serialized)
        case .table: Output.line(tables().map { $0.rendered() }.joined(separator: "\n\n"))
        case .csv: Output.line(tables().map { $0.csv() }.joined(separator: "\n\n"))
        }
    }
}

extension EssaimCommand.Query {
    struct Roster: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "roster",
            abstract: "A cohort's roster: seats, decisions, members and attendance.",
            discussion: "Example:\n  essaim query roster --cohort medicen-stratexio-2018 --as-of 2018-03-31")

        @OptionGroup var options: QueryOptions
        @Option(help: "The cohort id.") var cohort: String

        func run() throws {
            let r = try options.open().roster(cohort: cohort, bounds: options.bounds)
            let summary = Table(title: "Cohort \(r.cohort) — \(r.label) (program \(r.program))",
                                headers: ["capacity", "active", "seats left", "applications", "pending", "waitlisted", "rejected", "withdrawn", "sessions"],
                                rows: [[.number(r.capacity), .number(Int64(r.active)), .number(r.seatsLeft), .number(Int64(r.applications)),
                                        .number(Int64(r.pending)), .number(Int64(r.waitlisted)), .number(Int64(r.rejected)),
                                        .number(Int64(r.withdrawn)), .number(Int64(r.sessionsHeld))]])
            let members = Table(title: "Members", headers: ["application", "company", "territory", "sector", "status", "selected on", "attended", "attendance"],
                                rows: r.members.map { m in [.text(m.application), .text(m.company), .text(m.territory), .text(m.sector), .text(m.status),
                                                            .text(m.selectedOn.description), .number(Int64(m.sessionsAttended)), .ratio(m.attendanceRate)] })
            options.print(json: r.json, tables: [summary, members])
        }
    }

    struct Growth: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "growth",
            abstract: "Growth of participants: funnel, metrics from baseline to latest outcome, conversion.",
            discussion: """
                Give exactly one scope: --cohort, --program, --network or --territory.

                Examples:
                  essaim query growth --cohort medicen-stratexio-2018
                  essaim query growth --program alexis-poles --milestone company-created
                  essaim query growth --territory FR-OCC --format csv
                """)

        @OptionGroup var options: QueryOptions
        @OptionGroup var scopeOptions: ScopeOptions
        @Option(help: "The milestone counted as a conversion.") var milestone = "company-created"

        func run() throws {
            let scope = scopeOptions.scope
            let g = try options.open().growth(scope, milestone: milestone, bounds: options.bounds)
            let f = g.funnel
            let funnel = Table(title: "Funnel — \(scope)",
                               headers: ["applications", "participants", "rejected", "waitlisted", "withdrawn", "pending", "selection rate"],
                               rows: [[.number(Int64(f.applications)), .number(Int64(f.participants)), .number(Int64(f.rejected)),
                                       .number(Int64(f.waitlisted)), .number(Int64(f.withdrawn)), .number(Int64(f.pending)), .ratio(f.selectionRate)]])
            let metrics = Table(title: "Growth from baseline to latest outcome",
                                headers: ["metric", "participants", "mean", "median", "min", "max", "pooled"],
                                rows: g.metrics.map { m in [.text(m.name), .number(Int64(m.growth.participants)), .ratio(m.growth.mean),
                                                            .ratio(m.growth.median), .ratio(m.growth.min), .ratio(m.growth.max), .ratio(m.growth.pooled)] })
            let conversion = Table(title: "Conversion to \(g.milestone)", headers: ["segment", "participants", "converted", "rate"],
                                   rows: [[.text("(all)"), .number(Int64(g.overall.participants)), .number(Int64(g.overall.converted)), .ratio(g.overall.rate)]]
                                       + g.bySegment.map { s in [.text(s.segment), .number(Int64(s.conversion.participants)),
                                                                 .number(Int64(s.conversion.converted)), .ratio(s.conversion.rate)] })
            let jobs = Table(title: "Jobs (IRIS+ PI3687 created, PI5691 maintained, PI4874 total)",
                             headers: ["group", "counted", "created", "maintained", "total"],
                             rows: [("participants", g.jobs), ("comparison group", g.comparison.jobs)].map { name, j in
                                 [.text(name), .number(Int64(j.participants)), .number(j.created), .number(j.maintained), .number(j.total)]
                             })
            let comparison = Table(title: "Comparison group: \(g.comparison.applications) applications never selected, latest follow-up",
                                   headers: ["metric", "counted", "mean", "median", "min", "max", "pooled"],
                                   rows: g.comparison.metrics.map { m in
                                       [.text(m.name), .number(Int64(m.growth.participants)), .ratio(m.growth.mean), .ratio(m.growth.median),
                                        .ratio(m.growth.min), .ratio(m.growth.max), .ratio(m.growth.pooled)]
                                   })
            options.print(json: g.json, tables: [funnel, metrics, conversion, jobs, comparison])
        }
    }

    struct Territory: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "territory",
            abstract: "Territory expansion: coverage flows down the tree, activity rolls up.",
            discussion: """
                Without --code, every territory with activity; with --code T, T and every territory below it.

                Examples:
                  essaim query territory
                  essaim query territory --code FR-GES --format json
                """)

        @OptionGroup var options: QueryOptions
        @Option(help: "Show this territory and its descendants.") var code: String?

        func run() throws {
            let t = try options.open().territoryExpansion(code: code, bounds: options.bounds)
            let table = Table(title: nil, headers: ["code", "name", "level", "first activity", "programs", "sites", "planned", "participants"],
                              rows: t.territories.map { e in
                                  [.text(e.code), .text(e.name), .text(e.level), .text(e.firstActivityOn?.description),
                                   .text(e.programs.map(\.program).joined(separator: " ")), .text(e.sites.map(\.site).joined(separator: " ")),
                                   .text(e.planned.map(\.site).joined(separator: " ")), .number(Int64(e.participants))]
                              })
            options.print(json: t.json, tables: [table])
        }
    }

    struct Expansion: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "expansion",
            abstract: "The expansion timeline: program launches and extensions, sites opened and planned.",
            discussion: """
                Examples:
                  essaim query expansion --network alexis
                  essaim query expansion --program bureau-des-pairs --format csv
                """)

        @OptionGroup var options: QueryOptions
        @Option(help: "Only this network's sites and the programs it runs.") var network: String?
        @Option(help: "Only this program.") var program: String?

        func validate() throws {
            if network != nil && program != nil { throw ValidationError("give --network or --program, not both") }
        }

        func run() throws {
            let filter: ExpansionTimeline.Filter = network.map { .network($0) } ?? program.map { .program($0) } ?? .all
            let t = try options.open().expansionTimeline(filter, bounds: options.bounds)
            let table = Table(title: nil, headers: ["on", "kind", "program", "network", "territory", "site"],
                              rows: t.timeline.map { e in [.text(e.on.description), .text(e.kind), .text(e.program), .text(e.network),
                                                           .text(e.territory), .text(e.site)] })
            options.print(json: t.json, tables: [table])
        }
    }

    struct Members: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "members",
            abstract: "A network's members: capacity, seats left, and every company ever a member.",
            discussion: "Example:\n  essaim query members --network puissance-20 --as-of 2019-12-31")

        @OptionGroup var options: QueryOptions
        @Option(help: "The network id.") var network: String

        func run() throws {
            let m = try options.open().members(network: network, bounds: options.bounds)
            let summary = Table(title: "Members of \(m.name) (network \(m.network))",
                                headers: ["capacity", "active", "seats left", "joined", "left"],
                                rows: [[.number(m.memberCapacity), .number(Int64(m.active)), .number(m.seatsLeft),
                                        .number(Int64(m.joined)), .number(Int64(m.left))]])
            let members = Table(title: "Members", headers: ["company", "name", "sector", "territory", "since", "status", "left on"],
                                rows: m.members.map { e in
                                    [.text(e.company), .text(e.name), .text(e.sector), .text(e.territory), .text(e.since.description),
                                     .text(e.status), .text(e.leftOn?.description)]
                                })
            options.print(json: m.json, tables: [summary, members])
        }
    }

    struct Reach: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reach",
            abstract: "The unduplicated reach: companies counted once, however many networks reach them.",
            discussion: """
                A network reaches a company that is or was its member, or that applied to one of its \
                programs. With --territory T, companies located in T or below it.

                Examples:
                  essaim query reach
                  essaim query reach --territory FR-37 --format json
                """)

        @OptionGroup var options: QueryOptions
        @Option(help: "Only companies located in this territory or below it.") var territory: String?

        func run() throws {
            let r = try options.open().reach(territory: territory, bounds: options.bounds)
            let summary = Table(title: "Reach — \(r.territory.map { "territory \($0)" } ?? "every company")",
                                headers: ["companies", "members", "applicants", "participants", "in several networks"],
                                rows: [[.number(Int64(r.companies)), .number(Int64(r.members)), .number(Int64(r.applicants)),
                                        .number(Int64(r.participants)), .number(Int64(r.inSeveralNetworks))]])
            let networks = Table(title: "Companies reached per network", headers: ["network", "companies"],
                                 rows: r.networks.map { [.text($0.network), .number(Int64($0.companies))] })
            options.print(json: r.json, tables: [summary, networks])
        }
    }

    struct Mentoring: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mentoring",
            abstract: "A network's peer mentoring: mentorships, sessions, minutes by theme, reciprocal pairs.",
            discussion: "Example:\n  essaim query mentoring --network medicalps --format json")

        @OptionGroup var options: QueryOptions
        @Option(help: "The network id.") var network: String

        func run() throws {
            let m = try options.open().mentoring(network: network, bounds: options.bounds)
            let summary = Table(title: "Mentoring in network \(m.network)",
                                headers: ["mentorships", "active", "sessions", "minutes", "reciprocal pairs"],
                                rows: [[.number(Int64(m.mentorships)), .number(Int64(m.active)), .number(Int64(m.sessions)),
                                        .number(m.minutes), .number(Int64(m.reciprocalPairs))]])
            let themes = Table(title: "By theme", headers: ["theme", "mentorships", "minutes"],
                               rows: m.byTheme.map { [.text($0.theme), .number(Int64($0.totals.mentorships)), .number($0.totals.minutes)] })
            let pairs = Table(title: "Pairs", headers: ["mentorship", "mentor", "mentee", "theme", "started", "ended", "sessions",
                                                        "minutes", "planned", "over allowance"],
                              rows: m.pairs.map { p in
                                  [.text(p.mentorship), .text(p.mentor), .text(p.mentee), .text(p.theme), .text(p.startedOn.description),
                                   .text(p.endedOn?.description), .number(Int64(p.sessions)), .number(p.minutes),
                                   .number(p.plannedMinutes), .text(p.overAllowance ? "yes" : "no")]
                              })
            options.print(json: m.json, tables: [summary, themes, pairs])
        }
    }

    struct Positions: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "positions",
            abstract: "Shared positions: who holds which share of each post's time, and who held one before.",
            discussion: """
                Examples:
                  essaim query positions
                  essaim query positions --network medicalps --as-of 2016-12-31
                """)

        @OptionGroup var options: QueryOptions
        @Option(help: "Only this network's positions.") var network: String?

        func run() throws {
            let p = try options.open().sharedPositions(network: network, bounds: options.bounds)
            let positions = Table(title: "Shared positions", headers: ["position", "title", "network", "territory", "opened", "closed",
                                                                       "capacity %", "allocated %"],
                                  rows: p.positions.map { e in
                                      [.text(e.position), .text(e.title), .text(e.network), .text(e.territory),
                                       .text(e.openedOn.description), .text(e.closedOn?.description), .number(e.capacityPercent),
                                       .number(e.allocatedPercent)]
                                  })
            let shares = Table(title: "Shares", headers: ["position", "company", "share %", "since", "until"],
                               rows: p.positions.flatMap { e in
                                   (e.holders + e.former).map { s in
                                       [.text(e.position), .text(s.company), .number(s.sharePercent), .text(s.since.description),
                                        .text(s.until?.description)]
                                   }
                               })
            options.print(json: p.json, tables: [positions, shares])
        }
    }

    struct Survival: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "survival",
            abstract: "Survival of the supported companies N years after they started (taux de pérennité).",
            discussion: """
                A company starts on the later of its creation and the start of its support. The \
                reference day is --as-of, else today (UTC); --at-position and --known-at give the rate \
                as it was known then (a closure recorded later, even dated earlier, is not yet counted).

                Examples:
                  essaim query survival --program alexis-poles
                  essaim query survival --network medicen --years 3,5 --as-of 2024-12-31
                """)

        @OptionGroup var options: QueryOptions
        @OptionGroup var scopeOptions: ScopeOptions
        @Option(help: ArgumentHelp("Anniversaries to count, comma-separated (default: 1,3,5).", valueName: "n,n…"))
        var years = "1,3,5"

        func validate() throws {
            if parsedYears == nil { throw ValidationError("--years must be whole numbers of at least 1, separated by commas") }
        }

        var parsedYears: [Int]? {
            let values = years.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
            return values.compactMap { $0 }
        }

        func run() throws {
            let s = try options.open().survival(scopeOptions.scope, years: parsedYears!, bounds: options.bounds)
            let summary = Table(title: "Survival — \(s.scope), reference day \(s.referenceDay)",
                                headers: ["companies", "closed", "unknown start"],
                                rows: [[.number(Int64(s.companies)), .number(Int64(s.closed)), .number(Int64(s.unknownStart))]])
            let rates = Table(title: "Still active N years after they started", headers: ["years", "eligible", "survived", "rate"],
                              rows: s.rates.map { [.number(Int64($0.years)), .number(Int64($0.eligible)), .number(Int64($0.survived)), .ratio($0.rate)] })
            options.print(json: s.json, tables: [summary, rates])
        }
    }
}
