import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim query …`: the read models.
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Query the read models: roster, growth, territory, expansion.",
            discussion: """
                Every query takes --format table|json|csv (table on a terminal, json otherwise), \
                --as-of DATE (business time: events that occurred before the end of that day, UTC) \
                and --at-position N (system time: what the ledger said after its N-th event).

                Examples:
                  essaim query roster --cohort medicen-stratexio-2018
                  essaim query growth --program alexis-poles --format json
                  essaim query territory --code FR-GES --as-of 2019-12-31
                  essaim query expansion --network stratexio --format csv
                """,
            subcommands: [Roster.self, Growth.self, Territory.self, Expansion.self])
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

    func validate() throws {
        if let asOf, CivilDate(asOf) == nil { throw ValidationError("--as-of must be a valid YYYY-MM-DD date") }
        if atPosition == 0 { throw ValidationError("--at-position must be at least 1") }
    }

    var bounds: TimeBounds { TimeBounds(asOf: asOf.flatMap(CivilDate.init), atPosition: atPosition) }

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
            abstract: "Growth of participants: funnel, metrics from baseline to latest outcome, conversion.",
            discussion: """
                Give exactly one scope: --cohort, --program, --network or --territory.

                Examples:
                  essaim query growth --cohort medicen-stratexio-2018
                  essaim query growth --program alexis-poles --milestone company-created
                  essaim query growth --territory FR-OCC --format csv
                """)

        @OptionGroup var options: QueryOptions
        @Option(help: "Participants of this cohort.") var cohort: String?
        @Option(help: "Participants of this program's cohorts.") var program: String?
        @Option(help: "Participants of the programs this network runs.") var network: String?
        @Option(help: "Participants whose company is in this territory or below it.") var territory: String?
        @Option(help: "The milestone counted as a conversion.") var milestone = "company-created"

        func validate() throws {
            if [cohort, program, network, territory].compactMap({ $0 }).count != 1 {
                throw ValidationError("give exactly one of --cohort, --program, --network, --territory")
            }
        }

        func run() throws {
            let scope: GrowthReport.Scope = cohort.map { .cohort($0) } ?? program.map { .program($0) }
                ?? network.map { .network($0) } ?? .territory(territory!)
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
            options.print(json: g.json, tables: [funnel, metrics, conversion])
        }
    }

    struct Territory: ParsableCommand {
        static let configuration = CommandConfiguration(
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
}
