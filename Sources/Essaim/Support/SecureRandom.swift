import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Random bytes for event ids, personal-data keys and their nonces, drawn
/// from the kernel (`getentropy`, 256 bytes per call) 4 KiB at a time.
///
/// `SystemRandomNumberGenerator`, which `SymmetricKey(size:)` and
/// `AES.GCM.Nonce()` use, makes one system call per 8 bytes: four for a key,
/// two for an id, two for a nonce — a few percent of an import. A forked child
/// never hands out its parent's remaining bytes (ids and nonces must not
/// repeat): a fork handler moves a generation counter, and a pool filled in
/// another generation is discarded.
enum SecureRandom {
    private struct Pool: ~Copyable {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var next = 4096
        var generation = -1
    }

    private static let pool = Mutex(Pool())
    private static let forks = Atomic<Int>(0)
    private static let forkHandler: Void = {
        _ = pthread_atfork(nil, nil) { SecureRandom.forks.add(1, ordering: .relaxed) }
    }()

    /// `count` random bytes.
    static func bytes(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// Fills `buffer` with random bytes.
    static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        _ = forkHandler
        let generation = forks.load(ordering: .relaxed)
        pool.withLock { pool in
            var offset = 0
            while offset < buffer.count {
                if pool.next == pool.bytes.count || pool.generation != generation {
                    refill(&pool.bytes)
                    pool.next = 0
                    pool.generation = generation
                }
                let n = min(buffer.count - offset, pool.bytes.count - pool.next)
                pool.bytes.withUnsafeBytes { source in
                    buffer.baseAddress!.advanced(by: offset)
                        .copyMemory(from: source.baseAddress!.advanced(by: pool.next), byteCount: n)
                }
                // Bytes handed out are not kept.
                for index in pool.next ..< pool.next + n { pool.bytes[index] = 0 }
                pool.next += n
                offset += n
            }
        }
    }

    private static func refill(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            for offset in stride(from: 0, to: buffer.count, by: 256) {
                guard getentropy(buffer.baseAddress! + offset, min(256, buffer.count - offset)) == 0 else {
                    fatalError("the system gave no random bytes: \(String(cString: strerror(errno)))")
                }
            }
        }
    }
}
