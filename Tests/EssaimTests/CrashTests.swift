import Foundation
import Testing

/// `tools/crashtest` in small: a writer killed with SIGKILL at random moments
/// loses no acknowledged event, shows no partial batch, and leaves a ledger that
/// verifies. (`tools/crashtest --kills 50` is the full run.)
@Suite struct CrashTests {
    @Test("three SIGKILLs of a writing process: 0 lost, 0 partial, 0 corrupt")
    func killedWriter() throws {
        let crashtest = URL(fileURLWithPath: CommandLineTests.binary).deletingLastPathComponent().appendingPathComponent("essaim-crashtest").path
        try #require(FileManager.default.isExecutableFile(atPath: crashtest), "essaim-crashtest is built with the tests")
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CommandLineTests.run(["--kills", "3", "--seed", "5", "--dir", directory], executable: crashtest)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("3 kills, 0 lost, 0 partial, 0 corrupt"), "\(result.stdout)")
    }
}
