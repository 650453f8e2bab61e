import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim verify`: checks the whole ledger.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the whole ledger; exit 0 only when every check holds.",
            discussion: """
                Checks that every event decodes, positions are gapless from 1, ids and stream \
                versions agree with their indexes, and every read model equals a fresh fold \
                of the log. Problems are listed on stderr; exit 1 when there is any.

                Example:
                  essaim verify
                """)

        @OptionGroup var ledger: LedgerOptions

        func run() throws {
            let report = try ledger.open(readOnly: true).verify()
            for problem in report.problems { Output.error(problem) }
            guard report.passed else {
                throw CommandFailure(message: "verification failed: \(report.problems.count) problem(s)")
            }
            Output.line("ok: \(report.events) events, \(report.streams) streams, positions gapless, read models equal a fresh fold")
        }
    }
}
