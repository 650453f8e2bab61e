#if canImport(Glibc)
import Glibc
#endif

/// Reads and decodes JSON Lines files on a second thread and hands the events to
/// the appending thread in order, in chunks: parsing JSON (about a third of an
/// import's time) then overlaps with checking and storing.
///
/// The decoder stops at the first line that does not decode (the appending
/// thread reports it when its turn comes, so an earlier refusal still wins) and
/// at ``stop()``. Memory is bounded: at most a few chunks wait at any time
/// (``ChunkPipe``).
final class ImportDecoder {
    /// A decoded event, its 1-based line number in its file, its stream's name
    /// (made here for its hash, so that the appending thread need not make it
    /// again), and its personal data sealed ahead.
    struct Decoded {
        var event: NewEvent
        var line: Int
        var stream: String
        var prepared: PreparedSeal?
    }

    struct Chunk {
        var source: String
        /// Lent one by one (``MoveOutRun/lendEach(_:)``): the appending thread
        /// copies each event it stores, retaining its strings and arrays, and
        /// this thread frees them, where they were allocated (the pipe's
        /// `freedByProducer`; the appending thread took about 5 % longer
        /// freeing them itself).
        var events: MoveOutRun<Decoded>
        /// The records each event's check and fold look up first, hashed
        /// here, so that the appending thread has them loaded ahead.
        var lookups: FoldLookups
        /// Per event: its stream name's ``IDSlots/hash(_:)-(String)``, for
        /// the log to load ahead where it counts the stream's records.
        var streams: [UInt32]
        /// Why decoding stopped after `events`: a line that does not decode (its
        /// refusal names the line and file), or a file that cannot be read.
        var stop: (any Error)?
        /// Lines and bytes read so far, all files together.
        var lines: Int
        var bytes: Int
    }

    private static let chunkSize = 2_048
    private static let waitingChunks = 4

    private let pipe: ChunkPipe<Chunk>

    init(paths: [String]) {
        pipe = ChunkPipe(waiting: Self.waitingChunks, freedByProducer: true) { publish in Self.decode(paths, publish) }
    }

    /// The next chunk in file order, or `nil` after the last.
    func next() -> Chunk? { pipe.next() }

    /// Stops the decoding thread and waits for it; call once, when done.
    func stop() { pipe.stop() }

    private static func decode(_ paths: [String], _ publish: (Chunk) -> Bool) {
        var lines = 0, bytesBefore = 0
        let room = RunRoom<Decoded>(capacity: chunkSize)
        for path in paths {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let error = LedgerError(.missing, "cannot read \(path): \(String(cString: strerror(errno)))")
                _ = publish(Chunk(source: path, events: MoveOutRun(capacity: 0), lookups: FoldLookups(capacity: 0), streams: [],
                                  stop: error, lines: lines, bytes: bytesBefore))
                return
            }
            defer { close(fd) }
            var reader = LineReader(fd: fd, maximumLength: EventLine.maximumLength)
            var events = MoveOutRun(room: room)
            var lookups = FoldLookups(capacity: chunkSize)
            var streams: [UInt32] = []
            streams.reserveCapacity(chunkSize)
            // What was decoded since the last chunk, stopped by `stop` when given.
            func chunk(stop: (any Error)? = nil) -> Chunk {
                Chunk(source: path, events: events, lookups: lookups, streams: streams, stop: stop, lines: lines,
                      bytes: bytesBefore + reader.bytesRead)
            }
            var number = 0
            var tape = JSONTape()
            do {
                while let line = try reader.next() {
                    number += 1
                    lines += 1
                    do {
                        if let event = try EventLine.decode(line, number: number, source: path, tape: &tape) {
                            lookups.add(event.event)
                            let stream = event.event.stream
                            streams.append(IDSlots.hash(stream))
                            // A seal that fails here is made again, and its error reported, in turn.
                            events.append(Decoded(event: event, line: number, stream: stream, prepared: try? event.event.preparedSeal()))
                        }
                    } catch {
                        _ = publish(chunk(stop: error))
                        return
                    }
                    if events.isFull {
                        guard publish(chunk()) else { return }
                        events = MoveOutRun(room: room)
                        lookups = FoldLookups(capacity: chunkSize)
                        streams.removeAll(keepingCapacity: true)
                    }
                }
            } catch {
                _ = publish(chunk(stop: LedgerError(.unavailable, "cannot read \(path): \(error)")))
                return
            }
            guard publish(chunk()) else { return }
            bytesBefore += reader.bytesRead
        }
    }
}
