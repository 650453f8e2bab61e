import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim forget`: erasure of an application's personal data.
    struct Forget: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "forget",
            abstract: "Erase the personal data of an application (crypto-shredding).",
            discussion: """
                Destroys the key that encrypts the application's personal data (its leader's \
                name and email) and appends a PersonalDataErased event. From then on export, log, \
                queries and the library show the leader as {"name":"[erased]"}; the company, \
                figures, dates and decisions stay. The log still verifies. Erasing twice changes \
                nothing. Backups and exports taken before still hold the data.

                Example:
                  essaim forget --application medicen-stratexio-2018-07 --reason "request of 2026-11-20"
                """)

        @OptionGroup var ledger: LedgerOptions

        @Option(help: ArgumentHelp("The application whose personal data is erased.", valueName: "id"))
        var application: String

        @Option(help: ArgumentHelp("Why, recorded in the event.", valueName: "text"))
        var reason: String?

        func run() throws {
            switch try ledger.openLog().forget(application: application, reason: reason) {
            case let .erased(position):
                Output.line("erased the personal data of application \(application) (event at position \(position))")
            case .alreadyErased:
                Output.line("the personal data of application \(application) was already erased; nothing to do")
            }
        }
    }
}
