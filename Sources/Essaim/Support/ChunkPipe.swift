#if canImport(Glibc)
import Glibc
#endif

/// Runs a producer on a second thread and hands what it makes to the calling
/// thread in order, a chunk at a time; at most `waiting` chunks wait, so memory
/// stays bounded however long the run. Decoding then overlaps with the work
/// that consumes it (JSON Lines on import, stored records on replay).
///
/// Several producers may feed one pipe, each on a thread of its own
/// (``init(waiting:onThreadsOfTheirOwn:freedByProducer:producers:)``).
///
/// When no thread can be started, or none is asked for (`onSecondThread`
/// false: a run too small to pay for one), the producers run on the
/// consumer's thread at its first ``next()`` (every chunk then waits).
final class ChunkPipe<Chunk>: @unchecked Sendable {
    /// Makes the chunks; `publish` hands one over and returns `false` once the
    /// consumer has stopped (the producer should then return).
    typealias Producer = (_ publish: (Chunk) -> Bool) -> Void

    private let waiting: Int
    /// Producers no thread has taken yet.
    private var pending: [Producer]
    /// Producers not yet returned.
    private var unfinished: Int
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var ready: [Chunk] = []
    private var stopped = false
    private var threads: [pthread_t] = []
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
    convenience init(waiting: Int, onSecondThread: Bool = true, freedByProducer: Bool = false, _ produce: @escaping Producer) {
        self.init(waiting: waiting, onThreadsOfTheirOwn: onSecondThread, freedByProducer: freedByProducer, producers: [produce])
    }

    /// A pipe fed by several producers, each on a thread of its own (or, when
    /// fewer threads start, one after the other on those that did): their
    /// chunks are handed over as they come, in each producer's order but in
    /// none between producers, at most `waiting` in all.
    init(waiting: Int, onThreadsOfTheirOwn: Bool = true, freedByProducer: Bool = false, producers: [Producer]) {
        self.waiting = waiting
        self.freedByProducer = freedByProducer
        pending = producers
        unfinished = producers.count
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
        guard onThreadsOfTheirOwn else { return }
        // Held until every thread is started: the producers read `threads` under the lock.
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        // Each thread holds the pipe until the producers are done.
        for _ in producers {
            if let thread = startThread({ [self] in runPending() }) { threads.append(thread) }
        }
    }

    deinit {
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    /// The next chunk, or `nil` after the last.
    func next() -> Chunk? {
        if threads.isEmpty { runPending() }
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if let done = handedOver.take() { spent.append(done) }
        while ready.isEmpty && unfinished > 0 { pthread_cond_wait(&changed, &mutex) }
        guard !ready.isEmpty else { return nil }
        // At most `waiting` chunks: moving them down costs nothing.
        let chunk = ready.removeFirst()
        if freedByProducer && !threads.isEmpty { handedOver = chunk }
        pthread_cond_broadcast(&changed)
        return chunk
    }

    /// Stops the producers and waits for their threads; call once, when done
    /// (also after an error, so no thread outlives the consumer).
    func stop() {
        pthread_mutex_lock(&mutex)
        stopped = true
        ready.removeAll()
        unfinished -= pending.count
        pending.removeAll()
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
        for thread in threads { pthread_join(thread, nil) }
        threads.removeAll()
    }

    private func publish(_ chunk: Chunk) -> Bool {
        if freedByProducer { freeSpent() }
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        // Without a thread of their own, no one to wait for.
        while !threads.isEmpty && ready.count >= waiting && !stopped { pthread_cond_wait(&changed, &mutex) }
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

    /// Runs the producers no thread has taken, one after the other.
    private func runPending() {
        while true {
            pthread_mutex_lock(&mutex)
            let producer = pending.isEmpty ? nil : pending.removeFirst()
            pthread_mutex_unlock(&mutex)
            guard let producer else { return }
            producer(publish)
            pthread_mutex_lock(&mutex)
            unfinished -= 1
            pthread_cond_broadcast(&changed)
            pthread_mutex_unlock(&mutex)
        }
    }
}
