#if canImport(Glibc)
import Glibc
#endif

/// The record keys a fold may have written, as a filter that can answer
/// "maybe" for a key never added but never "no" for one added: a blocked
/// Bloom filter over each key's kind and ``IDSlots/hash(_:)-(String)``.
///
/// A fold that began on an empty store (a replay, a verification, a new
/// ledger's first import) finds in the store only what its own caches wrote
/// back. Every id its caches hold is added here; a look-up the filter rules
/// out then reads nothing. Without it, once the caches have been written back
/// and emptied, each new company or application was first searched for in
/// the read-model table: 1.3 million fruitless searches of a 3.7 million-record
/// B-tree in a 5 M-event replay.
///
/// Each key sets bits in one 64-byte block (one cache line, so a test waits on
/// memory once), 10 bits per key planned, about 1 % of absent keys answered
/// "maybe". Past its planned keys, a filter twice as large is added; a test
/// asks each in turn (three at 5 M events).
final class KeyFilter {
    /// The filters, the latest last (only it takes keys). Touched for most
    /// look-ups of a fold, so without the runtime's exclusivity checks (two
    /// per key added, a fifth of its instructions); nothing here reaches back
    /// into the filter while it changes.
    @exclusivity(unchecked) private var layers: [Layer]

    /// A filter planned for `capacity` keys (more can be added: see the type's comment).
    init(capacity: Int = 1 << 20) {
        layers = [Layer(capacity: capacity)]
    }

    deinit {
        for layer in layers { free(layer.memory) }
    }

    /// Keys added (a key added twice counts twice).
    var count: Int { layers.reduce(0) { $0 + $1.count } }

    /// Adds the key of kind `kind` whose id hashes to `hash`.
    func add(_ kind: RecordKind, hash: UInt32) {
        if layers[layers.count - 1].count >= layers[layers.count - 1].capacity {
            layers.append(Layer(capacity: 2 * layers[layers.count - 1].capacity))
        }
        layers[layers.count - 1].add(Probe(kind, hash))
    }

    /// Whether the key may have been added (`false`: it was not).
    @inline(__always)
    func mayContain(_ kind: RecordKind, hash: UInt32) -> Bool {
        let probe = Probe(kind, hash)
        return layers.withUnsafeBufferPointer { layers in layers.contains { $0.contains(probe) } }
    }

    /// Asks the processor to load the blocks a test of the key reads.
    @inline(__always)
    func prefetch(_ kind: RecordKind, hash: UInt32) {
        let probe = Probe(kind, hash)
        layers.withUnsafeBufferPointer { layers in
            for layer in layers { prefetchForWrite(layer.words + layer.first(probe), bytes: 64) }
        }
    }

    /// Where a key's bits are: its block (from one mix of the kind and the
    /// hash) and, within it, `bitsPerKey` bits of 9 bits each (from another).
    private struct Probe {
        let block: UInt64
        let bits: UInt64

        static let bitsPerKey = 7

        @inline(__always)
        init(_ kind: RecordKind, _ hash: UInt32) {
            let key = UInt64(kind.rawValue) << 32 | UInt64(hash)
            block = Self.mix(key)
            bits = Self.mix(key ^ 0x5851_F42D_4C95_7F2D)
        }

        /// SplitMix64's finalizer: every input bit moves every output bit.
        @inline(__always)
        private static func mix(_ value: UInt64) -> UInt64 {
            var x = value
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
    }

    /// One filter, its words allocated by hand: copied in and out of the
    /// array of layers, it retains nothing.
    private struct Layer {
        /// Eight words (512 bits, one cache line) per block, 64-byte aligned.
        let words: UnsafeMutablePointer<UInt64>
        /// What `calloc` gave, for `free`.
        let memory: UnsafeMutableRawPointer
        private let blocks: Int
        /// Keys this layer is planned for, at 10 bits each.
        let capacity: Int
        private(set) var count = 0

        init(capacity: Int) {
            self.capacity = capacity
            blocks = max(1, (capacity * 10 + 511) / 512)
            // Zeroed by `calloc`, which maps a large block's pages in only
            // as they are first written: a small fold's filter takes a few.
            guard let memory = calloc(blocks * 64 + 64, 1) else { fatalError("no memory for a filter of \(capacity) keys") }
            self.memory = memory
            words = memory.alignedUp(toMultipleOf: 64).bindMemory(to: UInt64.self, capacity: blocks * 8)
        }

        /// The first word of the probe's block.
        @inline(__always)
        func first(_ probe: Probe) -> Int {
            Int(truncatingIfNeeded: probe.block.multipliedFullWidth(by: UInt64(blocks)).high) &* 8
        }

        mutating func add(_ probe: Probe) {
            count += 1
            let block = words + first(probe)
            var bits = probe.bits
            for _ in 0 ..< Probe.bitsPerKey {
                block[Int(truncatingIfNeeded: bits & 511) >> 6] |= 1 << (bits & 63)
                bits >>= 9
            }
        }

        @inline(__always)
        func contains(_ probe: Probe) -> Bool {
            let block = words + first(probe)
            var bits = probe.bits
            for _ in 0 ..< Probe.bitsPerKey {
                if block[Int(truncatingIfNeeded: bits & 511) >> 6] & 1 << (bits & 63) == 0 { return false }
                bits >>= 9
            }
            return true
        }
    }
}
