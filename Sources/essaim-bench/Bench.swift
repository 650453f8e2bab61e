// `essaim-bench`: the figures of the README's Performance section, from one run.
//
// Generates a workload, measures raw LMDB on the same events and bytes (the
// physical reference), then Essaim: import and replay (child `essaim` processes,
// wall time and peak RSS), durable single-event appends and queries (library),
// CLI query wall time, and bytes on disk per event. `tools/bench` builds it in
// release mode and runs it.

import ArgumentParser
import Essaim
import EssaimCLMDB
import EssaimToolSupport

#if canImport(Glibc)
import Glibc
#endif

/// The benchmark's options, parsed like the `essaim` command's.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "essaim-bench",
        abstract: "The figures of the README's Performance section, from one run.",
        discussion: """
            Generates N events, then measures raw LMDB put/scan on the same records, essaim \
            import and replay (wall time, peak RSS), durable single-event append latency, \
            library and CLI query latency, and bytes on disk per event.

            Example:
              tools/bench --events 1_000_000 --json bench.json
            """)

    @Option(help: "Events to generate (underscores or commas allowed: 1_000_000).",
            transform: { text in
                guard let n = Int(text.filter { $0 != "_" && $0 != "," }) else { throw ValidationError("--events needs a whole number") }
                return n
            })
    var events = 1_000_000

    @Option(help: "Seed of the generated workload.")
    var seed: UInt64 = 7

    @Option(help: ArgumentHelp("Also write the figures as JSON to this file.", valueName: "file"))
    var json: String?

    @Option(help: ArgumentHelp("Work in this directory and keep it (default: a temporary one, removed).", valueName: "dir"))
    var workdir: String?

    @Option(help: ArgumentHelp("The essaim executable to measure (tools/bench passes the release build).", valueName: "path"))
    var essaim: String

    @Option(help: "Samples per latency figure.")
    var samples = 200

    @Option(help: ArgumentHelp(
        "Also measure the shared log on this PostgreSQL server (a URL; the benchmark creates and drops its own databases there).",
        discussion: "tools/bench --postgres starts a private, durable cluster for it.", valueName: "url"))
    var postgres: String?

    @Option(help: ArgumentHelp("With --postgres: seconds each append figure is measured for.", valueName: "seconds"))
    var postgresSeconds = 5.0

    @Option(help: .hidden)
    var workerReplica: String?

    @Option(help: .hidden)
    var workerSeconds: Double = 5

    @Option(help: .hidden)
    var workerBatch = 1

    func validate() throws {
        if events < 1_000 { throw ValidationError("--events must be at least 1000") }
        if samples < 1 { throw ValidationError("--samples must be at least 1") }
        if !(postgresSeconds > 0) { throw ValidationError("--postgres-seconds must be positive") }
    }
}

// MARK: Clock, processes

struct ChildRun {
    var seconds: Double
    /// The child's own peak (`VmHWM`, reported by essaim with ESSAIM_PEAK_MEMORY):
    /// the rusage of a spawned child would also count this process's memory.
    var peakRSSBytes: Int
    /// The child's largest private (anonymous) resident memory, sampled every 10 ms:
    /// what a write transaction's pages would cost the machine if they were not the
    /// data file's page cache, which the kernel can write back and reclaim.
    var peakPrivateBytes: Int
    var output: String
}

/// The `RssAnon` of process `pid` in bytes, or 0 when it cannot be read.
func privateResidentBytes(_ pid: pid_t) -> Int {
    guard let status = fopen("/proc/\(pid)/status", "r") else { return 0 }
    defer { fclose(status) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), status) != nil {
        let text = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if text.hasPrefix("RssAnon:") { return (Int(text.filter(\.isNumber)) ?? 0) * 1024 }
    }
    return 0
}

/// Samples a child's `RssAnon` every 10 ms on a thread of its own, so that the
/// parent's wait (and with it the child's wall time) is not cut into steps.
final class PrivateMemorySampler: @unchecked Sendable {
    private let pid: pid_t
    private var thread = pthread_t()
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var stopped = false
    private var peak = 0

    init(_ pid: pid_t) {
        self.pid = pid
        pthread_mutex_init(lock, nil)
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { context in
            let sampler = Unmanaged<PrivateMemorySampler>.fromOpaque(context!).takeRetainedValue()
            sampler.sample()
            return nil
        }, context)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    private func sample() {
        while true {
            let bytes = privateResidentBytes(pid)
            pthread_mutex_lock(lock)
            peak = max(peak, bytes)
            let done = stopped
            pthread_mutex_unlock(lock)
            if done { return }
            usleep(10_000)
        }
    }

    /// Stops sampling and returns the largest value seen.
    func stop() -> Int {
        pthread_mutex_lock(lock)
        stopped = true
        pthread_mutex_unlock(lock)
        pthread_join(thread, nil)
        return peak
    }
}

/// This process's executable, for starting workers of its own.
func executablePath() -> String {
    var path = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &path, path.count - 1)
    guard length > 0 else { fail("cannot find this program's own path (/proc/self/exe)") }
    return String(decoding: path.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Starts `executable` with `arguments`, its stdout and stderr to files.
func spawn(_ executable: String, _ arguments: [String], stdout outputPath: String, stderr errorPath: String) -> pid_t {
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    setenv("ESSAIM_PEAK_MEMORY", "1", 1)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var pid: pid_t = 0
    guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { fail("cannot run \(executable)") }
    return pid
}

/// Runs `essaim` with `arguments`, waits, and returns its wall time and peak RSS.
func run(_ executable: String, _ arguments: [String], stdoutTo path: String? = nil) -> ChildRun {
    let outputPath = path ?? "/tmp/essaim-bench-\(getpid()).out"
    let errorPath = outputPath + ".err"
    let start = now()
    let pid = spawn(executable, arguments, stdout: outputPath, stderr: errorPath)
    let sampler = PrivateMemorySampler(pid)
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let seconds = now() - start
    let peakPrivate = sampler.stop()
    let output = path == nil ? (try? String(contentsOfFile: outputPath)) ?? "" : ""
    let messages = ((try? String(contentsOfFile: errorPath)) ?? nil) ?? ""
    if path == nil { unlink(outputPath) }
    unlink(errorPath)
    if status != 0 { fail("\(executable) \(arguments.joined(separator: " ")) failed (status \(status)): \(messages)") }
    let peak = messages.split(separator: "\n").first { $0.hasPrefix("essaim: peak resident memory ") }
        .flatMap { Int($0.split(separator: " ")[4]) } ?? 0
    return ChildRun(seconds: seconds, peakRSSBytes: peak * 1024, peakPrivateBytes: peakPrivate, output: output)
}

extension String {
    init?(contentsOfFile path: String) throws {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        self = String(decoding: bytes, as: UTF8.self)
    }
}

/// Removes a ledger (or raw LMDB) directory and its files.
func removeLedger(_ directory: String) {
    for file in ["data.mdb", "lock.mdb", "keys.db"] { unlink(directory + "/" + file) }
    rmdir(directory)
}

func fileSize(_ path: String) -> Int {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : 0
}

func percentile(_ samples: [Double], _ p: Double) -> Double {
    let sorted = samples.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

// MARK: Raw LMDB reference

/// Batched put (one write transaction, keys in order, MDB_APPEND, one durable
/// commit) and a cursor scan over the same records: what LMDB itself can do here.
func rawLMDB(records: [UInt8], offsets: [Int], in directory: String) -> (put: Double, scan: Double, scannedBytes: Int) {
    mkdir(directory, 0o700)
    var env: OpaquePointer?
    func check(_ rc: Int32, _ what: String) {
        if rc != 0 { fail("raw LMDB \(what): \(String(cString: mdb_strerror(rc)))") }
    }
    check(mdb_env_create(&env), "create")
    check(mdb_env_set_mapsize(env, 64 << 30), "mapsize")
    check(mdb_env_open(env, directory, 0, 0o600), "open")
    defer { mdb_env_close(env) }
    var dbi: MDB_dbi = 0
    let count = offsets.count - 1
    let putStart = now()
    var txn: OpaquePointer?
    check(mdb_txn_begin(env, nil, 0, &txn), "begin")
    check(mdb_dbi_open(txn, nil, 0, &dbi), "dbi")
    records.withUnsafeBytes { base in
        var keyBytes = [UInt8](repeating: 0, count: 8)
        for i in 0..<count {
            let position = UInt64(i + 1)
            for b in 0..<8 { keyBytes[b] = UInt8(truncatingIfNeeded: position >> UInt64(56 - b * 8)) }
            keyBytes.withUnsafeMutableBytes { k in
                var key = MDB_val(mv_size: 8, mv_data: k.baseAddress)
                var value = MDB_val(mv_size: offsets[i + 1] - offsets[i], mv_data: UnsafeMutableRawPointer(mutating: base.baseAddress! + offsets[i]))
                check(mdb_put(txn, dbi, &key, &value, UInt32(MDB_APPEND)), "put")
            }
        }
    }
    check(mdb_txn_commit(txn), "commit")
    let put = now() - putStart

    let scanStart = now()
    check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "begin read")
    var cursor: OpaquePointer?
    check(mdb_cursor_open(txn, dbi, &cursor), "cursor")
    var key = MDB_val(), value = MDB_val()
    var scanned = 0
    var rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
    while rc == 0 {
        scanned += value.mv_size + Int(value.mv_data.load(as: UInt8.self))
        rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
    }
    mdb_cursor_close(cursor)
    mdb_txn_abort(txn)
    let scan = now() - scanStart
    return (put, scan, scanned)
}

/// The stored event records of a ledger, copied into one buffer (for the raw reference).
func storedRecords(ledgerDirectory: String) -> (bytes: [UInt8], offsets: [Int]) {
    var env: OpaquePointer?
    mdb_env_create(&env)
    mdb_env_set_maxdbs(env, 16)
    guard mdb_env_open(env, ledgerDirectory, UInt32(MDB_RDONLY), 0o600) == 0 else { fail("cannot open \(ledgerDirectory)") }
    defer { mdb_env_close(env) }
    var txn: OpaquePointer?
    mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn)
    defer { mdb_txn_abort(txn) }
    var dbi: MDB_dbi = 0
    guard mdb_dbi_open(txn, "events", 0, &dbi) == 0 else { fail("no events table in \(ledgerDirectory)") }
    var cursor: OpaquePointer?
    mdb_cursor_open(txn, dbi, &cursor)
    defer { mdb_cursor_close(cursor) }
    var bytes: [UInt8] = []
    var offsets = [0]
    var key = MDB_val(), value = MDB_val()
    var rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
    while rc == 0 {
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
        offsets.append(bytes.count)
        rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
    }
    return (bytes, offsets)
}

// MARK: Main

@main
struct Bench {
    static func main() throws {
        toolName = "essaim-bench"
        let options = Options.parseOrExit()
        if let replica = options.workerReplica, let url = options.postgres {
            try appendWorker(url: url, replica: replica, seconds: options.workerSeconds, batch: options.workerBatch)
            return
        }
        let work = options.workdir ?? "/tmp/essaim-bench-\(getpid())"
        mkdir(work, 0o700)
        let workload = work + "/workload.jsonl"
        let ledger = work + "/bench.ledger"
        let raw = work + "/raw.lmdb"
        removeLedger(ledger)
        removeLedger(raw)
        var results: [(key: String, label: String, value: Double, unit: String)] = []
        func record(_ key: String, _ label: String, _ value: Double, _ unit: String) {
            results.append((key, label, value, unit))
            say("  \(label): \(format(value)) \(unit)\n")
        }
        let n = Double(options.events)
        say("essaim-bench: \(options.events) events, seed \(options.seed), in \(work)\n")

        // Workload.
        let start = now()
        let generated = run(options.essaim, ["generate", "--events", String(options.events), "--seed", String(options.seed)], stdoutTo: workload)
        _ = generated
        record("generate_events_per_s", "generate (JSON Lines written)", n / (now() - start), "events/s")
        record("workload_bytes_per_event", "workload JSON per event", Double(fileSize(workload)) / n, "bytes")

        // Essaim import: a child process, all-or-nothing, durable commit.
        _ = run(options.essaim, ["--ledger", ledger, "init"])
        let imported = run(options.essaim, ["--ledger", ledger, "import", workload])
        record("import_events_per_s", "import (validate, append, project)", n / imported.seconds, "events/s")
        record("import_peak_rss_mib", "import peak RSS", Double(imported.peakRSSBytes) / 1_048_576, "MiB")
        record("import_peak_private_mib", "import peak private memory (RssAnon)", Double(imported.peakPrivateBytes) / 1_048_576, "MiB")
        record("disk_bytes_per_event", "on disk per event (data.mdb + keys.db)",
               Double(fileSize(ledger + "/data.mdb") + fileSize(ledger + "/keys.db")) / n, "bytes")

        // Raw LMDB over the same stored records.
        let (bytes, offsets) = storedRecords(ledgerDirectory: ledger)
        let rawRun = rawLMDB(records: bytes, offsets: offsets, in: raw)
        record("stored_record_bytes_per_event", "stored event record (average)", Double(bytes.count) / n, "bytes")
        record("raw_put_events_per_s", "raw LMDB batched put (reference)", n / rawRun.put, "events/s")
        record("raw_scan_events_per_s", "raw LMDB cursor scan (reference)", n / rawRun.scan, "events/s")

        // Replay: a child process rebuilding every projection from position 1.
        let replayed = run(options.essaim, ["--ledger", ledger, "replay"])
        let replayRate = n / replayed.seconds
        record("replay_events_per_s", "replay (all projections, from 1)", replayRate, "events/s")
        record("replay_share_of_raw_scan", "replay / raw cursor scan", 100 * replayRate / (n / rawRun.scan), "%")
        record("replay_peak_rss_mib", "replay peak RSS", Double(replayed.peakRSSBytes) / 1_048_576, "MiB")
        record("replay_peak_private_mib", "replay peak private memory (RssAnon)", Double(replayed.peakPrivateBytes) / 1_048_576, "MiB")
        // The whole directory after the replay (the old read models' pages stay
        // free in the file), then compacted, and a hot backup's size and time.
        func directoryBytes(_ path: String) -> Int { ["data.mdb", "lock.mdb", "keys.db"].reduce(0) { $0 + fileSize(path + "/" + $1) } }
        record("disk_after_replay_bytes_per_event", "directory per event after replay", Double(directoryBytes(ledger)) / n, "bytes")
        let backup = work + "/backup.ledger"
        removeLedger(backup)
        let copied = run(options.essaim, ["--ledger", ledger, "backup", backup])
        record("backup_seconds", "backup (hot, compacted, verified)", copied.seconds, "s")
        removeLedger(backup)
        _ = run(options.essaim, ["--ledger", ledger, "backup", "--full-pages", backup])
        record("disk_full_pages_bytes_per_event", "directory per event, backup --full-pages", Double(directoryBytes(backup)) / n, "bytes")
        removeLedger(backup)
        _ = run(options.essaim, ["--ledger", ledger, "compact"])
        record("disk_after_compact_bytes_per_event", "directory per event after compact", Double(directoryBytes(ledger)) / n, "bytes")

        // Library queries on the persisted read models.
        let opened = try Ledger.open(at: ledger, configuration: LedgerConfiguration(readOnly: true))
        var cohorts: [String] = [], programs: [String] = [], networks: [String] = []
        try opened.forEachEvent { event in
            switch event.event {
            case let .cohortOpened(e): cohorts.append(e.cohort)
            case let .programLaunched(e): programs.append(e.program)
            case let .networkRegistered(e): networks.append(e.network)
            default: break
            }
            return true
        }
        let regions = ["FR-ARA", "FR-OCC", "FR-IDF", "FR-GES", "FR-NAQ", "FR-BRE"]
        var random = SystemRandomNumberGenerator()
        func latency(_ key: String, _ label: String, samples count: Int? = nil, _ body: () throws -> Void) rethrows {
            var samples: [Double] = []
            for _ in 0..<(count ?? options.samples) {
                let t = now()
                try body()
                samples.append((now() - t) * 1_000)
            }
            record(key + "_p50_ms", label + " p50", percentile(samples, 0.5), "ms")
            record(key + "_p99_ms", label + " p99", percentile(samples, 0.99), "ms")
        }
        try latency("query_roster", "library query roster (cohort)") { _ = try opened.roster(cohort: cohorts.randomElement(using: &random)!) }
        try latency("query_growth", "library query growth (program)") { _ = try opened.growth(.program(programs.randomElement(using: &random)!)) }
        try latency("query_territory", "library query territory (région)") { _ = try opened.territoryExpansion(code: regions.randomElement(using: &random)!) }
        try latency("query_expansion", "library query expansion (network)") { _ = try opened.expansionTimeline(.network(networks.randomElement(using: &random)!)) }
        try latency("query_survival", "library query survival (program)") { _ = try opened.survival(.program(programs.randomElement(using: &random)!)) }
        try latency("query_members", "library query members (network)") { _ = try opened.members(network: networks.randomElement(using: &random)!) }
        try latency("query_mentoring", "library query mentoring (network)") { _ = try opened.mentoring(network: networks.randomElement(using: &random)!) }
        try latency("query_positions", "library query positions (all)") { _ = try opened.sharedPositions() }
        // The reach reads every company: fewer samples.
        try latency("query_reach", "library query reach (région)", samples: 10) { _ = try opened.reach(territory: regions.randomElement(using: &random)!) }

        // CLI query wall time (process start, open read-only, query, JSON out).
        var cli: [Double] = []
        for _ in 0..<20 {
            cli.append(run(options.essaim, ["--ledger", ledger, "query", "roster", "--cohort", cohorts.randomElement(using: &random)!, "--format", "json"]).seconds * 1_000)
        }
        record("cli_query_p50_ms", "CLI query roster wall p50", percentile(cli, 0.5), "ms")

        // Durable single-event appends: one transaction and one fsync each.
        let writer = try Ledger.open(at: ledger)
        var appends: [Double] = []
        for i in 0..<options.samples {
            let event = NewEvent(occurredAt: OccurredAt(CivilDate(year: 2026, month: 1, day: 5)!),
                                 event: .territoryDefined(TerritoryDefined(code: "bench-\(getpid())-\(i)", name: "Bench \(i)", level: .commune, parent: "FR-34")))
            let t = now()
            try writer.append(event)
            appends.append((now() - t) * 1_000)
        }
        record("append_p50_ms", "durable single-event append p50", percentile(appends, 0.5), "ms")
        record("append_p99_ms", "durable single-event append p99", percentile(appends, 0.99), "ms")

        // Map growth, last (it writes a second ledger): the workload, up to 1 M events,
        // appended in batches of 10,000 to a ledger whose map starts at 64 KiB (it
        // doubles on each MAP_FULL and the batch is retried).
        let grown = work + "/grown.ledger"
        do {
            let tiny = try Ledger.create(at: grown, configuration: LedgerConfiguration(initialMapSize: 64 << 10))
            var batch: [NewEvent] = []
            let t = now()
            let count = min(options.events, 1_000_000)
            for event in WorkloadGenerator(events: count, seed: options.seed) {
                batch.append(event)
                if batch.count == 10_000 {
                    try tiny.append(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try tiny.append(batch) }
            let seconds = now() - t
            let stats = try tiny.statistics()
            guard stats.events == count, try tiny.verify().passed else { fail("the map-growth ledger does not verify") }
            record("map_growth_events_per_s", "appends from a 64 KiB map (≤ 1 M, batches of 10k)", Double(count) / seconds, "events/s")
            record("map_growth_final_map_mib", "map size reached", Double(stats.mapSize) / 1_048_576, "MiB")
        }
        removeLedger(grown)

        if let server = options.postgres {
            try sharedLog(server: server, options: options, workload: workload, work: work, events: n, record: record)
        }

        // The table.
        print("Essaim benchmark: \(options.events) events (seed \(options.seed)), \(machine())")
        print(String(repeating: "-", count: 72))
        for r in results { print(pad(r.label, 44) + pad(format(r.value), 16, right: true) + "  " + r.unit) }
        if let json = options.json {
            var members: [(String, JSONValue?)] = [("events", .integer(Int64(options.events))), ("seed", .integer(Int64(options.seed))),
                                                   ("machine", .string(machine()))]
            for r in results { members.append((r.key, .number((r.value * 1000).rounded() / 1000))) }
            let text = JSONValue.members(members).serialized + "\n"
            guard let file = fopen(json, "w") else { fail("cannot write \(json)") }
            fputs(text, file)
            fclose(file)
        }
        if options.workdir == nil {
            unlink(workload)
            removeLedger(ledger)
            removeLedger(raw)
            rmdir(work)
        }
    }

    static func format(_ value: Double) -> String {
        if value >= 1_000 {
            let whole = Int(value.rounded())
            var digits = Array(String(whole))
            var i = digits.count - 3
            while i > 0 { digits.insert(",", at: i); i -= 3 }
            return String(digits)
        }
        if value >= 100 { return String(Int(value.rounded())) }
        let scaled = (value * 1000).rounded() / 1000
        return String(scaled)
    }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s : s + fill
    }

    static func machine() -> String {
        var info = utsname()
        uname(&info)
        let release = withUnsafeBytes(of: &info.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let cpus = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        let memory = Double(sysconf(Int32(_SC_PHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE))) / 1_073_741_824
        let model = ((try? String(contentsOfFile: "/proc/cpuinfo")) ?? nil)?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last.map { $0.trimmingCharacters() } ?? "unknown CPU"
        return "\(cpus) cores (\(model)), \(Int(memory.rounded())) GiB, Linux \(release)"
    }
}

extension Substring {
    func trimmingCharacters() -> String { String(drop { $0 == " " || $0 == "\t" }) }
}

// MARK: The shared log in PostgreSQL

extension Bench {
    /// A worker process of the append benchmark: appends batches of `batch`
    /// events through the site replica `replica` for `seconds`, then prints how many.
    static func appendWorker(url: String, replica: String, seconds: Double, batch: Int) throws {
        let site = try Ledger.openReplica(at: replica, sharedLog: url)
        let deadline = now() + seconds
        var count = 0
        while now() < deadline {
            let events = (0..<batch).map { i in
                NewEvent(occurredAt: OccurredAt(CivilDate(year: 2026, month: 1, day: 5)!),
                         event: .territoryDefined(TerritoryDefined(code: "w\(getpid())-\(count + i)", name: "Worker", level: .country)))
            }
            try site.append(events)
            count += batch
        }
        print(count)
    }

    /// Import into the shared log, appends per second from 1, 2 and 4 writer
    /// processes (single events and batches of 100), and the lag from an append
    /// at one site to its visibility at another that follows the log.
    static func sharedLog(server: String, options: Options, workload: String, work: String, events n: Double,
                          record: (String, String, Double, String) -> Void) throws {
        let psql = "/usr/bin/psql"
        let base = server.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        func database(_ name: String) -> String {
            _ = run(psql, [server, "-qc", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
            _ = run(psql, [server, "-qc", "CREATE DATABASE \(name)"])
            return base + "/" + name
        }
        func replica(_ name: String) -> String {
            let path = work + "/" + name + ".replica"
            removeLedger(path)
            return path
        }
        let tag = "essaim_bench_\(getpid())"
        say("essaim-bench: the shared log on \(Ledger.displayName(ofSharedLog: server))\n")

        // The whole workload imported through one site, all-or-nothing.
        let imported = database(tag + "_import")
        let importer = replica("import")
        _ = run(options.essaim, ["--ledger", imported, "--replica", importer, "init"])
        let importRun = run(options.essaim, ["--ledger", imported, "--replica", importer, "import", workload])
        record("pg_import_events_per_s", "shared log: import (log + replica)", n / importRun.seconds, "events/s")
        record("pg_import_peak_rss_mib", "shared log: import peak RSS", Double(importRun.peakRSSBytes) / 1_048_576, "MiB")
        let size = run(psql, [imported, "-Atc", "SELECT pg_total_relation_size('essaim.events')"]).output
        record("pg_events_bytes_per_event", "shared log: essaim.events with indexes per event",
               Double(Int(size.filter(\.isNumber)) ?? 0) / n, "bytes")
        removeLedger(importer)
        _ = run(psql, [server, "-qc", "DROP DATABASE \(tag)_import WITH (FORCE)"])

        // Writers at 1, 2 and 4 sites, each its own process and replica.
        let appends = database(tag + "_append")
        let seconds = options.postgresSeconds
        var sites: [String] = []
        for writer in 0..<4 {
            sites.append(replica("site\(writer)"))
            _ = run(options.essaim, ["--ledger", appends, "--replica", sites[writer], "init"])
        }
        let me = executablePath()
        for batch in [1, 100] {
            for writers in [1, 2, 4] {
                let pids = (0..<writers).map { w in
                    spawn(me, ["--essaim", options.essaim, "--postgres", appends, "--worker-replica", sites[w],
                               "--worker-seconds", String(seconds), "--worker-batch", String(batch)],
                          stdout: work + "/worker\(w).out", stderr: work + "/worker\(w).err")
                }
                var total = 0
                for (w, pid) in pids.enumerated() {
                    var status: Int32 = 0
                    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                    let output = ((try? String(contentsOfFile: work + "/worker\(w).out")) ?? nil) ?? ""
                    guard status == 0, let count = Int(output.filter(\.isNumber)) else {
                        fail("append worker failed: \(((try? String(contentsOfFile: work + "/worker\(w).err")) ?? nil) ?? "")")
                    }
                    unlink(work + "/worker\(w).out")
                    unlink(work + "/worker\(w).err")
                    total += count
                }
                let label = batch == 1 ? "single durable events" : "batches of \(batch)"
                record("pg_appends_\(writers)w_batch\(batch)_per_s", "shared log: \(writers) writer(s), \(label)", Double(total) / seconds, "events/s")
            }
        }

        // Lag: an append at one site, seen at another that follows the log.
        let follower = replica("follower")
        _ = run(options.essaim, ["--ledger", appends, "--replica", follower, "init"])
        _ = run(options.essaim, ["--ledger", appends, "--replica", follower, "sync"])
        let following = spawn(options.essaim, ["--ledger", appends, "--replica", follower, "sync", "--follow"],
                              stdout: "/dev/null", stderr: "/dev/null")
        let writer = try Ledger.openReplica(at: sites[0], sharedLog: appends)
        let reader = try Ledger.open(at: follower, configuration: LedgerConfiguration(readOnly: true))
        var lags: [Double] = []
        for i in 0..<min(options.samples, 200) {
            let event = NewEvent(occurredAt: OccurredAt(CivilDate(year: 2026, month: 1, day: 5)!),
                                 event: .territoryDefined(TerritoryDefined(code: "lag-\(i)", name: "Lag", level: .country)))
            let report = try writer.append(event)
            let t = now()
            let position = report.lastPosition ?? 0
            while try reader.headPosition() < position {
                if now() - t > 30 { fail("the follower did not see position \(position) within 30 s") }
                usleep(50)
            }
            lags.append((now() - t) * 1_000)
        }
        kill(following, SIGKILL)
        var status: Int32 = 0
        while waitpid(following, &status, 0) < 0 && errno == EINTR {}
        record("pg_lag_p50_ms", "shared log: lag to a following site p50", percentile(lags, 0.5), "ms")
        record("pg_lag_p99_ms", "shared log: lag to a following site p99", percentile(lags, 0.99), "ms")
        for path in sites + [follower] { removeLedger(path) }
        _ = run(psql, [server, "-qc", "DROP DATABASE \(tag)_append WITH (FORCE)"])
    }
}
