import ArgumentParser
import Essaim

#if canImport(Glibc)
import Glibc
#endif

extension EssaimCommand {
    /// `essaim sync`: brings a site's replica up to the shared log.
    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Bring this site's replica up to date with the shared log.",
            discussion: """
                Applies the log's events after the replica's position, in order, a page per \
                replica transaction (a sync cut short goes on where it stopped). Refuses, with \
                exit 3, a log that no longer holds the replica's last event as the replica has it. \
                With --follow, keeps the replica up to date, woken by the database's notifications \
                (and every --poll seconds), until interrupted; an unreachable database is retried.

                Examples:
                  essaim --ledger postgresql://essaim@db.example/reseau --replica nancy.replica sync
                  essaim --ledger postgresql://essaim@db.example/reseau sync --follow
                """)

        @OptionGroup var ledger: LedgerOptions

        @Flag(help: "Keep syncing until interrupted.")
        var follow = false

        @Option(help: ArgumentHelp("With --follow, seconds between polls when no notification comes.", valueName: "seconds"))
        var poll: Double = 5

        func validate() throws {
            if ledger.sharedLogURL == nil {
                throw ValidationError("sync needs a shared log: --ledger postgresql://…")
            }
            if !(poll > 0) { throw ValidationError("--poll must be positive") }
        }

        func run() throws {
            let replica = try ledger.openLog()
            guard follow else {
                let report = try replica.sync()
                Output.line("replica at position \(report.position) (\(report.applied) event(s) applied)")
                return
            }
            let first = try replica.sync()
            Output.line("replica at position \(first.position) (\(first.applied) event(s) applied); following")
            Output.flush()
            try replica.follow(pollInterval: poll, onSync: { report in
                Output.line("replica at position \(report.position) (\(report.applied) event(s) applied)")
                Output.flush()
            }, onUnavailable: { error in
                Output.note("essaim: \(error.message); retrying\n")
            })
        }
    }
}
