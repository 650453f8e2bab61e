import Foundation
import Testing
import Essaim

// The README's embedding example, compiled here. The test below checks that the
// README shows exactly this code, so the two cannot drift apart.

// README-EXAMPLE-BEGIN
/// Loads the fixtures into a new ledger, records an award for a participant of
/// the Medicen / Stratexio club, and returns that participant's stream.
func recordAward(ledgerPath: String, fixtures: [String]) throws -> [RecordedEvent] {
    let ledger = try Ledger.create(at: ledgerPath)
    let report = try ledger.importFiles(fixtures)
    print("imported \(report.appended) events")

    // A typed event, checked against the refusal rules like an imported line;
    // the append fails with a version conflict if the stream moved meanwhile.
    let stream = "application-medicen-stratexio-2018-01"
    try ledger.append(NewEvent(
        occurredAt: OccurredAt("2019-03-12")!,
        event: .outcomeRecorded(OutcomeRecorded(application: "medicen-stratexio-2018-01", milestone: "award")),
        metadata: ["source": "crm"],
        expectedVersion: .exactly(try ledger.version(ofStream: stream)!)))

    do {
        // An outcome for an application that was never selected is refused (rule 9).
        try ledger.append(NewEvent(
            occurredAt: OccurredAt("2019-03-12")!,
            event: .outcomeRecorded(OutcomeRecorded(application: "medicen-stratexio-2018-13", milestone: "award"))))
    } catch let refusal as EventRefusal {
        print(refusal)  // a rejected applicant has no outcome; nothing was stored
    }
    return try ledger.events(inStream: stream)
}
// README-EXAMPLE-END

@Suite struct EmbeddingExampleTests {
    @Test("the README's embedding example runs and does what it says")
    func example() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let events = try recordAward(ledgerPath: directory + "/club.ledger", fixtures: fixtureFiles)
        #expect(events.map(\.type) == [.applicationSubmitted, .candidateSelected, .outcomeRecorded, .outcomeRecorded])
        #expect(events.map(\.version) == [0, 1, 2, 3])
        #expect(events.last?.event == .outcomeRecorded(OutcomeRecorded(application: "medicen-stratexio-2018-01", milestone: "award")))
        #expect(events.last?.metadata == ["source": "crm"])
        let ledger = try Ledger.open(at: directory + "/club.ledger")
        #expect(try ledger.headPosition() == UInt64(fixtureEventCount + 1))
    }

    @Test("the README shows the example exactly as compiled here")
    func readmeMatches() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let example = try #require(Self.between(source, "// README-EXAMPLE-BEGIN\n", "// README-EXAMPLE-END"))
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let block = try #require(Self.between(readme, "```swift\nimport Essaim\n\n", "```"))
        #expect(block == example)
    }

    static func between(_ text: String, _ start: String, _ end: String) -> String? {
        guard let a = text.range(of: start), let b = text.range(of: end, range: a.upperBound..<text.endIndex) else { return nil }
        return String(text[a.upperBound..<b.lowerBound])
    }
}
