import Foundation
import Testing
@testable import Essaim

/// `essaim query`, `replay`, `verify` and `demo` on the built binary, on the fixtures.
@Suite struct QueryCommandTests {
    static func fixtureLedger() throws -> (directory: String, ledger: String) {
        let (directory, ledger) = try CommandLineTests.initialised()
        let imported = try CommandLineTests.run(["--ledger", ledger, "import"] + fixtureFiles)
        #expect(imported.status == 0, "\(imported.stderr)")
        return (directory, ledger)
    }

    @Test("query json prints exactly what the library returns")
    func json() throws {
        let (directory, ledger) = try Self.fixtureLedger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let library = try Ledger.open(at: ledger, configuration: LedgerConfiguration(readOnly: true))
        let cases: [([String], JSONValue)] = [
            (["roster", "--cohort", "medicen-stratexio-2018"], try library.roster(cohort: "medicen-stratexio-2018").json),
            (["growth", "--program", "alexis-poles"], try library.growth(.program("alexis-poles")).json),
            (["territory", "--code", "FR-GES", "--as-of", "2019-12-31"],
             try library.territoryExpansion(code: "FR-GES", bounds: .init(asOf: CivilDate("2019-12-31"))).json),
            (["expansion", "--network", "stratexio", "--at-position", "200"],
             try library.expansionTimeline(.network("stratexio"), bounds: .init(atPosition: 200)).json),
            (["members", "--network", "puissance-20"], try library.members(network: "puissance-20").json),
            (["members", "--network", "medicalps", "--as-of", "2010-12-31"],
             try library.members(network: "medicalps", bounds: .init(asOf: CivilDate("2010-12-31"))).json),
            (["reach", "--territory", "FR-37"], try library.reach(territory: "FR-37").json),
            (["reach", "--at-position", "300"], try library.reach(bounds: .init(atPosition: 300)).json),
            (["mentoring", "--network", "medicalps"], try library.mentoring(network: "medicalps").json),
            (["positions", "--network", "medicalps", "--as-of", "2015-12-31"],
             try library.sharedPositions(network: "medicalps", bounds: .init(asOf: CivilDate("2015-12-31"))).json),
            (["positions"], try library.sharedPositions().json),
        ]
        for (arguments, expected) in cases {
            let result = try CommandLineTests.run(["--ledger", ledger, "query"] + arguments + ["--format", "json"])
            #expect(result.status == 0 && result.stderr.isEmpty, "\(arguments): \(result.stderr)")
            #expect(result.stdout == expected.serialized + "\n", "\(arguments)")
        }
        // Without --format on a pipe, JSON too.
        let piped = try CommandLineTests.run(["--ledger", ledger, "query", "roster", "--cohort", "medicen-stratexio-2018"])
        #expect(piped.stdout.hasPrefix("{\"cohort\":\"medicen-stratexio-2018\""))
    }

    @Test("the networks' own life in table and CSV: members, reach, mentoring, positions; unknown ids exit 1")
    func networkLifeFormats() throws {
        let (directory, ledger) = try Self.fixtureLedger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func run(_ arguments: [String]) throws -> CommandLineTests.Result {
            try CommandLineTests.run(["--ledger", ledger, "query"] + arguments)
        }
        let members = try run(["members", "--network", "puissance-20", "--format", "table"])
        #expect(members.status == 0 && members.stdout.contains("Members of Puissance 20"))
        let membersCSV = try run(["members", "--network", "puissance-20", "--format", "csv"]).stdout.split(separator: "\n")
        #expect(membersCSV.first == "capacity,active,seats left,joined,left" && membersCSV[1] == "20,20,0,20,0")
        let reach = try run(["reach", "--territory", "FR-37", "--format", "csv"]).stdout.split(separator: "\n")
        #expect(reach.first == "companies,members,applicants,participants,in several networks")
        let mentoring = try run(["mentoring", "--network", "medicalps", "--format", "table"])
        #expect(mentoring.stdout.contains("réglementaire") && mentoring.stdout.contains("reciprocal pairs"))
        let positions = try run(["positions", "--format", "csv"]).stdout
        #expect(positions.contains("boston,Business developer,medicalps,US-BOS,2014-09-01,,100,95"))
        for arguments in [["members", "--network", "nope"], ["mentoring", "--network", "nope"], ["positions", "--network", "nope"],
                          ["reach", "--territory", "nope"]] {
            let unknown = try run(arguments)
            #expect(unknown.status == 1 && unknown.stderr.contains("nope"), "\(arguments)")
        }
        #expect(try run(["members"]).status == 2)
    }

    @Test("the alexis conversion shows 60 % for economic layoffs against 30 % overall")
    func alexisConversion() throws {
        let (directory, ledger) = try Self.fixtureLedger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CommandLineTests.run(["--ledger", ledger, "query", "growth", "--program", "alexis-poles", "--format", "json"])
        #expect(result.stdout.contains(#""overall":{"participants":20,"converted":6,"rate":0.3}"#))
        #expect(result.stdout.contains(#""economic-layoff":{"participants":5,"converted":3,"rate":0.6}"#))
    }

    @Test("table shows percentages for people; csv has a header row and fractions")
    func tableAndCSV() throws {
        let (directory, ledger) = try Self.fixtureLedger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let table = try CommandLineTests.run(["--ledger", ledger, "query", "growth", "--program", "alexis-poles", "--format", "table"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("60 %") && table.stdout.contains("30 %"))
        // Captions speak to people: no Swift value description.
        #expect(table.stdout.contains("Funnel — program alexis-poles") && !table.stdout.contains("(\""))
        let csv = try CommandLineTests.run(["--ledger", ledger, "query", "expansion", "--network", "alexis", "--format", "csv"])
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows.first == "on,kind,program,network,territory,site")
        #expect(rows.count == 9)
        #expect(rows.last == "2020-10-01,site-planned,alexis-poles,alexis,55463,alexis-saint-mihiel")
        let rosterCSV = try CommandLineTests.run(["--ledger", ledger, "query", "roster", "--cohort", "medicen-stratexio-2018", "--format", "csv"])
        #expect(rosterCSV.stdout.contains("medicen-stratexio-2018-15,Sanovia,92012,santé,active,2018-03-05,3,0.75"))
    }

    @Test("unknown ids exit 1 with a clear error; bad options exit 2")
    func errors() throws {
        let (directory, ledger) = try Self.fixtureLedger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let unknown = try CommandLineTests.run(["--ledger", ledger, "query", "roster", "--cohort", "nope"])
        #expect(unknown.status == 1 && unknown.stdout.isEmpty && unknown.stderr.contains("no cohort nope"))
        #expect(try CommandLineTests.run(["--ledger", ledger, "query", "growth"]).status == 2)
        #expect(try CommandLineTests.run(["--ledger", ledger, "query", "territory", "--as-of", "2021-02-30"]).status == 2)
    }

    @Test("replay reports events/s and verify passes after it")
    func replayAndVerify() throws {
        let (directory, ledger) = try Self.fixtureLedger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let replay = try CommandLineTests.run(["--ledger", ledger, "replay"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("replayed \(fixtureEventCount) events") && replay.stdout.contains("events/s"))
        let verify = try CommandLineTests.run(["--ledger", ledger, "verify"])
        #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: \(fixtureEventCount) events"))
        #expect(try CommandLineTests.run(["--ledger", ledger, "replay", "--projection", "nope"]).status == 1)
    }

    @Test("demo loads the fixtures and shows a roster, a program's growth and a network's expansion")
    func demo() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CommandLineTests.run(["demo", "--ledger", directory + "/demo.ledger", "--fixtures", repositoryRoot + "/Fixtures"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(fixtureEventCount) events imported"))
        #expect(result.stdout.contains("Cohort medicen-stratexio-2018"))
        #expect(result.stdout.contains("economic-layoff"))
        #expect(result.stdout.contains("alexis-saint-mihiel"))
        #expect(result.stdout.contains("Mentoring in network medicalps") && result.stdout.contains("réglementaire"))
        #expect(result.stdout.contains("boston") && result.stdout.contains("US-BOS"))
        #expect(result.stdout.contains("Reach — territory FR-37"))
        #expect(result.stdout.contains("Comparison group: 2 applications"))
        #expect(result.stdout.contains("a closure declared late") && result.stdout.contains("Survival — program alexis-poles"))
        #expect(FileManager.default.fileExists(atPath: directory + "/essaim-report-network-medicalps.html"))
        #expect(result.stdout.contains(directory + "/essaim-report-network-medicalps.html"))
    }
}

