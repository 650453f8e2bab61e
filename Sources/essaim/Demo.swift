import ArgumentParser
import Essaim

#if canImport(Glibc)
import Glibc
#endif

extension EssaimCommand {
    /// `essaim demo`: the fixtures in a ledger and the main read models.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo",
            abstract: "Load the bundled fixtures into a temporary (or --ledger) ledger and show the main read models.",
            discussion: """
                Shows the roster of the Medicen / Stratexio club, the growth of Alexis's program \
                (60 % of project holders from economic layoffs create their company, 30 % overall), \
                the territory expansion of Alexis across the Grand Est, the peer mentoring of \
                MEDIC@LPS's Biobiz Club, its shared business developer in Boston, the companies \
                Touraine's networks reach, each counted once, the Medicen club's participants against \
                the applicants it did not select, and how a closure declared late changed the \
                survival of Alexis's companies.

                Examples:
                  essaim demo
                  essaim demo --ledger demo.ledger
                """)

        /// `--ledger`: the ledger to load (created when missing); without it, a new temporary one.
        @OptionGroup var ledger: LedgerOptions

        @Option(help: ArgumentHelp("Directory holding territories-fr.jsonl and seeds.jsonl.", valueName: "dir"))
        var fixtures: String?

        func validate() throws {
            if ledger.sharedLogURL != nil {
                throw ValidationError("demo loads a ledger directory; for a shared log, use init and import with --replica")
            }
        }

        func run() throws {
            let directory = try fixtureDirectory()
            let path = try ledger.ledger ?? temporaryLedgerPath()
            let target = access(path + "/data.mdb", F_OK) == 0 ? try Ledger.open(at: path) : try Ledger.create(at: path)
            let report = try target.importFiles([directory + "/territories-fr.jsonl", directory + "/seeds.jsonl"])
            Output.line("Ledger \(path): \(report.appended) events imported, \(report.duplicates) already there.\n")
            try EssaimCommand.Query.Roster.parse(["--ledger", path, "--format", "table", "--cohort", "medicen-stratexio-2018"]).run()
            Output.line("")
            try EssaimCommand.Query.Growth.parse(["--ledger", path, "--format", "table", "--program", "alexis-poles"]).run()
            Output.line("")
            Output.line("Expansion of the network alexis")
            try EssaimCommand.Query.Expansion.parse(["--ledger", path, "--format", "table", "--network", "alexis"]).run()
            Output.line("")
            try EssaimCommand.Query.Territory.parse(["--ledger", path, "--format", "table", "--code", "FR-GES"]).run()
            Output.line("")
            try EssaimCommand.Query.Mentoring.parse(["--ledger", path, "--format", "table", "--network", "medicalps"]).run()
            Output.line("")
            try EssaimCommand.Query.Positions.parse(["--ledger", path, "--format", "table", "--network", "medicalps"]).run()
            Output.line("")
            try EssaimCommand.Query.Reach.parse(["--ledger", path, "--format", "table", "--territory", "FR-37"]).run()
            Output.line("")
            try EssaimCommand.Query.Growth.parse(["--ledger", path, "--format", "table", "--cohort", "medicen-stratexio-2018"]).run()
            // The fixtures end with a closure declared late: the survival as known before it, then now.
            let head = try target.headPosition()
            Output.line("\nAs known before the last event (position \(head - 1)), a closure declared late:")
            try EssaimCommand.Query.Survival.parse(["--ledger", path, "--format", "table", "--program", "alexis-poles",
                                                    "--at-position", String(head - 1)]).run()
            Output.line("\nAnd once it was recorded:")
            try EssaimCommand.Query.Survival.parse(["--ledger", path, "--format", "table", "--program", "alexis-poles"]).run()
            // The report a board would read: MEDIC@LPS, its members, mentoring, Boston position and map.
            let directoryOfLedger = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            let reportPath = (directoryOfLedger.isEmpty ? "." : directoryOfLedger) + "/essaim-report-network-medicalps.html"
            let language = ReportLanguage.choose(nil, environment: getenv("LANG").map { String(cString: $0) })
            try EssaimCommand.Report.write(target, scope: .network("medicalps"), bounds: .none, language: language, to: reportPath)
            Output.line("\nThe report of the network medicalps, to open in a browser or print: \(reportPath)")
            Output.line("Explore it: essaim --ledger \(path) query --help")
        }

        private func fixtureDirectory() throws -> String {
            var candidates = fixtures.map { [$0] } ?? ["Fixtures"]
            if fixtures == nil {
                // The repository this binary was built from.
                var source = #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
                if source.isEmpty { source = "/" }
                candidates.append(source + "/Fixtures")
            }
            guard let found = candidates.first(where: { access($0 + "/seeds.jsonl", R_OK) == 0 }) else {
                throw CommandFailure(message: "fixtures not found in \(candidates.joined(separator: " or ")); give --fixtures DIR")
            }
            return found
        }

        private func temporaryLedgerPath() throws -> String {
            let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
            var template = Array("\(base)/essaim-demo-XXXXXX".utf8CString)
            guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
                throw CommandFailure(message: "cannot create a temporary directory in \(base)")
            }
            return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } + "/demo.ledger"
        }
    }
}
