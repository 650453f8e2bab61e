import Foundation
import Testing
import Essaim

// The README's custom-projection example, compiled here (checked against the README below).

// PROJECTION-EXAMPLE-BEGIN
/// Session minutes per facilitator, kept up to date with every append.
struct MinutesPerFacilitator: Projection {
    let name = "minutes-per-facilitator"
    let schemaVersion = 1

    func apply(_ event: RecordedEvent, to store: any ProjectionStore) throws {
        guard case let .sessionHeld(session) = event.event, let minutes = session.durationMinutes else { return }
        for facilitator in session.facilitators ?? [] {
            let key = Array(facilitator.utf8)
            let total = try store.value(for: key).map { Int(String(decoding: $0, as: UTF8.self))! } ?? 0
            try store.set(Array(String(total + Int(minutes)).utf8), for: key)
        }
    }
}

func minutes(of facilitator: String, in ledger: Ledger) throws -> Int {
    try ledger.readProjection(named: "minutes-per-facilitator") { store in
        try store.value(for: Array(facilitator.utf8)).map { Int(String(decoding: $0, as: UTF8.self))! } ?? 0
    }
}
// PROJECTION-EXAMPLE-END

@Suite struct CustomProjectionTests {
    @Test("an app's own projection is folded on append, built on open for existing events, and replayed")
    func minutesPerFacilitator() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/l"
        // Events imported before the app registered its projection…
        try Ledger.create(at: path).importFiles([fixtureFiles[0], fixtureFiles[1]])
        // …are folded when the app opens the ledger with it.
        let configuration = LedgerConfiguration(projections: [MinutesPerFacilitator()])
        let ledger = try Ledger.open(at: path, configuration: configuration)
        // David Séjourné facilitates every Medicen / Stratexio session: 6 × 240 minutes.
        #expect(try minutes(of: "David Séjourné", in: ledger) == 6 * 240)
        // Bureau des pairs: two 45-minute auditions before the five presidents.
        #expect(try minutes(of: "Samuel Hervé", in: ledger) == 90)
        try ledger.importJSONLines(line("SessionHeld", #"{"session":"extra","cohort":"bureau-des-pairs-2021-06","kind":"audition","attendees":[],"durationMinutes":45,"facilitators":["Samuel Hervé"]}"#, on: "2021-06-10"))
        #expect(try minutes(of: "Samuel Hervé", in: ledger) == 135)
        try ledger.replay(projection: "minutes-per-facilitator")
        #expect(try minutes(of: "Samuel Hervé", in: ledger) == 135)
        #expect(try ledger.verify().passed)
        #expect(throws: LedgerError.self) { try ledger.readProjection(named: "nope") { _ in 0 } }
    }

    /// Counts, by `actor`, the events whose metadata names one.
    struct EventsByActor: Projection {
        let name = "events-by-actor"
        let schemaVersion = 1

        func apply(_ event: RecordedEvent, to store: any ProjectionStore) throws {
            guard let actor = event.metadata?["actor"] else { return }
            let key = Array(actor.utf8)
            let count = try store.value(for: key).map { Int(String(decoding: $0, as: UTF8.self))! } ?? 0
            try store.set(Array(String(count + 1).utf8), for: key)
        }
    }

    @Test("an app's projection reads the events' metadata on a replay beside the built-in read models, which do not")
    func metadataOnReplay() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = try Ledger.create(at: directory + "/l", configuration: LedgerConfiguration(projections: [EventsByActor()]))
        let territories = (1 ... 3).map { n in
            #"{"type":"TerritoryDefined","occurredAt":"2020-01-01","data":{"code":"X\#(n)","name":"X","level":"commune"},"metadata":{"actor":"\#(n == 2 ? "bea" : "ali")"}}"#
        }
        try ledger.importJSONLines((territories + [line("TerritoryDefined", #"{"code":"Y","name":"Y","level":"commune"}"#)]).joined(separator: "\n"))
        func count(_ actor: String) throws -> Int? {
            try ledger.readProjection(named: "events-by-actor") { store in
                try store.value(for: Array(actor.utf8)).map { Int(String(decoding: $0, as: UTF8.self))! }
            }
        }
        #expect(try count("ali") == 2 && count("bea") == 1)
        // Every read model folded again, the app's with the built-in ones: the same counts.
        try ledger.replay()
        #expect(try count("ali") == 2 && count("bea") == 1)
        try ledger.replay(projection: "events-by-actor")
        #expect(try count("ali") == 2 && count("bea") == 1)
        #expect(try ledger.verify().passed)
    }

    @Test("the README shows the projection example exactly as compiled here")
    func readmeMatches() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let example = try #require(EmbeddingExampleTests.between(source, "// PROJECTION-EXAMPLE-BEGIN\n", "// PROJECTION-EXAMPLE-END"))
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        #expect(readme.contains("```swift\n" + example + "```"))
    }
}
