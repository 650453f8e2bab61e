import ArgumentParser
import Essaim

#if canImport(Glibc)
import Glibc
#endif

extension EssaimCommand {
    /// `essaim report`: one self-contained HTML file for boards and funders.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write an HTML report with charts and a map, for people who read rather than type.",
            discussion: """
                One self-contained file (inline CSS and SVG, no script, nothing fetched), printable on \\
                A4. It states the ledger position and integrity digest it was made from, with the \\
                `essaim verify --expect` command that proves it; its figures are the queries' figures. \\
                Without a scope, the whole ledger. Without --output, a file named after the scope and \\
                the date in the current directory. Language: --lang, else French when LANG starts \\
                with fr, else English.

                Examples:
                  essaim report --program alexis-poles
                  essaim report --network medicalps --lang en --output medicalps.html
                  essaim report --as-of 2024-12-31 --known-at 2025-01-31
                """)

        @OptionGroup var ledger: LedgerOptions
        @Option(help: "Report on this program.") var program: String?
        @Option(help: "Report on this network.") var network: String?
        @Option(help: "Report on this territory and below it.") var territory: String?
        @Option(help: ArgumentHelp("Only events that occurred before the end of this day (UTC).", valueName: "YYYY-MM-DD"))
        var asOf: String?
        @Option(help: ArgumentHelp("Only events at positions up to N.", valueName: "n")) var atPosition: UInt64?
        @Option(help: ArgumentHelp("Only events recorded before the end of this day (UTC).", valueName: "YYYY-MM-DD"))
        var knownAt: String?
        @Option(help: "fr or en (default: French when LANG starts with fr, else English).") var lang: String?
        @Option(help: ArgumentHelp("Where to write the report.", valueName: "file")) var output: String?

        func validate() throws {
            if [program, network, territory].compactMap({ $0 }).count > 1 {
                throw ValidationError("give at most one of --program, --network, --territory")
            }
            for (name, value) in [("--as-of", asOf), ("--known-at", knownAt)] where value != nil && CivilDate(value!) == nil {
                throw ValidationError("\(name) must be a valid YYYY-MM-DD date")
            }
            if atPosition == 0 { throw ValidationError("--at-position must be at least 1") }
            if let lang, ReportLanguage(rawValue: lang) == nil { throw ValidationError("--lang must be fr or en") }
        }

        var scope: ReportScope {
            program.map { .program($0) } ?? network.map { .network($0) } ?? territory.map { .territory($0) } ?? .ledger
        }

        func run() throws {
            let target = try ledger.open(readOnly: true)
            let language = ReportLanguage.choose(lang, environment: getenv("LANG").map { String(cString: $0) })
            let bounds = TimeBounds(asOf: asOf.flatMap(CivilDate.init), atPosition: atPosition, knownAt: knownAt.flatMap(CivilDate.init))
            let path = output ?? defaultName(bounds)
            try EssaimCommand.Report.write(target, scope: scope, bounds: bounds, language: language, to: path)
            Output.line(path)
        }

        /// `essaim-report-program-alexis-poles-2025-01-31.html`.
        func defaultName(_ bounds: TimeBounds) -> String {
            let what: String
            switch scope {
            case let .program(id): what = "program-" + id
            case let .network(id): what = "network-" + id
            case let .territory(code): what = "territory-" + code
            case .ledger: what = "ledger"
            }
            let safe = String(what.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
            return "essaim-report-\(safe)-\(bounds.asOf ?? Instant.now().utcDate).html"
        }

        /// Builds the report from one state of the ledger and writes it to `path`.
        static func write(_ ledger: Ledger, scope: ReportScope, bounds: TimeBounds, language: ReportLanguage, to path: String) throws {
            let html = try ledger.withReadModels(bounds) { models in
                try ReportBuilder(models: models, scope: scope, lang: language)
                    .document(digest: models.digest, generatedAt: Instant.now())
            }
            guard let file = fopen(path, "w") else {
                throw CommandFailure(message: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            defer { fclose(file) }
            let bytes = Array(html.utf8)
            guard fwrite(bytes, 1, bytes.count, file) == bytes.count else {
                throw CommandFailure(message: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
        }
    }
}
