import ArgumentParser
import Essaim

#if canImport(Glibc)
import Glibc
#endif

/// The `essaim` command: git-style subcommands over one ledger directory.
@main
struct EssaimCommand: ParsableCommand {
    // Every command names itself (`commandName`): without a name, the parser
    // derives each from its type with `String(describing:)` on every run,
    // which searches the runtime's conformance records (about 30 M
    // instructions, a third of a `query roster`).
    static let configuration = CommandConfiguration(
        commandName: "essaim",
        abstract: "An event-sourced ledger for business-support networks.",
        discussion: """
            The ledger is a directory chosen by --ledger PATH, else $ESSAIM_LEDGER, else ./essaim.ledger. \
            When several sites share one log, --ledger is its PostgreSQL URL and each site keeps \
            a replica (--replica PATH, else $ESSAIM_REPLICA, else ./essaim.replica): import, \
            append and forget write through the log, export and verify read it, sync updates the \
            replica, and the other commands read the replica.

            Exit codes: 0 success; 1 refused input or failed check; 2 usage error; \
            3 the ledger cannot be opened (missing, locked, corrupt, wrong format version, \
            database unreachable).

            Example:
              essaim --ledger club.ledger init
              essaim --ledger club.ledger import Fixtures/territories-fr.jsonl Fixtures/seeds.jsonl
              essaim --ledger club.ledger stats
            """,
        version: Ledger.essaimVersion,
        subcommands: [Init.self, Import.self, Append.self, Export.self, Log.self, Query.self, Replay.self, Verify.self, Stats.self, Forget.self, Report.self, Sync.self, Backup.self, Compact.self, Generate.self, Demo.self]
    )

    @OptionGroup var ledger: LedgerOptions

    /// Runs the command line and maps every failure to the contract's exit codes.
    static func main() {
        // Past a file size limit, a write must fail with an error (reported, the
        // ledger left as it was), not kill the process.
        signal(SIGXFSZ, SIG_IGN)
        // glibc raises its mmap threshold to the largest block freed (up to 32 MiB)
        // and then keeps up to twice that of freed heap: the megabyte-sized
        // write-back batches and decoded chunks, freed on another thread than
        // the one that allocated them, stayed in the process. A fixed threshold
        // gives them back (1 M-event import: private memory 239 → 209 MiB,
        // replay 188 → 160).
        setMallocMmapThreshold(1 << 20)
        do {
            var command = try parseAsRoot()
            try command.run()
            Output.flush()
            reportPeakMemory()
        } catch {
            Output.flush()
            reportPeakMemory()
            Glibc.exit(Self.report(error))
        }
    }

    /// `mallopt(M_MMAP_THRESHOLD, bytes)`, which Swift's Glibc module does not
    /// declare: looked up by name, called with C's convention.
    static func setMallocMmapThreshold(_ bytes: Int32) {
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in <malloc.h>
        guard let symbol = dlsym(nil, "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, bytes)
    }

    /// With `ESSAIM_PEAK_MEMORY` set, writes the process's peak resident memory
    /// (`VmHWM`) on stderr at exit, for benchmarks. Unlike the rusage of a child,
    /// it does not include the memory of the process that started it.
    static func reportPeakMemory() {
        guard getenv("ESSAIM_PEAK_MEMORY") != nil, let status = fopen("/proc/self/status", "r") else { return }
        defer { fclose(status) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), status) != nil {
            let text = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if text.hasPrefix("VmHWM:") {
                Output.note("essaim: peak resident memory \(text.dropFirst(6).filter { $0.isNumber }) KiB\n")
            }
        }
    }

    static func report(_ error: Error) -> Int32 {
        switch error {
        case let refusal as EventRefusal:
            Output.error(refusal.description)
            return 1
        case let failure as LedgerError:
            Output.error(failure.message)
            return failure.isOpenFailure || failure.code == .readOnly ? 3 : 1
        case let failure as CommandFailure:
            Output.error(failure.message)
            return failure.exitCode
        default:
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Output.line(message) }
                Output.flush()
                return 0
            }
            if !message.isEmpty { Output.note(message + "\n") }
            // Usage errors exit 2 (argument-parser's default is 64).
            return code == .validationFailure ? 2 : code.rawValue
        }
    }
}

/// A failure of a command that is not a refusal or a ledger error.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 1
}
