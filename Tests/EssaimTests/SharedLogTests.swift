import Foundation
import Testing
@testable import Essaim
import EssaimCLMDB

/// Several sites on one PostgreSQL log, each with its LMDB replica: racing
/// writers, gapless positions, replicas equal to each other and to a
/// single-machine ledger, crashes, a restarted server, personal data.
///
/// `tools/test` starts a private PostgreSQL cluster and passes its URL in
/// `ESSAIM_TEST_POSTGRES`; without it these tests fail (they never skip).
/// Serialized: they race many writer processes and time their waits; side by
/// side they would slow each other into timeouts. The restart test restarts a
/// cluster of its own, never the shared one.
@Suite(.serialized) struct SharedLogTests {
    /// A fresh database on the test cluster, and a directory for the sites' replicas.
    final class SharedDatabase {
        let url: String
        let name: String
        let directory: String
        private let admin: String

        /// A database on `admin`'s cluster: by default the one `tools/test` started.
        init(admin: String? = nil) throws {
            guard let admin = admin ?? ProcessInfo.processInfo.environment["ESSAIM_TEST_POSTGRES"], !admin.isEmpty else {
                throw TestFailure("ESSAIM_TEST_POSTGRES is not set: run the tests with tools/test, which starts a private PostgreSQL cluster")
            }
            self.admin = admin
            name = "essaim_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try PostgresConnection(url: admin).execute("CREATE DATABASE \(name)")
            url = admin.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/") + "/" + name
            directory = try TemporaryDirectory.make()
        }

        deinit {
            _ = try? PostgresConnection(url: admin).execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            try? FileManager.default.removeItem(atPath: directory)
        }

        func replica(_ site: String) -> String { directory + "/" + site + ".replica" }

        /// Runs `essaim --ledger URL --replica SITE arguments…`.
        @discardableResult
        func run(_ site: String, _ arguments: [String], stdin: String? = nil,
                 environment: [String: String] = [:]) throws -> CommandLineTests.Result {
            try CommandLineTests.run(["--ledger", url, "--replica", replica(site)] + arguments, stdin: stdin, environment: environment)
        }

        func arguments(_ site: String, _ arguments: [String]) -> [String] {
            ["--ledger", url, "--replica", replica(site)] + arguments
        }

        /// A query's rows (text).
        func sql(_ statement: String) throws -> [[String]] {
            let result = try PostgresConnection(url: url).execute(statement)
            return (0..<result.rowCount).map { row in (0..<result.columnCount).map { result.text(row, $0) } }
        }

        func openReplica(_ site: String) throws -> Ledger {
            try Ledger.openReplica(at: replica(site), sharedLog: url, configuration: LedgerConfiguration(durable: false))
        }
    }

    /// Runs a program with its output discarded and returns its exit status
    /// (posix_spawn and waitpid: no pipe a server started by it could hold open).
    static func spawnAndWait(_ arguments: [String]) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    /// Exit statuses set from other threads.
    final class ExitStatuses: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Int: Int32] = [:]
        func set(_ index: Int, _ value: Int32) { lock.withLock { values[index] = value } }
        func all() throws -> [Int: Int32] { lock.withLock { values } }
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The read-model table of a replica, entry by entry.
    static func readModels(_ ledger: Ledger) throws -> [[UInt8]] {
        try ledger.read { txn in
            try ledger.projections.store(for: ledger.projections.all[0], txn).entries(withPrefix: []).flatMap { [$0.key, $0.value] }
        }
    }

    /// What a few queries answer, as JSON, for comparing ledgers.
    static func answers(_ arguments: [String]) throws -> [String] {
        try [["query", "roster", "--cohort", "C5", "--format", "json"], ["query", "growth", "--program", "P", "--format", "json"],
             ["query", "territory", "--territory", "FR", "--format", "json"], ["query", "members", "--network", "N", "--format", "json"]]
            .map { try CommandLineTests.run(arguments + $0).stdout }
    }

    /// The base world, plus program P5 with 5 seats in cohort C5, 12 applications to it, 2 of them selected.
    static let world: [String] = baseWorld + [
        line("ProgramLaunched", #"{"program":"P5","name":"Club","kind":"club","networks":["N"],"territories":["FR-34"],"capacityPerCohort":5}"#),
        line("CohortOpened", #"{"program":"P5","cohort":"C5","label":"Automne","applicationDeadline":"2021-09-30"}"#, on: "2021-09-01"),
    ] + (1...12).map { line("ApplicationSubmitted", application("S\($0)").replacingOccurrences(of: #""cohort":"C""#, with: #""cohort":"C5""#), on: "2021-09-10") }
      + (1...2).map { line("CandidateSelected", #"{"application":"S\#($0)"}"#, on: "2021-10-01") }

    @Test("init creates the schema once (again: nothing changes) and an empty replica per site; a newer schema exits 3")
    func initialisation() throws {
        let db = try SharedDatabase()
        for site in ["nancy", "etain", "nancy"] {
            let result = try db.run(site, ["init"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try db.sql("SELECT position FROM essaim.head") == [["0"]])
        #expect(try db.sql("SELECT value FROM essaim.meta WHERE name = 'schema'") == [["1"]])
        // A replica of another log, or a single-machine ledger with events, is refused.
        let other = try SharedDatabase()
        #expect(try other.run("x", ["init"]).status == 0)
        let foreign = try CommandLineTests.run(["--ledger", other.url, "--replica", db.replica("nancy"), "sync"])
        #expect(foreign.status == 3 && foreign.stderr.contains("another shared log"), "\(foreign.stderr)")
        let plain = db.directory + "/plain.ledger"
        #expect(try CommandLineTests.run(["--ledger", plain, "init"]).status == 0)
        #expect(try CommandLineTests.run(["--ledger", plain, "import", "-"], stdin: baseWorld.joined(separator: "\n")).status == 0)
        let adopted = try CommandLineTests.run(["--ledger", db.url, "--replica", plain, "sync"])
        #expect(adopted.status == 3 && adopted.stderr.contains("single-machine ledger"), "\(adopted.stderr)")

        _ = try db.sql("UPDATE essaim.meta SET value = '99' WHERE name = 'schema'")
        let newer = try db.run("nancy", ["sync"])
        #expect(newer.status == 3 && newer.stderr.contains("newer"), "\(newer.stderr)")
        // Queries read the replica alone: they work without the database.
        let offline = try CommandLineTests.run(["--ledger", "postgresql://nobody@127.0.0.1:1/none", "--replica", db.replica("nancy"), "stats"])
        #expect(offline.status == 0, "\(offline.stderr)")
        let unreachable = try CommandLineTests.run(["--ledger", "postgresql://nobody@127.0.0.1:1/none", "--replica", db.replica("nancy"), "sync"])
        #expect(unreachable.status == 3 && unreachable.stderr.contains("cannot reach the database"), "\(unreachable.stderr)")
        // sync needs a shared log; demo needs a directory.
        #expect(try CommandLineTests.run(["--ledger", db.replica("nancy"), "sync"]).status == 2)
        #expect(try CommandLineTests.run(["--ledger", db.url, "demo"]).status == 2)
        // A password in the URL never reaches a message.
        let secret = try CommandLineTests.run(["--ledger", "postgresql://nobody:s3cret@127.0.0.1:1/none", "--replica", db.replica("nancy"), "sync"])
        #expect(secret.status == 3 && !secret.stderr.contains("s3cret") && secret.stderr.contains("nobody:***@"), "\(secret.stderr)")
    }

    @Test("writers at four sites race for the last seats, one expected version, the same event ids: no rule broken, positions gapless, replicas equal")
    func racingSites() throws {
        let db = try SharedDatabase()
        let sites = ["maxeville", "etain", "morhange", "dieuze"]
        for site in sites { #expect(try db.run(site, ["init"]).status == 0) }
        let loaded = try db.run("maxeville", ["import", "-"], stdin: Self.world.joined(separator: "\n"))
        #expect(loaded.status == 0, "\(loaded.stderr)")

        // Ten selections for the last three seats, from the four sites at once.
        let selections = try ConcurrencyTests.race((3...12).map { n in
            db.arguments(sites[n % 4], ["append", "--type", "CandidateSelected", "--data", #"{"application":"S\#(n)"}"#,
                                        "--occurred-at", "2021-10-02"])
        })
        let selected = selections.filter { $0.status == 0 }
        let full = selections.filter { $0.status == 1 && $0.stderr.contains("rule 7 (full)") }
        #expect(selected.count == 3 && full.count == 7, "\(selections.map { "\($0.status) \($0.stderr)" })")

        // Six writers for version 0 of program P's stream: one wins.
        let versions = try ConcurrencyTests.race((0..<6).map { n in
            db.arguments(sites[n % 4], ["append", "--type", "ProgramExtended", "--expected-version", "0",
                                        "--data", #"{"program":"P","territories":["FR-34"]}"#, "--occurred-at", "2022-01-0\(n + 1)"])
        })
        #expect(versions.filter { $0.status == 0 }.count == 1)
        #expect(versions.filter { $0.status == 1 && $0.stderr.contains("version-conflict") }.count == 5,
                "\(versions.map { "\($0.status) \($0.stderr)" })")

        // One event id sent by every site: stored once, a duplicate elsewhere.
        let id = "6f9d3b1e-2c4a-4e8b-9a1d-0b2c3d4e5f60"
        let same = try ConcurrencyTests.race(sites.map { site in
            db.arguments(site, ["append", "--id", id, "--type", "MemberJoined",
                                "--data", #"{"network":"N","company":{"id":"co-S1","name":"Company S1"}}"#, "--occurred-at", "2022-02-01"])
        })
        #expect(same.allSatisfy { $0.status == 0 }, "\(same.map(\.stderr))")
        #expect(try db.sql("SELECT count(*) FROM essaim.events WHERE id = '\(id)'") == [["1"]])

        // Gapless, in commit order, the head row at the last event.
        let expected = Self.world.count + 3 + 1 + 1
        #expect(try db.sql("SELECT count(*), min(position), max(position) FROM essaim.events") == [["\(expected)", "1", "\(expected)"]])
        #expect(try db.sql("SELECT position FROM essaim.head") == [["\(expected)"]])
        #expect(try db.sql("SELECT count(*) FROM essaim.events e JOIN essaim.events f ON f.position = e.position + 1") == [["\(expected - 1)"]])

        // Every replica, synced, holds the same read models, byte for byte, and verifies.
        var models: [[[UInt8]]] = []
        for site in sites {
            #expect(try db.run(site, ["sync"]).status == 0)
            let verify = try db.run(site, ["verify"])
            #expect(verify.status == 0, "\(verify.stderr)")
            models.append(try Self.readModels(try Ledger.open(at: db.replica(site), configuration: LedgerConfiguration(readOnly: true))))
        }
        #expect(models.allSatisfy { $0 == models[0] })
        let roster = try CommandLineTests.run(["--ledger", db.replica("etain"), "query", "roster", "--cohort", "C5", "--format", "json"])
        #expect(roster.stdout.components(separatedBy: #""selectedOn""#).count - 1 == 5, "\(roster.stdout)")

        // A single-machine ledger fed the export answers the same.
        let export = try db.run("etain", ["export"])
        #expect(export.status == 0)
        let single = db.directory + "/single.ledger"
        #expect(try CommandLineTests.run(["--ledger", single, "init"]).status == 0)
        #expect(try CommandLineTests.run(["--ledger", single, "import", "-"], stdin: export.stdout).status == 0)
        #expect(try Self.answers(["--ledger", single]) == Self.answers(["--ledger", db.replica("morhange")]))
    }

    @Test("a writer SIGKILLed mid-import leaves all or nothing; the import then runs again")
    func killedImport() throws {
        let db = try SharedDatabase()
        #expect(try db.run("a", ["init"]).status == 0)
        let file = db.directory + "/workload.jsonl"
        let generated = try CommandLineTests.run(["generate", "--events", "20000", "--seed", "7"])
        try generated.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        var killedMidway = false
        for delay in [0.3, 0.8, 1.5] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
            process.arguments = db.arguments("a", ["import", file])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let head = try db.sql("SELECT position FROM essaim.head")[0][0]
            let count = try db.sql("SELECT count(*) FROM essaim.events")[0][0]
            #expect(head == count && (head == "0" || head == "20000"), "head \(head), events \(count)")
            if head == "20000" { break }
            killedMidway = true
            // The replica took nothing either.
            #expect(try Ledger.open(at: db.replica("a")).headPosition() == 0)
        }
        #expect(killedMidway, "a kill landed before the import committed")
        let again = try db.run("a", ["import", file])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try db.sql("SELECT count(*), max(position) FROM essaim.events") == [["20000", "20000"]])
        #expect(try db.run("a", ["verify"]).status == 0)
    }

    @Test("a replica offline for a thousand events catches up; a hole or a lost event is an error, not a wait")
    func offlineReplica() throws {
        let db = try SharedDatabase()
        for site in ["a", "b"] { #expect(try db.run(site, ["init"]).status == 0) }
        let events = try CommandLineTests.run(["generate", "--events", "1200", "--seed", "2"]).stdout.split(separator: "\n")
        #expect(try db.run("a", ["import", "-"], stdin: events.prefix(200).joined(separator: "\n")).status == 0)
        #expect(try db.run("b", ["sync"]).stdout.contains("position 200"))
        // b is offline while a writes a thousand events, in ten imports.
        for start in stride(from: 200, to: 1200, by: 100) {
            #expect(try db.run("a", ["import", "-"], stdin: events[start..<start + 100].joined(separator: "\n")).status == 0)
        }
        let caughtUp = try db.openReplica("b").sync(pageSize: 64)
        #expect(caughtUp == SyncReport(applied: 1000, position: 1200))
        #expect(try Self.readModels(db.openReplica("a")) == Self.readModels(db.openReplica("b")))
        #expect(try db.run("b", ["verify", "--digest"]).stdout == db.run("a", ["verify", "--digest"]).stdout)

        // A hole in the log: a new replica refuses it.
        #expect(try db.run("c", ["init"]).status == 0)
        _ = try db.sql("DELETE FROM essaim.events WHERE position = 600")
        let hole = try db.run("c", ["sync"])
        #expect(hole.status == 3 && hole.stderr.contains("hole: position 600 is missing"), "\(hole.stderr)")
        #expect(try Ledger.open(at: db.replica("c")).headPosition() == 0, "the page with the hole was not applied")
        let broken = try db.run("a", ["verify"])
        #expect(broken.status == 1 && broken.stderr.contains("position 600 is missing"), "\(broken.stderr)")

        // The log lost its last events (a failover to a standby that was behind): said, not papered over.
        _ = try db.sql("DELETE FROM essaim.events WHERE position > 1100")
        _ = try db.sql("UPDATE essaim.head SET position = 1100, hash = (SELECT substring(record FROM octet_length(record) - 31) FROM essaim.events WHERE position = 1100)")
        let lost = try db.run("b", ["sync"])
        #expect(lost.status == 3 && lost.stderr.contains("disagree at position 1200"), "\(lost.stderr)")
        let write = try db.run("b", ["append", "--type", "TerritoryDefined", "--data", #"{"code":"ZZ","name":"Z","level":"country"}"#])
        #expect(write.status == 3 && write.stderr.contains("disagree"), "\(write.stderr)")
    }

    @Test("the server restarted mid-run: clear errors, retries work, nothing acknowledged is lost, a follower catches up")
    func serverRestart() throws {
        // A cluster of its own: tests of other suites run meanwhile on the shared
        // one, and a restart would cut their connections.
        let cluster = try TemporaryDirectory.make()
        let postgres = repositoryRoot + "/tools/postgres"
        try #require(Self.spawnAndWait([postgres, "start", cluster, "-c", "fsync=off"]) == 0, "tools/postgres start \(cluster)")
        defer { _ = Self.spawnAndWait([postgres, "stop", cluster]) }
        let port = try String(contentsOfFile: cluster + "/port", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let db = try SharedDatabase(admin: "postgresql://postgres@127.0.0.1:\(port)/postgres")
        for site in ["a", "b"] { #expect(try db.run(site, ["init"]).status == 0) }
        #expect(try db.run("a", ["import", "-"], stdin: baseWorld.joined(separator: "\n")).status == 0)
        let follower = Process()
        follower.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        follower.arguments = db.arguments("b", ["sync", "--follow", "--poll", "0.2"])
        follower.standardOutput = FileHandle.nullDevice
        follower.standardError = FileHandle.nullDevice
        try follower.run()
        defer { kill(follower.processIdentifier, SIGKILL); follower.waitUntilExit() }

        var acknowledged: [String] = []
        var failures: [String] = []
        let restarted = ExitStatuses()
        var restarter: Thread?
        for n in 0..<40 {
            if n == 10 {
                // Restarted while the appends go on.
                restarter = Thread { restarted.set(0, Self.spawnAndWait([postgres, "restart", cluster])) }
                restarter?.start()
            }
            let id = UUID().uuidString.lowercased()
            let data = #"{"code":"Z\#(n)","name":"Zone \#(n)","level":"country"}"#
            var result = try db.run("a", ["append", "--id", id, "--type", "TerritoryDefined", "--data", data])
            while result.status == 3 {
                failures.append(result.stderr)
                Thread.sleep(forTimeInterval: 0.2)
                result = try db.run("a", ["append", "--id", id, "--type", "TerritoryDefined", "--data", data])
            }
            if result.status == 0 { acknowledged.append(id) } else { failures.append("unexpected: \(result.status) \(result.stderr)") }
        }
        while restarter?.isFinished == false { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try restarted.all()[0] == 0)
        #expect(!failures.contains { $0.hasPrefix("unexpected") }, "\(failures)")
        #expect(failures.allSatisfy { $0.contains("database") }, "\(failures)")
        #expect(acknowledged.count == 40)
        let stored = try Set(db.sql("SELECT id::text FROM essaim.events").map { $0[0] })
        #expect(Set(acknowledged).isSubset(of: stored))
        // The follower reconnects and catches up.
        let head = try db.sql("SELECT position FROM essaim.head")[0][0]
        var replicaHead = ""
        for _ in 0..<150 {
            replicaHead = String(try Ledger.open(at: db.replica("b"), configuration: LedgerConfiguration(readOnly: true)).headPosition())
            if replicaHead == head { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(replicaHead == head)
        #expect(try db.run("b", ["verify"]).status == 0)
    }

    @Test("a replica's commit that fails after the log's: a full map grows and the write is filed once; any other failure says the write is stored")
    func replicaCommitFailure() throws {
        let db = try SharedDatabase()
        #expect(try db.run("a", ["init"]).status == 0)
        let site = try Ledger.openReplica(at: db.replica("a"), sharedLog: db.url)
        func territories(_ codes: [String]) -> [NewEvent] {
            codes.map { NewEvent(occurredAt: OccurredAt(CivilDate(year: 2026, month: 1, day: 5)!),
                                 event: .territoryDefined(TerritoryDefined(code: $0, name: "Zone \($0)", level: .country))) }
        }
        func logged() throws -> String { try db.sql("SELECT count(*) FROM essaim.events")[0][0] }

        // LMDB's commit can find the map full (saving its free-page list) after
        // every put fitted: the map grows and the write transaction runs again.
        site.environment.nextCommitFailure = LMDBError(status: MDB_MAP_FULL, operation: "committing")
        let report = try site.append(territories(["A", "B", "C"]))
        #expect(report.appended == 3 && report.lastPosition == 3)
        #expect(try logged() == "3")
        #expect(try site.headPosition() == 3)

        site.environment.nextCommitFailure = LMDBError(status: EIO, operation: "committing")
        #expect {
            try site.append(territories(["D"]))
        } throws: { error in
            (error as? LedgerError)?.message.contains("the write is stored in the shared log") == true
        }
        #expect(try logged() == "4")
        #expect(try site.headPosition() == 3)
        #expect(try site.sync().applied == 1)
        #expect(try site.verify().passed)
        #expect(try db.run("a", ["verify"]).status == 0)
    }

    @Test("a large import refused at its last line leaves nothing in the log or the replica; the same connection then writes")
    func refusedImport() throws {
        let db = try SharedDatabase()
        #expect(try db.run("a", ["init"]).status == 0)
        let site = try db.openReplica("a")
        let plain = try Ledger.open(at: db.replica("a"), configuration: LedgerConfiguration(readOnly: true))
        #expect(site.isReplica && !plain.isReplica)
        try site.importJSONLines(baseWorld.joined(separator: "\n"))
        let many = (1...200).map { line("ApplicationSubmitted", application("R\($0)", extra: #","leader":{"name":"R"}"#), on: "2021-05-06") }
        let late = line("ApplicationSubmitted", application("LATE"), on: "2021-06-30")
        #expect(throws: EventRefusal.self) { try site.importJSONLines((many + [late]).joined(separator: "\n")) }
        #expect(try db.sql("SELECT position FROM essaim.head") == [["\(baseWorld.count)"]])
        #expect(try db.sql("SELECT count(*) FROM essaim.events") == [["\(baseWorld.count)"]])
        #expect(try db.sql("SELECT count(*) FROM essaim.personal_keys") == [["0"]])
        #expect(try site.headPosition() == UInt64(baseWorld.count))
        let report = try site.importJSONLines(many.joined(separator: "\n"))
        #expect(report.appended == 200)
        #expect(try db.sql("SELECT count(*) FROM essaim.personal_keys") == [["200"]])
        #expect(try site.verifySharedLog().passed)
        #expect(try site.verify().passed)
    }

    @Test("a replica opened as a plain ledger refuses writes (they would part it from its log); it still answers queries and replays")
    func replicaWithoutItsLog() throws {
        let db = try SharedDatabase()
        #expect(try db.run("a", ["init"]).status == 0)
        #expect(try db.run("a", ["import", "-"], stdin: baseWorld.joined(separator: "\n")).status == 0)
        let plain = try CommandLineTests.run(["--ledger", db.replica("a"), "append", "--type", "TerritoryDefined",
                                              "--data", #"{"code":"ZZ","name":"Z","level":"country"}"#])
        #expect(plain.status == 3 && plain.stderr.contains("replica of a shared log"), "\(plain.stderr)")
        #expect(try CommandLineTests.run(["--ledger", db.replica("a"), "replay"]).status == 0)
        #expect(try CommandLineTests.run(["--ledger", db.replica("a"), "query", "roster", "--cohort", "C"]).status == 0)
        #expect(try db.run("a", ["verify"]).status == 0)
    }

    @Test("personal data: keys in the log, installed at every replica, destroyed everywhere by forget")
    func personalData() throws {
        let db = try SharedDatabase()
        for site in ["a", "b"] { #expect(try db.run(site, ["init"]).status == 0) }
        let leader = #","leader":{"name":"Claire Martin","email":"claire@example.fr"}"#
        let world = baseWorld + [line("ApplicationSubmitted", application("L1", extra: leader), on: "2021-05-05")]
        #expect(try db.run("a", ["import", "-"], stdin: world.joined(separator: "\n")).status == 0)
        #expect(try db.sql("SELECT application, position FROM essaim.personal_keys") == [["L1", "\(world.count)"]])
        #expect(try db.run("b", ["sync"]).status == 0)
        #expect(try CommandLineTests.run(["--ledger", db.replica("b"), "export"]).stdout.contains("Claire Martin"))
        #expect(try db.run("a", ["export"]).stdout.contains("claire@example.fr"))

        let forget = try db.run("b", ["forget", "--application", "L1"])
        #expect(forget.status == 0, "\(forget.stderr)")
        #expect(try db.sql("SELECT count(*) FROM essaim.personal_keys") == [["0"]])
        #expect(try db.run("a", ["sync"]).status == 0)
        for site in ["a", "b"] {
            let local = try CommandLineTests.run(["--ledger", db.replica(site), "export"]).stdout
            #expect(!local.contains("Claire") && local.contains("[erased]"), "\(site)")
            let keys = try Data(contentsOf: URL(fileURLWithPath: db.replica(site) + "/keys.db"))
            #expect(keys.allSatisfy { $0 == 0 }, "the key of \(site) is destroyed")
        }
        #expect(!(try db.run("a", ["export"]).stdout.contains("Claire")))
        #expect(try db.run("a", ["forget", "--application", "L1"]).stdout.contains("already"))

        // A large write sends its keys with COPY: a hundred leaders, read back at the other site.
        let many = (1...100).map { n in
            line("ApplicationSubmitted", application("M\(n)", extra: #","leader":{"name":"Dirigeant \#(n)","email":"d\#(n)@example.fr"}"#), on: "2021-05-06")
        }
        #expect(try db.run("a", ["import", "-"], stdin: many.joined(separator: "\n")).status == 0)
        #expect(try db.sql("SELECT count(*) FROM essaim.personal_keys") == [["100"]])
        #expect(try db.run("b", ["sync"]).status == 0)
        let names = try CommandLineTests.run(["--ledger", db.replica("b"), "export"]).stdout
        #expect((1...100).allSatisfy { names.contains("\"Dirigeant \($0)\"") })
    }

    @Test("a site that holds the log's lock too long stops no one for ever: the others give up after the lock timeout, exit 3")
    func lockTimeout() throws {
        let db = try SharedDatabase()
        #expect(try db.run("a", ["init"]).status == 0)
        let stuck = try PostgresConnection(url: db.url)
        try stuck.execute("BEGIN; UPDATE essaim.head SET position = position")
        let waited = try db.run("a", ["import", "-"], stdin: baseWorld.joined(separator: "\n"), environment: ["ESSAIM_LOCK_TIMEOUT": "0.5"])
        #expect(waited.status == 3 && waited.stderr.contains("locked by another writer")
                && waited.stderr.contains("nothing of this write was stored; retry"), "\(waited.stderr)")
        stuck.rollback()
        #expect(try db.run("a", ["import", "-"], stdin: baseWorld.joined(separator: "\n")).status == 0)
    }
}
