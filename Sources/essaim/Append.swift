import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim append`: appends one event given on the command line.
    struct Append: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "append",
            abstract: "Append one event.",
            discussion: """
                The event is checked like an imported line. With --expected-version, the \
                append is refused unless the event's stream is at that version \
                (`any`, `no-stream`, or a number; versions start at 0).

                Example:
                  essaim append --type CandidateSelected --data '{"application":"medicen-2018-a03"}' \\
                      --occurred-at 2017-12-14 --expected-version 0
                """)

        @OptionGroup var ledger: LedgerOptions

        @Option(help: ArgumentHelp("The event type, e.g. CandidateSelected.", valueName: "type"))
        var type: String

        @Option(help: ArgumentHelp("The event's data object, as JSON.", valueName: "json"))
        var data: String

        @Option(help: ArgumentHelp("Business time: YYYY-MM-DD or an RFC 3339 date-time (default: now).", valueName: "date"))
        var occurredAt: String?

        @Option(help: ArgumentHelp("The stream's expected version: any, no-stream or a number.", valueName: "version"))
        var expectedVersion: String = "any"

        @Option(help: ArgumentHelp("The event id (a UUID; generated when absent).", valueName: "uuid"))
        var id: String?

        @Option(help: ArgumentHelp("Metadata, as a JSON object of strings.", valueName: "json"))
        var metadata: String?

        func validate() throws {
            if ExpectedVersion(expectedVersion) == nil {
                throw ValidationError("--expected-version must be any, no-stream or a non-negative number")
            }
        }

        func run() throws {
            let target = try ledger.openLog()
            func json(_ text: String, _ option: String) throws -> JSONValue {
                do { return try JSONParser.parse(text) } catch {
                    throw EventRefusal(.malformed, "\(option) is not valid JSON: \(error)", eventType: type, eventID: id)
                }
            }
            let envelope = JSONValue.members([
                ("id", id.map(JSONValue.string)), ("type", .string(type)),
                ("occurredAt", .string(occurredAt ?? Instant.now().description)),
                ("data", try json(data, "--data")), ("metadata", try metadata.map { try json($0, "--metadata") }),
            ])
            var event = try EventLine.decode(envelope: envelope)
            event.expectedVersion = ExpectedVersion(expectedVersion)!
            guard let stored = try target.append(event).events.first else {
                throw CommandFailure(message: "the ledger did not report the event it appended")
            }
            let verb = stored.isDuplicate ? "duplicate of" : "appended"
            Output.line("\(verb) \(stored.type.rawValue) \(stored.id) at position \(stored.position), stream \(stored.stream) version \(stored.version)")
        }
    }
}
