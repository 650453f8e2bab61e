import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim init`: creates an empty ledger.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create an empty ledger (directory mode 0700, files 0600).",
            discussion: """
                With a shared log (--ledger postgresql://…), creates the log's tables in the \
                database when it has none (running it again changes nothing) and this site's \
                empty replica when there is none.

                Examples:
                  essaim --ledger club.ledger init
                  essaim --ledger postgresql://essaim@db.example/reseau --replica nancy.replica init
                """)

        @OptionGroup var ledger: LedgerOptions

        func run() throws {
            if let url = ledger.sharedLogURL {
                let replica = try Ledger.createReplica(at: ledger.localPath, sharedLog: url)
                Output.line("shared log ready at \(Ledger.displayName(ofSharedLog: url)); replica at \(replica.path) (position \(try replica.headPosition()); `essaim sync` brings it up to date)")
                return
            }
            let created = try Ledger.create(at: ledger.path)
            Output.line("created an empty ledger at \(created.path)")
        }
    }
}
