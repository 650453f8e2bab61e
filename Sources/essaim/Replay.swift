import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim replay`: rebuilds read models from the log.
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replay",
            abstract: "Rebuild read models from position 1, with progress and events/s.",
            discussion: """
                The rebuilt read models are identical to those kept up to date by appends \
                (`essaim verify` checks it). Only the records that differ from the stored ones \
                are written: a replay of read models that were right leaves the ledger's size as it was.

                Examples:
                  essaim replay
                  essaim replay --projection essaim.read-models
                """)

        @OptionGroup var ledger: LedgerOptions

        @Option(help: ArgumentHelp("Only this projection.", valueName: "name"))
        var projection: String?

        func run() throws {
            let target = try ledger.open(readOnly: false)
            let total = try target.headPosition()
            let started = Clock.now()
            let folded = try target.replay(projection: projection) { position in
                let width = 30
                let done = total == 0 ? width : Int(position * UInt64(width) / total)
                Output.progress("replaying [" + String(repeating: "█", count: done) + String(repeating: "·", count: width - done)
                                + "] \(position)/\(total)")
            }
            Output.endProgress()
            let seconds = max(Clock.now() - started, 1e-9)
            let names = projection.map { [$0] } ?? target.projectionNames
            Output.line("replayed \(folded) events into \(names.joined(separator: ", ")) in \(String(format3(seconds))) s (\(Int(Double(folded) / seconds)) events/s)")
        }
    }
}

/// `x` with three decimals.
func format3(_ x: Double) -> String {
    let scaled = Int((x * 1000).rounded())
    let fraction = String(scaled % 1000)
    return "\(scaled / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}
