import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim backup PATH`: a hot, consistent, compacted copy, verified.
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backup",
            abstract: "Copy the ledger (log, read models, keys) into a new directory while others go on using it.",
            discussion: """
                The copy is consistent (one snapshot of the log, the key store after it), compacted \
                (no free pages), and verified once written. It is an ordinary ledger: to restore, \
                stop the writers and use the copy as the ledger directory. With --full-pages, every \
                table is rewritten in key order with its pages full: about a sixth smaller, for a copy \
                to keep (appends to it are slower until its pages have split).

                Examples:
                  essaim --ledger club.ledger backup /backups/club-2026-11-25.ledger
                  essaim --ledger club.ledger backup --full-pages /archive/club-2026.ledger
                """)

        @OptionGroup var ledger: LedgerOptions
        @Argument(help: ArgumentHelp("The new directory to write the copy into.", valueName: "path"))
        var path: String
        @Flag(help: "Rewrite every table in key order with its pages full (the smallest copy).")
        var fullPages = false

        func run() throws {
            let report = try ledger.open(readOnly: true).backup(to: path, fullPages: fullPages)
            guard report.verification.passed else {
                throw CommandFailure(message: "the copy at \(path) does not verify: \(report.verification.problems.first ?? "")")
            }
            Output.line("backed up \(report.verification.events) events to \(path): \(report.bytesAfter) bytes (the ledger: \(report.bytesBefore)), verified, digest \(report.verification.digest)")
        }
    }

    /// `essaim compact`: the ledger rewritten without its free pages.
    struct Compact: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compact",
            abstract: "Rewrite the ledger without the free pages that rewrites and rebuilds leave behind.",
            discussion: """
                Writes a compacted copy next to the ledger, verifies it, and swaps it in with one \
                rename. No other process may have the ledger open meanwhile. With --full-pages, every \
                table is rewritten in key order with its pages full: about a sixth fewer bytes, but \
                durable appends take about three times as long until most pages have split (for a \
                ledger kept to be read).

                Example:
                  essaim --ledger club.ledger compact
                """)

        @OptionGroup var ledger: LedgerOptions
        @Flag(help: "Rewrite every table in key order with its pages full (the smallest ledger; slower appends for a while).")
        var fullPages = false

        func run() throws {
            let report = try Ledger.compact(at: ledger.localPath, fullPages: fullPages)
            Output.line("compacted \(ledger.localPath): \(report.bytesBefore) -> \(report.bytesAfter) bytes, \(report.verification.events) events verified")
        }
    }
}
