import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim log`: a human-readable listing of events.
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "log",
            abstract: "List events for people: position, business date, type, stream and a summary.",
            discussion: """
                With --limit N, the last N matching events are listed (in position order).

                Examples:
                  essaim log --limit 20
                  essaim log --stream cohort-medicen-stratexio-2018
                  essaim log --type CandidateSelected
                """)

        @OptionGroup var ledger: LedgerOptions

        @Option(help: ArgumentHelp("Only this stream (e.g. application-A, cohort-C).", valueName: "stream"))
        var stream: String?

        @Option(help: ArgumentHelp("Only this event type.", valueName: "type"))
        var type: String?

        @Option(help: ArgumentHelp("Only the last N matching events.", valueName: "n"))
        var limit: Int?

        func validate() throws {
            if let type, EventType(rawValue: type) == nil {
                throw ValidationError("unknown event type \(type); one of: \(EventType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let source = try ledger.open(readOnly: true)
            let wanted = type.flatMap(EventType.init(rawValue:))
            var shown: [RecordedEvent] = []
            func keep(_ event: RecordedEvent) {
                guard wanted == nil || event.type == wanted else { return }
                shown.append(event)
                if let limit, shown.count > limit { shown.removeFirst(shown.count - limit) }
            }
            if let stream {
                try source.events(inStream: stream).forEach(keep)
            } else {
                try source.forEachEvent { keep($0); return true }
            }
            for event in shown { Output.line(Self.describe(event)) }
        }

        static func describe(_ e: RecordedEvent) -> String {
            let date = e.occurredAt.text.count > 10 ? String(e.occurredAt.text.prefix(10)) : e.occurredAt.text
            let head = "\(String(e.position).leftPadded(6))  \(date)  \(e.type.rawValue.rightPadded(21))"
            return "\(head)  \(e.stream)@\(e.version)  \(e.event.summary)"
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
    func rightPadded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
