// `essaim-crashtest`: kills a writing process with SIGKILL at random moments and
// checks the ledger after each kill. `tools/crashtest` builds and runs it.
//
// The child appends the generated workload from where the ledger stands, in
// single durable events and batches of 2 to 500 (sizes drawn from a seed both
// processes know), and writes "first last" on stdout after each commit. The
// parent kills it after a random delay, then checks, on a read-only open:
// every acknowledged event is there with the workload's id (lost), the head
// is at a batch boundary (partial), and `verify` passes: positions, indexes,
// read models equal a fresh fold (corrupt).

import ArgumentParser
import Essaim
import EssaimToolSupport

#if canImport(Glibc)
import Glibc
#endif


/// The batch sizes the child uses when it starts at `head`: the parent derives the
/// same ones to know where batches end.
func batchSizes(from head: UInt64, seed: UInt64) -> some Sequence<Int> {
    var random = SplitMix64(seed: seed ^ (head &* 0x2545_F491_4F6C_DD1D))
    return AnySequence { AnyIterator { random.below(10) < 4 ? 1 : 2 + random.below(499) } }
}

/// The workload events from position `head + 1` on.
func workload(after head: UInt64, seed: UInt64) -> AnyIterator<NewEvent> {
    // Enough for any run: a child appends a few thousand events per life.
    var generator = WorkloadGenerator(events: 2_000_000, seed: seed)
    for _ in 0..<head { _ = generator.next() }
    return AnyIterator { generator.next() }
}

// MARK: Child

func child(ledgerPath: String, seed: UInt64) throws -> Never {
    let ledger = try Ledger.open(at: ledgerPath)
    let head = try ledger.headPosition()
    let events = workload(after: head, seed: seed)
    for size in batchSizes(from: head, seed: seed) {
        var batch: [NewEvent] = []
        while batch.count < size, let event = events.next() { batch.append(event) }
        if batch.isEmpty { exit(0) }
        let report = try ledger.append(batch)
        let line = Array("\(report.firstPosition ?? 0) \(report.lastPosition ?? 0)\n".utf8)
        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }
    exit(0)
}

// MARK: Parent

struct Outcome {
    var kills = 0, lost = 0, partial = 0, corrupt = 0
    var acknowledged = 0
    var problems: [String] = []
}

/// Starts the child with its stdout on a pipe; returns its pid and the pipe's read end.
func spawnChild(_ executable: String, ledger: String, seed: UInt64) -> (pid_t, Int32) {
    var pipeEnds: [Int32] = [0, 0]
    guard pipe(&pipeEnds) == 0 else { fail("pipe: \(String(cString: strerror(errno)))") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
    posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
    let arguments = [executable, "--child", ledger, "--seed", String(seed)]
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { fail("cannot start \(executable)") }
    close(pipeEnds[1])
    return (pid, pipeEnds[0])
}

/// Everything the child wrote, up to its death.
func readAll(_ fd: Int32) -> String {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    close(fd)
    return String(decoding: bytes, as: UTF8.self)
}

func check(_ path: String, seed: UInt64, startHead: UInt64, acknowledged: [(UInt64, UInt64)], outcome: inout Outcome) throws -> UInt64 {
    let ledger: Ledger
    do {
        ledger = try Ledger.open(at: path, configuration: LedgerConfiguration(readOnly: true))
    } catch {
        outcome.corrupt += 1
        outcome.problems.append("kill \(outcome.kills): the ledger does not open read-only: \(error)")
        // A writable open may still recover it for the next round.
        return try Ledger.open(at: path).headPosition()
    }
    let head = try ledger.headPosition()
    // Lost: an acknowledged event that is missing or is not the workload's.
    let expected = workload(after: startHead, seed: seed)
    var position = startHead
    let lastAcknowledged = acknowledged.map(\.1).max() ?? startHead
    while position < max(head, lastAcknowledged) {
        position += 1
        let want = expected.next()
        guard let stored = try ledger.event(at: position) else {
            outcome.lost += 1
            outcome.problems.append("kill \(outcome.kills): acknowledged position \(position) is missing (head \(head))")
            break
        }
        if stored.id != want?.id {
            outcome.corrupt += 1
            outcome.problems.append("kill \(outcome.kills): position \(position) holds \(stored.id), the workload says \(want?.id.map(\.description) ?? "none")")
            break
        }
    }
    // Partial: the head must be where a batch of the child's ended.
    var boundary = startHead
    var sizes = batchSizes(from: startHead, seed: seed).makeIterator()
    while boundary < head, let size = sizes.next() { boundary += UInt64(size) }
    if boundary != head {
        outcome.partial += 1
        outcome.problems.append("kill \(outcome.kills): head \(head) is inside a batch ending at \(boundary)")
    }
    // Corrupt: every check of verify, read models against a fresh fold included.
    let report = try ledger.verify()
    if !report.passed {
        outcome.corrupt += 1
        outcome.problems.append("kill \(outcome.kills): verify: \(report.problems.prefix(3).joined(separator: "; "))")
    }
    return head
}

/// The crash test's options, parsed like the `essaim` command's.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "essaim-crashtest",
        abstract: "Kills a writing process at random moments and checks the ledger after each kill.",
        discussion: """
            Appends to a ledger from a child process (single durable events and batches of \
            2-500), kills it with SIGKILL at random moments N times, and after each kill checks \
            that every acknowledged event is there, that no batch is partly visible, and that \
            verify passes. Prints "N kills, L lost, P partial, C corrupt"; exits 1 when any is not 0.

            Example:
              tools/crashtest --kills 50
            """)

    @Option(help: "How many times to kill the writer.")
    var kills = 50

    @Option(help: "Seed of the writer's events and of the kill times.")
    var seed: UInt64 = 11

    @Option(help: ArgumentHelp("Work in this directory (default: a temporary one).", valueName: "dir"))
    var dir: String?

    @Flag(help: "Keep the ledger afterwards.")
    var keep = false

    @Option(help: .hidden)
    var child: String?

    func validate() throws {
        if kills < 1 { throw ValidationError("--kills must be at least 1") }
    }
}

@main
struct CrashTest {
    static func main() throws {
        toolName = "essaim-crashtest"
        let options = Options.parseOrExit()
        let kills = options.kills, seed = options.seed, keep = options.keep, directory = options.dir
        if let childLedger = options.child { try child(ledgerPath: childLedger, seed: seed) }

        let work = directory ?? "/tmp/essaim-crashtest-\(getpid())"
        mkdir(work, 0o700)
        let path = work + "/crash.ledger"
        unlink(path + "/data.mdb")
        unlink(path + "/lock.mdb")
        rmdir(path)
        _ = try Ledger.create(at: path)
        let executable = CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0] : "/proc/self/exe"
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard realpath(executable, &resolved) != nil else { fail("cannot find my own executable") }
        let me = resolved.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }

        var random = SplitMix64(seed: seed)
        var outcome = Outcome()
        var head: UInt64 = 0
        let started = now()
        for _ in 0..<kills {
            let (pid, output) = spawnChild(me, ledger: path, seed: seed)
            // Let it open and write for 20 to 400 ms, then kill it mid-stride.
            usleep(UInt32(20_000 + random.below(380_000)))
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let acknowledged = readAll(output).split(separator: "\n").compactMap { line -> (UInt64, UInt64)? in
                let parts = line.split(separator: " ")
                guard parts.count == 2, let first = UInt64(parts[0]), let last = UInt64(parts[1]) else { return nil }
                return (first, last)
            }
            outcome.kills += 1
            outcome.acknowledged += acknowledged.reduce(0) { $0 + Int($1.1 - $1.0 + 1) }
            head = try check(path, seed: seed, startHead: head, acknowledged: acknowledged, outcome: &outcome)
        }
        for problem in outcome.problems.prefix(20) { say(problem + "\n") }
        print("\(outcome.kills) kills, \(outcome.lost) lost, \(outcome.partial) partial, \(outcome.corrupt) corrupt "
              + "(\(outcome.acknowledged) events acknowledged, \(head) stored, \(Int(now() - started)) s)")
        if !keep {
            unlink(path + "/data.mdb")
            unlink(path + "/lock.mdb")
            rmdir(path)
            if directory == nil { rmdir(work) }
        }
        exit(outcome.lost + outcome.partial + outcome.corrupt == 0 ? 0 : 1)
    }
}
