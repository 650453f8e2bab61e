import ArgumentParser
import Essaim

#if canImport(Glibc)
import Glibc
#endif

/// The `--ledger` and `--replica` options shared by every subcommand.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The ledger directory, or the PostgreSQL URL of a log shared by several sites.",
        discussion: "Default: $ESSAIM_LEDGER, else ./essaim.ledger. A URL is postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE; libpq's PG* variables and ~/.pgpass apply.",
        valueName: "path|url"))
    var ledger: String?

    @Option(name: .long, help: ArgumentHelp(
        "With a shared log: this site's replica directory.",
        discussion: "Default: $ESSAIM_REPLICA, else ./essaim.replica.", valueName: "path"))
    var replica: String?

    /// The ledger: `--ledger`, else `ESSAIM_LEDGER`, else `./essaim.ledger`.
    var path: String {
        ledger ?? Self.environment("ESSAIM_LEDGER") ?? "essaim.ledger"
    }

    /// The shared log's URL, when the ledger is one.
    var sharedLogURL: String? {
        path.hasPrefix("postgresql://") || path.hasPrefix("postgres://") ? path : nil
    }

    /// The directory commands read and write locally: the ledger, or with a
    /// shared log the site's replica (`--replica`, else `ESSAIM_REPLICA`, else `./essaim.replica`).
    var localPath: String {
        sharedLogURL == nil ? path : replica ?? Self.environment("ESSAIM_REPLICA") ?? "essaim.replica"
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name), value.pointee != 0 else { return nil }
        return String(cString: value)
    }

    /// Opens the local ledger (with a shared log, the replica, without reaching
    /// the database); read-only for commands that only read.
    func open(readOnly: Bool) throws -> Ledger {
        try Ledger.open(at: localPath, configuration: LedgerConfiguration(readOnly: readOnly))
    }

    /// Opens the ledger for commands that write the log or read it whole: with a
    /// shared log, the replica bound to it (a write waits `ESSAIM_LOCK_TIMEOUT`
    /// seconds, 15 by default, for another site's write to end).
    func openLog() throws -> Ledger {
        guard let url = sharedLogURL else { return try open(readOnly: false) }
        var configuration = LedgerConfiguration()
        if let seconds = Self.environment("ESSAIM_LOCK_TIMEOUT").flatMap(Double.init), seconds > 0 {
            configuration.sharedLogLockTimeout = seconds
        }
        return try Ledger.openReplica(at: localPath, sharedLog: url, configuration: configuration)
    }
}
