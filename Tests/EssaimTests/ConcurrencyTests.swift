import Foundation
import Testing
@testable import Essaim

/// Several threads and several processes on one ledger: writers serialize,
/// expected-version conflicts surface as errors, readers never block and never
/// see part of a batch, nothing is lost.
@Suite struct ConcurrencyTests {
    /// Shared between test threads: a stop flag and what the readers saw.
    final class Board: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false
        private(set) var observations: [UInt64] = []
        private(set) var problems: [String] = []

        var isStopped: Bool { lock.withLock { stopped } }
        func stop() { lock.withLock { stopped = true } }
        func saw(_ head: UInt64) { lock.withLock { observations.append(head) } }
        func problem(_ text: String) { lock.withLock { problems.append(text) } }
    }

    @Test("a repeating task runs again and again on its thread until stopped, and never after")
    func repeatingTask() throws {
        final class Runs: @unchecked Sendable {
            private let lock = NSLock()
            private var runs = 0
            private var main = false
            var count: Int { lock.withLock { runs } }
            var onMainThread: Bool { lock.withLock { main } }
            func run() { lock.withLock { runs += 1; main = main || Thread.isMainThread } }
        }
        let runs = Runs()
        let task = RepeatingTask(pausing: 1) { runs.run() }
        let deadline = Date().addingTimeInterval(30)
        while runs.count < 3 && Date() < deadline { usleep(1_000) }
        task.stop()
        let stopped = runs.count
        #expect(stopped >= 3)
        #expect(!runs.onMainThread)
        usleep(20_000)
        #expect(runs.count == stopped)
    }

    @Test("a chunk pipe fed by several producers hands over every chunk of each, each producer's in its order, on threads of their own or on the consumer's; stopped, it waits for them all",
          arguments: [true, false])
    func chunkPipeOfSeveralProducers(onThreadsOfTheirOwn: Bool) throws {
        let producers: [ChunkPipe<(producer: Int, number: Int)>.Producer] = (0 ..< 3).map { producer in
            { publish in for number in 0 ..< 500 where !publish((producer, number)) { return } }
        }
        let pipe = ChunkPipe(waiting: 4, onThreadsOfTheirOwn: onThreadsOfTheirOwn, producers: producers)
        var received: [[Int]] = [[], [], []]
        while let chunk = pipe.next() { received[chunk.producer].append(chunk.number) }
        pipe.stop()
        #expect(received == Array(repeating: Array(0 ..< 500), count: 3))

        // Stopped after a few chunks: every producer returns, none is left waiting.
        final class Returned: @unchecked Sendable {
            private let lock = NSLock()
            private var count = 0
            var value: Int { lock.withLock { count } }
            func add() { lock.withLock { count += 1 } }
        }
        let returned = Returned()
        let endless: [ChunkPipe<Int>.Producer] = (0 ..< 3).map { _ in
            { publish in
                var number = 0
                while publish(number) { number += 1 }
                returned.add()
            }
        }
        let stopped = ChunkPipe(waiting: 2, producers: endless)
        for _ in 0 ..< 10 { _ = stopped.next() }
        stopped.stop()
        // A producer no thread had taken is dropped, not run.
        #expect(returned.value <= 3 && returned.value >= 1)
    }

    @Test("a chunk pipe hands every chunk over in order; freed by its producer, the chunks the consumer is done with are freed on the producer's thread",
          arguments: [false, true])
    func chunkPipeFrees(freedByProducer: Bool) throws {
        /// Where the chunks were freed, and the producer's thread.
        final class Frees: @unchecked Sendable {
            private let lock = NSLock()
            private var producerThread: Thread?
            private var byProducer = 0, elsewhere = 0
            var counts: (byProducer: Int, elsewhere: Int) { lock.withLock { (byProducer, elsewhere) } }
            func producing() { lock.withLock { producerThread = Thread.current } }
            func freed() {
                lock.withLock {
                    if Thread.current == producerThread { byProducer += 1 } else { elsewhere += 1 }
                }
            }
        }
        final class Chunk {
            let number: Int
            let frees: Frees
            init(_ number: Int, _ frees: Frees) { (self.number, self.frees) = (number, frees) }
            deinit { frees.freed() }
        }
        let frees = Frees()
        var received: [Int] = []
        do {
            let pipe = ChunkPipe<Chunk>(waiting: 2, freedByProducer: freedByProducer) { publish in
                frees.producing()
                for number in 0 ..< 200 where !publish(Chunk(number, frees)) { return }
            }
            while let chunk = pipe.next() { received.append(chunk.number) }
            pipe.stop()
        }
        #expect(received == Array(0 ..< 200))
        let (byProducer, elsewhere) = frees.counts
        #expect(byProducer + elsewhere == 200)
        // Without, whichever thread lets go last frees a chunk (the producer, when
        // the consumer was done before its publish returned): nothing to expect.
        if freedByProducer {
            // The last few, handed over after the producer's last publish, are freed with the pipe.
            #expect(byProducer >= 190)
        }
    }

    @Test("library: readers on four threads while one thread appends batches of 25; no reader sees part of a batch")
    func threads() throws {
        let t = try TemporaryLedger()
        let events = Array(WorkloadGenerator(events: 5_000, seed: 4))
        try t.ledger.append(Array(events.prefix(1_000)))
        let ledger = t.ledger
        let board = Board()
        let readers = (0..<4).map { _ in
            Thread {
                while !board.isStopped {
                    do {
                        // One snapshot: the head and the events up to it agree, in whole batches.
                        let head = try ledger.headPosition()
                        if (head - 1_000) % 25 != 0 { board.problem("head \(head) is inside a batch") }
                        let stats = try ledger.statistics()
                        if (stats.headPosition - 1_000) % 25 != 0 || UInt64(stats.events) != stats.headPosition {
                            board.problem("statistics saw \(stats.events) events at head \(stats.headPosition)")
                        }
                        board.saw(head)
                    } catch {
                        board.problem("reader failed: \(error)")
                    }
                }
            }
        }
        readers.forEach { $0.start() }
        for start in stride(from: 1_000, to: events.count, by: 25) {
            try ledger.append(Array(events[start..<start + 25]))
        }
        board.stop()
        while readers.contains(where: { $0.isExecuting }) { Thread.sleep(forTimeInterval: 0.01) }
        #expect(board.problems.isEmpty, "\(board.problems.prefix(5))")
        #expect(board.observations.count > 4)
        #expect(try ledger.headPosition() == 5_000)
        #expect(try ledger.verify().passed)
    }

    @Test("processes: an importer, CLI readers and racing appenders at once; writers serialize, conflicts are reported, nothing is lost")
    func processes() throws {
        let (directory, ledger) = try CommandLineTests.initialised()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lines = WorkloadGenerator(events: 12_000, seed: 6).map(\.jsonLine)
        #expect(try CommandLineTests.run(["--ledger", ledger, "import", "-"], stdin: lines.prefix(2_000).joined(separator: "\n")).status == 0)
        let bulk = directory + "/bulk.jsonl"
        try lines.dropFirst(2_000).joined(separator: "\n").write(toFile: bulk, atomically: true, encoding: .utf8)
        // A stream the appenders race on: a program of its own, at version 0 after its launch.
        #expect(try CommandLineTests.run(["--ledger", ledger, "append", "--type", "NetworkRegistered",
                                         "--data", #"{"network":"RACE-N","name":"Race","kind":"other","territory":"FR-34"}"#]).status == 0)
        #expect(try CommandLineTests.run(["--ledger", ledger, "append", "--type", "ProgramLaunched", "--data",
                                         #"{"program":"RACE-P","name":"Race","kind":"club","networks":["RACE-N"],"territories":["FR-34"]}"#]).status == 0)
        let base: UInt64 = 2_002

        let board = Board()
        let importer = Thread {
            do {
                let result = try CommandLineTests.run(["--ledger", ledger, "import", bulk])
                if result.status != 0 { board.problem("import failed: \(result.stderr)") }
            } catch { board.problem("import: \(error)") }
        }
        let readers = (0..<3).map { _ in
            Thread {
                while !board.isStopped {
                    do {
                        let stats = try CommandLineTests.run(["--ledger", ledger, "stats", "--format", "json"])
                        guard stats.status == 0, let count = Self.events(in: stats.stdout) else {
                            board.problem("reader: \(stats.status) \(stats.stderr)")
                            continue
                        }
                        board.saw(count)
                    } catch { board.problem("reader: \(error)") }
                }
            }
        }
        importer.start()
        readers.forEach { $0.start() }

        // Rounds of two appenders racing for the same expected version: one wins.
        var wins = 0, conflicts = 0
        for round in 0..<6 {
            let results = try Self.race((0..<2).map { who in
                ["--ledger", ledger, "append", "--type", "ProgramExtended", "--expected-version", "\(round)",
                 "--data", #"{"program":"RACE-P","territories":["FR-34"]}"#, "--occurred-at", "2024-01-0\(who + 1)"]
            })
            for result in results {
                if result.status == 0 { wins += 1 } else if result.stderr.contains("version-conflict") { conflicts += 1 } else {
                    board.problem("appender: \(result.status) \(result.stderr)")
                }
            }
        }
        while importer.isExecuting { Thread.sleep(forTimeInterval: 0.02) }
        board.stop()
        while readers.contains(where: { $0.isExecuting }) { Thread.sleep(forTimeInterval: 0.02) }

        #expect(board.problems.isEmpty, "\(board.problems.prefix(5))")
        #expect(!board.observations.isEmpty, "the readers ran")
        #expect(wins == 6 && conflicts == 6, "wins \(wins), conflicts \(conflicts)")
        // Readers saw the bulk import all or nothing: never part of its 10,000 events.
        let partial = board.observations.filter { $0 > base + 6 && $0 < base + 10_000 }
        #expect(partial.isEmpty, "partial counts seen: \(partial.prefix(5))")
        let final = try CommandLineTests.run(["--ledger", ledger, "stats", "--format", "json"])
        #expect(Self.events(in: final.stdout) == base + 10_000 + 6)
        #expect(try CommandLineTests.run(["--ledger", ledger, "verify"]).status == 0)
    }

    static func events(in json: String) -> UInt64? {
        guard let range = json.range(of: #""events":"#) else { return nil }
        return UInt64(json[range.upperBound...].prefix { $0.isNumber })
    }

    /// Starts every command at once and waits for all.
    static func race(_ commands: [[String]]) throws -> [CommandLineTests.Result] {
        let results = Results(count: commands.count)
        let threads = commands.enumerated().map { index, arguments in
            Thread { results.set(index, try? CommandLineTests.run(arguments)) }
        }
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.005) }
        return try results.all()
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [CommandLineTests.Result?]

        init(count: Int) { values = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ value: CommandLineTests.Result?) { lock.withLock { values[index] = value } }

        func all() throws -> [CommandLineTests.Result] {
            try lock.withLock { try values.map { try #require($0) } }
        }
    }
}
