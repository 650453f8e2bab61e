#if canImport(Glibc)
import Glibc
#endif

/// Reads and decodes JSON Lines files on a second thread and hands the events to
/// the appending thread in order, in chunks: parsing JSON (about a third of an
/// import's time) then overlaps with checking and storing.
///
/// The decoder stops at the first line that does not decode (the appending
/// thread reports it when its turn comes, so an earlier refusal still wins) and
/// at ``stop()``. Memory is bounded: at most a few chunks wait at any time.
final class ImportDecoder: @unchecked Sendable {
    enum Item {
        /// A decoded event and its 1-based line number in its file.
        case event(NewEvent, line: Int)
        /// A line that does not decode (its refusal names the line and file).
        case refused(EventRefusal)
        /// A file that cannot be read.
        case failed(LedgerError)
    }

    struct Chunk {
        var source: String
        var items: [Item]
        /// Lines and bytes read so far, all files together.
        var lines: Int
        var bytes: Int
    }

    private static let chunkSize = 2_048
    private static let waitingChunks = 8

    private let paths: [String]
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var ready: [Chunk] = []
    private var finished = false
    private var stopped = false
    private var thread: pthread_t?

    init(paths: [String]) {
        self.paths = paths
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { argument in
            let decoder = Unmanaged<ImportDecoder>.fromOpaque(argument!).takeRetainedValue()
            decoder.run()
            return nil
        }, box)
        if started == 0 {
            self.thread = thread
        } else {
            // No second thread: decode on the caller's thread as chunks are asked for.
            Unmanaged<ImportDecoder>.fromOpaque(box).release()
        }
    }

    deinit {
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    /// The next chunk in file order, or `nil` after the last.
    func next() -> Chunk? {
        if thread == nil && !finished { run() }
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while ready.isEmpty && !finished { pthread_cond_wait(&changed, &mutex) }
        guard !ready.isEmpty else { return nil }
        let chunk = ready.removeFirst()
        pthread_cond_broadcast(&changed)
        return chunk
    }

    /// Stops the decoding thread and waits for it; call once, when done.
    func stop() {
        pthread_mutex_lock(&mutex)
        stopped = true
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    /// Hands a chunk over; returns `false` when the consumer has stopped.
    private func publish(_ chunk: Chunk) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        // Without a second thread there is no one to wait for.
        while thread != nil && ready.count >= Self.waitingChunks && !stopped { pthread_cond_wait(&changed, &mutex) }
        if stopped { return false }
        ready.append(chunk)
        pthread_cond_broadcast(&changed)
        return true
    }

    private func run() {
        defer {
            pthread_mutex_lock(&mutex)
            finished = true
            pthread_cond_broadcast(&changed)
            pthread_mutex_unlock(&mutex)
        }
        var lines = 0, bytesBefore = 0
        for path in paths {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let error = LedgerError(.missing, "cannot read \(path): \(String(cString: strerror(errno)))")
                _ = publish(Chunk(source: path, items: [.failed(error)], lines: lines, bytes: bytesBefore))
                return
            }
            defer { close(fd) }
            var reader = LineReader(fd: fd, maximumLength: EventLine.maximumLength)
            var items: [Item] = []
            items.reserveCapacity(Self.chunkSize)
            var number = 0
            do {
                while let line = try reader.next() {
                    number += 1
                    lines += 1
                    do {
                        if let event = try EventLine.decode(line, number: number, source: path) {
                            items.append(.event(event, line: number))
                        }
                    } catch {
                        items.append(.refused(error))
                        _ = publish(Chunk(source: path, items: items, lines: lines, bytes: bytesBefore + reader.bytesRead))
                        return
                    }
                    if items.count == Self.chunkSize {
                        guard publish(Chunk(source: path, items: items, lines: lines, bytes: bytesBefore + reader.bytesRead)) else { return }
                        items.removeAll(keepingCapacity: true)
                    }
                }
            } catch {
                items.append(.failed(LedgerError(.unavailable, "cannot read \(path): \(error)")))
                _ = publish(Chunk(source: path, items: items, lines: lines, bytes: bytesBefore + reader.bytesRead))
                return
            }
            bytesBefore += reader.bytesRead
            guard publish(Chunk(source: path, items: items, lines: lines, bytes: bytesBefore)) else { return }
        }
    }
}
