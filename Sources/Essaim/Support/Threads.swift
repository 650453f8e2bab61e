#if canImport(Glibc)
import Glibc
#endif

/// Starts a thread that runs `body`; `nil` when none can be started.
func startThread(_ body: @escaping () -> Void) -> pthread_t? {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    guard pthread_create(&thread, nil, { argument in
        Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue().run()
        return nil
    }, box) == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(box).release()
        return nil
    }
    return thread
}

/// What a thread started by ``startThread(_:)`` runs (a C thread entry cannot capture a context).
private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Runs a task on a second thread, again and again with a pause between,
/// until stopped; when no thread can be started, never.
final class RepeatingTask: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var stopped = false
    private var thread: pthread_t?

    /// Starts running `task`, then again `pause` milliseconds after each run ends.
    init(pausing pause: Int, _ task: @escaping () -> Void) {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        // The thread holds the task until it is stopped.
        thread = startThread { [self] in
            pthread_mutex_lock(&mutex)
            defer { pthread_mutex_unlock(&mutex) }
            while !stopped {
                pthread_mutex_unlock(&mutex)
                task()
                pthread_mutex_lock(&mutex)
                var until = timespec()
                clock_gettime(CLOCK_REALTIME, &until)
                until.tv_nsec += pause * 1_000_000
                until.tv_sec += until.tv_nsec / 1_000_000_000
                until.tv_nsec %= 1_000_000_000
                if !stopped { pthread_cond_timedwait(&changed, &mutex, &until) }
            }
        }
    }

    deinit {
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    /// Stops the task (a run under way ends first) and waits for its thread; call once.
    func stop() {
        pthread_mutex_lock(&mutex)
        stopped = true
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }
}
