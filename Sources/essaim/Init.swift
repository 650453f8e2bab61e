import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim init`: creates an empty ledger.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an empty ledger (directory mode 0700, files 0600).",
            discussion: """
                Example:
                  essaim --ledger club.ledger init
                """)

        @OptionGroup var ledger: LedgerOptions

        func run() throws {
            let created = try Ledger.create(at: ledger.path)
            Output.line("created an empty ledger at \(created.path)")
        }
    }
}
