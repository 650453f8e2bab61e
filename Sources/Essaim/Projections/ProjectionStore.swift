#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Where a projection keeps its read model: an ordered key–value space of its own.
///
/// The same projection code folds into the ledger's LMDB table (inside the
/// append's write transaction) and into memory (for `--as-of`/`--at-position`
/// queries and for checks), so the two can never disagree.
public protocol ProjectionStore {
    /// The value under `key`, or `nil`.
    func value(for key: [UInt8]) throws -> [UInt8]?
    /// Stores `value` under `key`.
    func set(_ value: [UInt8], for key: [UInt8]) throws
    /// Every entry whose key starts with `prefix`, in key order.
    func entries(withPrefix prefix: [UInt8]) throws -> [(key: [UInt8], value: [UInt8])]
}

/// A projection's read model in its own table of the ledger.
struct LMDBProjectionStore: ProjectionStore {
    let table: Database
    let txn: Transaction

    func value(for key: [UInt8]) throws -> [UInt8]? { try txn.get(table, key) }

    func set(_ value: [UInt8], for key: [UInt8]) throws { try txn.put(table, key, value) }

    func entries(withPrefix prefix: [UInt8]) throws -> [(key: [UInt8], value: [UInt8])] {
        var out: [(key: [UInt8], value: [UInt8])] = []
        try txn.withCursor(table) { cursor in
            var entry = try prefix.isEmpty ? cursor.first() : cursor.seek(atOrAfter: prefix)
            while let (key, value) = entry, key.starts(with: prefix) {
                out.append((key: Array(key), value: Array(value)))
                entry = try cursor.next()
            }
        }
        return out
    }

    /// Writes the batch in key order through one cursor; keys past the table's
    /// last key are appended, so a table filled from empty gets full pages.
    func write(_ batch: consuming ProjectionWriteBatch) throws {
        guard batch.count > 0 else { return }
        var batch = batch
        try write(inKeyOrder: { try batch.forEachSorted($0) })
    }

    /// Writes the records `records` hands to its argument, in key order, each
    /// key once, as ``write(_:)`` writes a batch.
    func write(inKeyOrder records: ((UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try txn.withCursor(table) { cursor in
            // Keys come in order: once one is past the table's last, so are the rest.
            let last: [UInt8]? = try cursor.last().map { Array($0.key) }
            var append = last == nil
            var written = 0
            try records { key, value in
                if !append { append = last!.withUnsafeBytes { ProjectionWriteBatch.precedes($0, key) } }
                try cursor.put(key, value, append: append)
                written += 1
                // A long write-back passes over pages it will not come back to:
                // let go of them, so that resident memory does not grow with the
                // read models (they stay in the page cache; see `releaseMappedPages`).
                if written % Self.releaseEvery == 0 { txn.releaseMappedPages() }
            }
        }
    }

    /// Records written between two releases of the mapped pages.
    static let releaseEvery = 32_768

    /// Removes every entry (whole pages are freed, not copied).
    func clear() throws { try txn.drop(table) }
}

/// Records stored together at the end of a fold, written in key order: LMDB
/// then touches each page once, in sequence, instead of copying and splitting
/// pages at random. Keys and values live in one buffer (no allocation per
/// record), and sorting moves small fixed-size entries.
struct ProjectionWriteBatch {
    /// Each record's key and value, one after the other.
    private var buffer: ByteWriter
    private var entries: [Entry] = []

    /// Whether every record was added after the one before it in key order
    /// (``add(key:_:)`` after a sort elsewhere): ``forEachSorted(_:)`` then has
    /// nothing to sort.
    private let inKeyOrder: Bool

    /// An empty batch with room for about `records` records; `inKeyOrder` when
    /// the caller adds them already sorted.
    init(records: Int, inKeyOrder: Bool = false) {
        buffer = ByteWriter(capacity: records * 64)
        entries.reserveCapacity(records)
        self.inKeyOrder = inKeyOrder
    }

    private struct Entry: KeyOrdered {
        /// The sort's scratch.
        var prefix: UInt64
        var key: Int32
        var value: Int32
        var end: Int32
    }

    var count: Int { entries.count }

    /// Forgets every record, keeping the room they took (for a batch to come).
    mutating func removeAll() {
        buffer.removeAll()
        entries.removeAll(keepingCapacity: true)
    }

    /// Bytes of the keys and values added.
    var byteCount: Int { buffer.bytes.count }

    /// Adds a record under `kind` + `id`, its value written by `encode`; each key is added once.
    mutating func add(_ kind: RecordKind, _ id: String, _ encode: (inout ByteWriter) -> Void) {
        let key = buffer.bytes.count
        buffer.u8(kind.rawValue)
        buffer.utf8(id)
        finish(key: key, encode)
    }

    /// Adds a record under `key` (a copy is kept), its value written by `encode`.
    mutating func add(key bytes: UnsafeRawBufferPointer, _ encode: (inout ByteWriter) -> Void) {
        let key = buffer.bytes.count
        buffer.raw(bytes)
        finish(key: key, encode)
    }

    private mutating func finish(key: Int, _ encode: (inout ByteWriter) -> Void) {
        let value = buffer.bytes.count
        encode(&buffer)
        entries.append(Entry(prefix: 0, key: Int32(key), value: Int32(value), end: Int32(buffer.bytes.count)))
        #if DEBUG
        if inKeyOrder, entries.count > 1 {
            let bytes = buffer.bytes
            bytes.withUnsafeBytes { bytes in
                let (a, b) = (entries[entries.count - 2], entries[entries.count - 1])
                assert(Self.precedes(UnsafeRawBufferPointer(rebasing: bytes[Int(a.key)..<Int(a.value)]),
                                     UnsafeRawBufferPointer(rebasing: bytes[Int(b.key)..<Int(b.value)])),
                       "a batch in key order was given a key out of order")
            }
        }
        #endif
    }

    /// Sorts the records and calls `body` with each key and value in key order
    /// (bytes compared as LMDB compares keys). With `ahead` above 0, before
    /// each record, calls `upcoming` with the record `2 × ahead` records
    /// further on (`far`), then with the one `ahead` further on, if any: to
    /// ask, in two steps, for what `body` will read then.
    mutating func forEachSorted(ahead: Int = 0,
                                upcoming: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ far: Bool) -> Void = { _, _, _ in },
                                _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) rethrows {
        try buffer.bytes.withUnsafeBytes { bytes in
            func key(_ e: Entry) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[Int(e.key)..<Int(e.value)]) }
            func value(_ e: Entry) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[Int(e.value)..<Int(e.end)]) }
            if !inKeyOrder { sortInKeyOrder(&entries, key: key) }
            for index in entries.indices {
                if ahead > 0 {
                    if index + 2 * ahead < entries.count {
                        upcoming(key(entries[index + 2 * ahead]), value(entries[index + 2 * ahead]), true)
                    }
                    if index + ahead < entries.count { upcoming(key(entries[index + ahead]), value(entries[index + ahead]), false) }
                }
                try body(key(entries[index]), value(entries[index]))
            }
        }
    }

    /// Whether `a` sorts before `b`: bytes compared unsigned, a prefix first.
    static func precedes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.keyOrder(b) < 0
    }
}

/// Batches written and emptied, kept for the next ones to fill: a write-back's
/// batch takes megabytes, which the allocator would otherwise map afresh for
/// each batch, every page faulting in, and give back once it is written.
final class SpareBatches: Sendable {
    private let spares = Mutex<[ProjectionWriteBatch]>([])

    /// A batch emptied before, or `nil`.
    func take() -> ProjectionWriteBatch? { spares.withLock { $0.popLast() } }

    /// Keeps an empty batch for a later ``take()``.
    func give(_ batch: ProjectionWriteBatch) {
        spares.withLock { $0.append(batch) }
    }
}

/// A store that takes a write-back's batch whole (the ledger's table through
/// one cursor, in key order; the records a write holds in memory).
protocol BatchWritingStore {
    func write(_ batch: consuming ProjectionWriteBatch) throws
    /// Whether batches may come in any key order, as well as in it: a table
    /// filled in key order appends each record, and one holding its records
    /// sorts them when it writes (but writes straight into the table past its limit).
    var takesBatchesInAnyOrder: Bool { get }
}

extension LMDBProjectionStore: BatchWritingStore {
    var takesBatchesInAnyOrder: Bool { false }
}

extension HeldProjectionStore: BatchWritingStore {
    var takesBatchesInAnyOrder: Bool { false }
}

extension ProjectionStore {
    /// Stores every record of `batch`: as a whole when the store takes it so
    /// (``BatchWritingStore``), else one record at a time.
    func write(_ batch: consuming ProjectionWriteBatch) throws {
        if let store = self as? any BatchWritingStore { return try store.write(batch) }
        var batch = batch
        try batch.forEachSorted { key, value in try set(Array(value), for: Array(key)) }
    }
}

/// A read model held in memory, for time-travel queries and verification.
public final class MemoryProjectionStore: ProjectionStore {
    private var storage: [[UInt8]: [UInt8]] = [:]

    /// An empty store.
    public init() {}

    public func value(for key: [UInt8]) throws -> [UInt8]? { storage[key] }

    public func set(_ value: [UInt8], for key: [UInt8]) throws { storage[key] = value }

    public func entries(withPrefix prefix: [UInt8]) throws -> [(key: [UInt8], value: [UInt8])] {
        storage.filter { $0.key.starts(with: prefix) }
            .map { (key: $0.key, value: $0.value) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// Every entry, in key order (for comparing two folds).
    public var allEntries: [(key: [UInt8], value: [UInt8])] {
        (try? entries(withPrefix: [])) ?? []
    }
}
