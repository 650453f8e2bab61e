import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim log`: a human-readable listing of events.
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
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

extension DomainEvent {
    /// A short phrase for `essaim log`.
    var summary: String {
        switch self {
        case let .territoryDefined(e): return "\(e.name) (\(e.level.rawValue)\(e.parent.map { " in \($0)" } ?? ""))"
        case let .networkRegistered(e): return "\(e.name), \(e.kind.rawValue) based in \(e.territory)"
        case let .programLaunched(e):
            let capacity = e.capacityPerCohort.map { ", \($0) seats per cohort" } ?? ""
            return "\(e.name) (\(e.kind.rawValue)) by \(e.networks.joined(separator: ", ")) in \(e.territories.joined(separator: ", "))\(capacity)"
        case let .programExtended(e): return "\(e.program) now also covers \(e.territories.joined(separator: ", "))"
        case let .cohortOpened(e):
            let deadline = e.applicationDeadline.map { ", deadline \($0)" } ?? ""
            return "\(e.label) of \(e.program)\(e.capacity.map { ", \($0) seats" } ?? "")\(deadline)"
        case let .applicationSubmitted(e): return "\(e.company.name) applies to \(e.cohort) as \(e.application)"
        case let .candidateSelected(application): return "\(application) selected"
        case let .candidateRejected(e): return "\(e.application) rejected\(e.reason.map { ": \($0)" } ?? "")"
        case let .candidateWaitlisted(application): return "\(application) waitlisted"
        case let .participantWithdrew(e): return "\(e.application) withdrew\(e.reason.map { ": \($0)" } ?? "")"
        case let .sessionHeld(e):
            let minutes = e.durationMinutes.map { ", \($0) min" } ?? ""
            return "\(e.kind.rawValue) of \(e.cohort) with \(e.attendees.count) attendee(s)\(minutes)"
        case let .outcomeRecorded(e):
            var parts: [String] = []
            if let r = e.metrics?.revenueEur { parts.append("revenue \(r) €") }
            if let x = e.metrics?.exportRevenueEur { parts.append("export \(x) €") }
            if let h = e.metrics?.headcount { parts.append("headcount \(h)") }
            if let m = e.milestone { parts.append(m) }
            return "\(e.application): \(parts.joined(separator: ", "))"
        case let .siteOpened(e): return "\(e.name) opened by \(e.network) in \(e.territory)"
        case let .sitePlanned(e): return "\(e.name) planned by \(e.network) in \(e.territory)"
        case let .personalDataErased(e): return "personal data of \(e.application) erased\(e.reason.map { ": \($0)" } ?? "")"
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
    func rightPadded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
