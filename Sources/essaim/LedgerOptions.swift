import ArgumentParser
import Essaim

#if canImport(Glibc)
import Glibc
#endif

/// The `--ledger` option shared by every subcommand.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger directory.", discussion: "Default: $ESSAIM_LEDGER, else ./essaim.ledger.", valueName: "path"))
    var ledger: String?

    /// The ledger path: `--ledger`, else `ESSAIM_LEDGER`, else `./essaim.ledger`.
    var path: String {
        if let ledger { return ledger }
        if let fromEnvironment = getenv("ESSAIM_LEDGER"), fromEnvironment.pointee != 0 {
            return String(cString: fromEnvironment)
        }
        return "essaim.ledger"
    }

    /// Opens the ledger; read-only for commands that only read.
    func open(readOnly: Bool) throws -> Ledger {
        try Ledger.open(at: path, configuration: LedgerConfiguration(readOnly: readOnly))
    }
}
