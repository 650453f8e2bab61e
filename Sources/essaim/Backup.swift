import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim backup PATH`: a hot, consistent, compacted copy, verified.
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the ledger (log, read models, keys) into a new directory while others go on using it.",
            discussion: """
                The copy is consistent (one snapshot of the log, the key store after it), compacted \\
                (no free pages), and verified once written. It is an ordinary ledger: to restore, \\
                stop the writers and use the copy as the ledger directory.

                Example:
                  essaim --ledger club.ledger backup /backups/club-2026-11-25.ledger
                """)

        @OptionGroup var ledger: LedgerOptions
        @Argument(help: ArgumentHelp("The new directory to write the copy into.", valueName: "path"))
        var path: String

        func run() throws {
            let report = try ledger.open(readOnly: true).backup(to: path)
            guard report.verification.passed else {
                throw CommandFailure(message: "the copy at \(path) does not verify: \(report.verification.problems.first ?? "")")
            }
            Output.line("backed up \(report.verification.events) events to \(path): \(report.bytesAfter) bytes (the ledger: \(report.bytesBefore)), verified, digest \(report.verification.digest)")
        }
    }

    /// `essaim compact`: the ledger rewritten without its free pages.
    struct Compact: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rewrite the ledger without the free pages replays and deletions leave behind.",
            discussion: """
                Writes a compacted copy next to the ledger, verifies it, and swaps it in with one \\
                rename. No other process may have the ledger open meanwhile.

                Example:
                  essaim --ledger club.ledger replay && essaim --ledger club.ledger compact
                """)

        @OptionGroup var ledger: LedgerOptions

        func run() throws {
            let report = try Ledger.compact(at: ledger.localPath)
            Output.line("compacted \(ledger.localPath): \(report.bytesBefore) -> \(report.bytesAfter) bytes, \(report.verification.events) events verified")
        }
    }
}
