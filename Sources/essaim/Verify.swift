import ArgumentParser
import Essaim

extension EssaimCommand {
    /// `essaim verify`: checks the whole ledger.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check the whole ledger; exit 0 only when every check holds.",
            discussion: """
                Checks that every event decodes and carries the SHA-256 of its content and of \
                its predecessor's hash (the integrity chain: the first altered position is \
                named), positions are gapless from 1, ids and stream versions agree with their \
                indexes, and every read model equals a fresh fold of the log. Problems are \
                listed on stderr; exit 1 when there is any.

                --digest prints POSITION:HASH, the chain's hash at the head: publish it, and \
                later `--expect POSITION:HASH` checks that the first POSITION events are \
                still exactly those.

                Examples:
                  essaim verify
                  essaim verify --digest
                  essaim verify --expect 378:5f0c…
                """)

        @OptionGroup var ledger: LedgerOptions

        @Flag(help: "Print the integrity digest (head position and chain hash) on stdout.")
        var digest = false

        @Option(help: ArgumentHelp("A digest printed earlier; fail unless the log still matches it.", valueName: "position:hash"))
        var expect: String?

        func validate() throws {
            if let expect, LedgerDigest(expect) == nil {
                throw ValidationError("--expect takes POSITION:HASH with 64 hexadecimal digits")
            }
        }

        func run() throws {
            let expected = expect.flatMap(LedgerDigest.init)
            var report: VerificationReport
            if ledger.sharedLogURL != nil {
                // The shared log (its digest is the ledger's), then the replica up to its position.
                let replica = try ledger.openLog()
                report = try replica.verifySharedLog(digestAt: expected?.position)
                let local = try replica.verify()
                report.problems += local.problems.map { "replica: " + $0 }
                report.erasedApplications = local.erasedApplications
            } else {
                report = try ledger.open(readOnly: true).verify(digestAt: expected?.position)
            }
            for problem in report.problems { Output.error(problem) }
            guard report.passed else {
                throw CommandFailure(message: "verification failed: \(report.problems.count) problem(s)")
            }
            if let expected {
                guard expected.position <= report.digest.position else {
                    throw CommandFailure(message: "the ledger ends at position \(report.digest.position), before the digest's \(expected.position)")
                }
                let actual = expected.position == 0 ? LedgerDigest(position: 0, hash: [UInt8](repeating: 0, count: 32)) : report.digestAt
                guard actual == expected else {
                    throw CommandFailure(message: "the first \(expected.position) events differ from the digest: the log was changed since it was taken")
                }
            }
            if digest {
                Output.line(report.digest.description)
            } else {
                let erased = report.erasedApplications == 0 ? "" : ", \(report.erasedApplications) application(s) with personal data erased"
                Output.line("ok: \(report.events) events, \(report.streams) streams, integrity chain intact, positions gapless, read models equal a fresh fold\(erased)")
            }
        }
    }
}
