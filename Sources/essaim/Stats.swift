import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim stats`: counts and sizes.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Show event counts by type, positions, size on disk and map size.",
            discussion: """
                Examples:
                  essaim stats
                  essaim stats --format json
                """)

        @OptionGroup var ledger: LedgerOptions

        @Option(help: "Output format: text or json.")
        var format: StatsFormat = .text

        enum StatsFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

        func run() throws {
            let stats = try ledger.open(readOnly: true).statistics()
            switch format {
            case .json:
                Output.line(JSONValue.members([
                    ("events", .integer(Int64(stats.events))), ("headPosition", .integer(Int64(stats.headPosition))),
                    ("streams", .integer(Int64(stats.streams))),
                    ("eventsByType", .object(EventType.allCases.map { (key: $0.rawValue, value: .integer(Int64(stats.eventsByType[$0] ?? 0))) })),
                    ("bytesOnDisk", .integer(Int64(stats.bytesOnDisk))), ("bytesUsed", .integer(Int64(stats.bytesUsed))),
                    ("mapSize", .integer(Int64(stats.mapSize))),
                ]).serialized)
            case .text:
                Output.line("ledger     \(ledger.localPath)")
                Output.line("events     \(stats.events)")
                Output.line("positions  " + (stats.headPosition == 0 ? "none" : "1–\(stats.headPosition)"))
                Output.line("streams    \(stats.streams)")
                Output.line("on disk    \(Self.bytes(stats.bytesOnDisk)) (in use \(Self.bytes(stats.bytesUsed)), map \(Self.bytes(stats.mapSize)))")
                Output.line("")
                for type in EventType.allCases {
                    Output.line("\(type.rawValue.rightPadded(22)) \(String(stats.eventsByType[type] ?? 0).leftPadded(8))")
                }
            }
        }

        static func bytes(_ n: Int) -> String {
            let units = ["B", "KiB", "MiB", "GiB", "TiB"]
            var value = Double(n)
            var unit = 0
            while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
            return unit == 0 ? "\(n) B" : "\((value * 10).rounded() / 10) \(units[unit])"
        }
    }
}
