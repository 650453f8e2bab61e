import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim generate`: a synthetic workload as JSON Lines.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write a synthetic, valid workload as JSON Lines on stdout.",
            discussion: """
                France's territory tree, then networks, programs and yearly cohorts of 12 seats: \
                about three applications per seat (selections, waitlists, rejections, the odd \
                withdrawal), monthly sessions, three years of outcomes, sites and extensions. \
                Every prefix of the stream imports without a refusal; the same seed gives the \
                same events. Needs no ledger.

                Examples:
                  essaim generate --events 1000000 --seed 7 > workload.jsonl
                  essaim generate --events 5000 | essaim import -
                """)

        @Option(help: ArgumentHelp("Number of events to write.", valueName: "n"))
        var events: Int

        @Option(help: ArgumentHelp("Seed of the pseudo-random choices.", valueName: "s"))
        var seed: UInt64 = 1

        func validate() throws {
            if events < 0 { throw ValidationError("--events must not be negative") }
        }

        func run() throws {
            for event in WorkloadGenerator(events: events, seed: seed) { Output.line(event.jsonLine) }
        }
    }
}
