import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim export`: the log as JSON Lines on stdout.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write events as JSON Lines on stdout, in position order.",
            discussion: """
                Each line carries the export fields of the contract: position, id, type, \
                occurredAt, stream, version, recordedAt, data and metadata (when present). \
                The output re-imports as it is.

                Examples:
                  essaim export > backup.jsonl
                  essaim export --from 120 --to 140
                """)

        @OptionGroup var ledger: LedgerOptions

        @Option(help: ArgumentHelp("First position to export.", valueName: "n"))
        var from: UInt64 = 1

        @Option(help: ArgumentHelp("Last position to export.", valueName: "n"))
        var to: UInt64?

        func validate() throws {
            if from < 1 { throw ValidationError("--from must be at least 1") }
            if let to, to < from { throw ValidationError("--to must not be before --from") }
        }

        func run() throws {
            let write = { (event: RecordedEvent) -> Bool in
                Output.line(event.jsonLine)
                return true
            }
            if ledger.sharedLogURL != nil {
                try ledger.openLog().forEachSharedEvent(from: from, through: to ?? .max, write)
            } else {
                try ledger.open(readOnly: true).forEachEvent(from: from, through: to ?? .max, write)
            }
        }
    }
}
