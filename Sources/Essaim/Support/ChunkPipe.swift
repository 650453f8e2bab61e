#if canImport(Glibc)
import Glibc
#endif

/// Runs a producer on a second thread and hands what it makes to the calling
/// thread in order, a chunk at a time; at most `waiting` chunks wait, so memory
/// stays bounded however long the run. Decoding then overlaps with the work
/// that consumes it (JSON Lines on import, stored records on replay).
///
/// When no thread can be started, or none is asked for (`onSecondThread`
/// false: a run too small to pay for one), the producer runs on the consumer's
/// thread at its first ``next()`` (every chunk then waits).
final class ChunkPipe<Chunk>: @unchecked Sendable {
    /// Makes the chunks; `publish` hands one over and returns `false` once the
    /// consumer has stopped (the producer should then return).
    typealias Producer = (_ publish: (Chunk) -> Bool) -> Void

    private let waiting: Int
    private var produce: Producer?
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var ready: [Chunk] = []
    private var finished = false
    private var stopped = false
    private var thread: pthread_t?
    /// Whether chunks the consumer is done with are freed by the producer.
    private let freedByProducer: Bool
    /// The chunk handed over last, kept until the consumer asks for the next
    /// (by then it has let go of it), when it moves to `spent`.
    private var handedOver: Chunk?
    /// Chunks the consumer is done with, for the producer to free.
    private var spent: [Chunk] = []

    /// A pipe of at most `waiting` chunks. With `freedByProducer`, the chunks
    /// are freed on the producer's thread once the consumer is done with them
    /// (it is when it asks for the next), at the producer's next publish,
    /// rather than by the consumer: memory that one thread allocates and
    /// another frees costs the freeing thread glibc's locking and
    /// consolidation of the other's arena. A consumer that moves the chunk's
    /// contents out frees them itself all the same.
    init(waiting: Int, onSecondThread: Bool = true, freedByProducer: Bool = false, _ produce: @escaping Producer) {
        self.waiting = waiting
        self.freedByProducer = freedByProducer
        self.produce = produce
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
        guard onSecondThread else { return }
        // Held until `thread` is set: the producer reads it under the lock.
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        // The thread holds the pipe until its producer returns.
        thread = startThread { [self] in run() }
    }

    deinit {
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    /// The next chunk, or `nil` after the last.
    func next() -> Chunk? {
        if thread == nil && !finished { run() }
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if let done = handedOver.take() { spent.append(done) }
        while ready.isEmpty && !finished { pthread_cond_wait(&changed, &mutex) }
        guard !ready.isEmpty else { return nil }
        // At most `waiting` chunks: moving them down costs nothing.
        let chunk = ready.removeFirst()
        if freedByProducer && thread != nil { handedOver = chunk }
        pthread_cond_broadcast(&changed)
        return chunk
    }

    /// Stops the producer and waits for its thread; call once, when done
    /// (also after an error, so the thread does not outlive the consumer).
    func stop() {
        pthread_mutex_lock(&mutex)
        stopped = true
        ready.removeAll()
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private func publish(_ chunk: Chunk) -> Bool {
        if freedByProducer { freeSpent() }
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        // Without a second thread there is no one to wait for.
        while thread != nil && ready.count >= waiting && !stopped { pthread_cond_wait(&changed, &mutex) }
        if stopped { return false }
        ready.append(chunk)
        pthread_cond_broadcast(&changed)
        return true
    }

    /// Frees, on the calling (producer's) thread, the chunks the consumer is done with.
    private func freeSpent() {
        pthread_mutex_lock(&mutex)
        let done = spent
        spent.removeAll()
        pthread_mutex_unlock(&mutex)
        // Freed here, out of the lock.
        withExtendedLifetime(done) {}
    }

    private func run() {
        defer {
            pthread_mutex_lock(&mutex)
            finished = true
            produce = nil
            pthread_cond_broadcast(&changed)
            pthread_mutex_unlock(&mutex)
        }
        produce?(publish)
    }
}
