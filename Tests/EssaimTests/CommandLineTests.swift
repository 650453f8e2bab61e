import Essaim
import Foundation
import Testing

/// The built `essaim` binary, end to end: exit codes, stdout/stderr split, options.
@Suite struct CommandLineTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `essaim` executable next to the test bundle.
    static let binary: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("essaim").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return repositoryRoot + "/.build/debug/essaim"
    }()

    @discardableResult
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    directory: String? = nil, executable: String = binary) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "ESSAIM_LEDGER")
        env.merge(environment) { $1 }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        // Drain both pipes concurrently with feeding stdin, so no side blocks.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh directory with an initialised ledger at `dir/l`.
    static func initialised() throws -> (directory: String, ledger: String) {
        let directory = try TemporaryDirectory.make()
        let ledger = directory + "/l"
        let result = try run(["--ledger", ledger, "init"])
        #expect(result.status == 0, "init failed: \(result.stderr)")
        return (directory, ledger)
    }

    @Test("init, import the fixtures, export: results on stdout, nothing on stderr")
    func importAndExport() throws {
        let (directory, ledger) = try Self.initialised()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let imported = try Self.run(["--ledger", ledger, "import"] + fixtureFiles)
        #expect(imported.status == 0)
        #expect(imported.stdout.hasPrefix("imported \(fixtureEventCount) events, 0 duplicates"))
        #expect(imported.stderr.isEmpty)
        let exported = try Self.run(["--ledger", ledger, "export"])
        #expect(exported.status == 0 && exported.stderr.isEmpty)
        #expect(exported.stdout.split(separator: "\n").count == fixtureEventCount)

        // export | essaim --ledger other import -
        let other = directory + "/other"
        try Self.run(["--ledger", other, "init"])
        let piped = try Self.run(["--ledger", other, "import", "-"], stdin: exported.stdout)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(try Self.run(["--ledger", other, "export"]).stdout.split(separator: "\n").map { try ImportExportTests.fields(String($0))["data"] }
                == exported.stdout.split(separator: "\n").map { try ImportExportTests.fields(String($0))["data"] })
        let range = try Self.run(["--ledger", ledger, "export", "--from", "10", "--to", "12"])
        #expect(range.stdout.split(separator: "\n").count == 3)
        #expect(range.stdout.hasPrefix("{\"position\":10,"))
    }

    @Test("a refused import exits 1, names the line, type, id and rule on stderr, and stores nothing")
    func refusedImport() throws {
        let (directory, ledger) = try Self.initialised()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = baseWorld.joined(separator: "\n") + "\n" + line("CandidateSelected", #"{"application":"A404"}"#, id: "00000000-0000-4000-8000-000000000404") + "\n"
        let result = try Self.run(["--ledger", ledger, "import", "-"], stdin: input)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("-:11: CandidateSelected 00000000-0000-4000-8000-000000000404: refused by rule 2 (unknown-reference)"))
        #expect(try Self.run(["--ledger", ledger, "export"]).stdout.isEmpty)
    }

    @Test("exit 3 when the ledger is missing or foreign; exit 2 on a usage error")
    func exitCodes() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = try Self.run(["--ledger", directory + "/nope", "stats"])
        #expect(missing.status == 3 && missing.stdout.isEmpty && missing.stderr.contains("no ledger"))
        try FileManager.default.createDirectory(atPath: directory + "/junk", withIntermediateDirectories: true)
        try Data(repeating: 7, count: 8192).write(to: URL(fileURLWithPath: directory + "/junk/data.mdb"))
        #expect(try Self.run(["--ledger", directory + "/junk", "export"]).status == 3)
        #expect(try Self.run(["--ledger", directory + "/junk", "init"]).status == 3)
        let usage = try Self.run(["frobnicate"])
        #expect(usage.status == 2 && usage.stdout.isEmpty && !usage.stderr.isEmpty)
        #expect(try Self.run(["export", "--from", "zero"]).status == 2)
        #expect(try Self.run(["append", "--type", "CandidateSelected"]).status == 2)
    }

    @Test("the ledger comes from --ledger, else ESSAIM_LEDGER, else ./essaim.ledger")
    func ledgerResolution() throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try Self.run(["init"], directory: directory).status == 0)
        #expect(FileManager.default.fileExists(atPath: directory + "/essaim.ledger/data.mdb"))
        #expect(try Self.run(["init"], environment: ["ESSAIM_LEDGER": directory + "/env.ledger"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: directory + "/env.ledger/data.mdb"))
        // --ledger wins over the environment, before or after the subcommand.
        #expect(try Self.run(["stats", "--ledger", directory + "/env.ledger"], environment: ["ESSAIM_LEDGER": directory + "/nope"]).status == 0)
        #expect(try Self.run(["--ledger", directory + "/env.ledger", "stats"], environment: ["ESSAIM_LEDGER": directory + "/nope"]).status == 0)
    }

    @Test("append checks the expected version and prints where the event went")
    func append() throws {
        let (directory, ledger) = try Self.initialised()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.run(["--ledger", ledger, "import", "-"], stdin: baseWorld.joined(separator: "\n"))
        let conflict = try Self.run(["--ledger", ledger, "append", "--type", "CandidateSelected",
                                     "--data", #"{"application":"A2"}"#, "--occurred-at", "2021-05-28", "--expected-version", "3"])
        #expect(conflict.status == 1)
        #expect(conflict.stderr.contains("expected at version 3, actual 0"))
        let waitlist = ["--ledger", ledger, "append", "--type", "CandidateWaitlisted", "--id", "0c7b3a5e-8f6d-4d2a-9b1e-3f5a7c9d1e2f",
                        "--data", #"{"application":"A2"}"#, "--occurred-at", "2021-05-28"]
        let ok = try Self.run(waitlist + ["--expected-version", "0"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout == "appended CandidateWaitlisted 0c7b3a5e-8f6d-4d2a-9b1e-3f5a7c9d1e2f at position 11, stream application-A2 version 1\n")
        // The same event again is a duplicate, reported where the first one went.
        let again = try Self.run(waitlist)
        #expect(again.status == 0)
        #expect(again.stdout.hasPrefix("duplicate of CandidateWaitlisted 0c7b3a5e-8f6d-4d2a-9b1e-3f5a7c9d1e2f at position 11, stream application-A2 version 1"))
        let badJSON = try Self.run(["--ledger", ledger, "append", "--type", "CandidateSelected", "--data", "{nope"])
        #expect(badJSON.status == 1 && badJSON.stderr.contains("rule 1"))
    }

    @Test("log filters by stream and type, keeps the last N; stats counts by type")
    func logAndStats() throws {
        let (directory, ledger) = try Self.initialised()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.run(["--ledger", ledger, "import", "-"], stdin: baseWorld.joined(separator: "\n"))
        let stream = try Self.run(["--ledger", ledger, "log", "--stream", "application-A1"])
        #expect(stream.stdout.split(separator: "\n").count == 2)
        #expect(stream.stdout.contains("CandidateSelected"))
        let last = try Self.run(["--ledger", ledger, "log", "--type", "TerritoryDefined", "--limit", "2"])
        #expect(last.stdout.split(separator: "\n").map { $0.split(separator: " ").first } == ["3", "4"])
        #expect(try Self.run(["--ledger", ledger, "log", "--type", "Nope"]).status == 2)
        let stats = try Self.run(["--ledger", ledger, "stats"])
        #expect(stats.stdout.contains("events     10"))
        #expect(stats.stdout.contains("TerritoryDefined              4"))
        let json = try Self.run(["--ledger", ledger, "stats", "--format", "json"])
        #expect(json.stdout.contains(#""events":10"#))
    }

    @Test("--version prints the version; completion scripts for bash, zsh and fish")
    func versionAndCompletions() throws {
        let version = try Self.run(["--version"])
        #expect(version.status == 0 && version.stdout == Ledger.essaimVersion + "\n")
        for shell in ["bash", "zsh", "fish"] {
            let script = try Self.run(["--generate-completion-script", shell])
            #expect(script.status == 0 && script.stdout.contains("essaim") && script.stdout.contains("query"), "\(shell)")
        }
    }

    @Test("every subcommand's --help has an example", arguments: ["init", "import", "append", "export", "log", "stats", "generate", "forget", "report", "sync", "backup", "compact", "replay", "verify", "demo", "query"])
    func help(_ subcommand: String) throws {
        let result = try Self.run([subcommand, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Example"))
        #expect(result.stdout.contains("essaim"))
    }
}
