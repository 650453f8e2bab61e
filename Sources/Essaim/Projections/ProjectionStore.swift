#if canImport(Glibc)
import Glibc
#endif

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
        let entries = batch.sorted()
        guard !entries.isEmpty else { return }
        try txn.withCursor(table) { cursor in
            var last: [UInt8]? = try cursor.last().map { Array($0.key) }
            for (key, value) in entries {
                let append = last.map { ProjectionWriteBatch.precedes($0, key) } ?? true
                try cursor.put(key, value, append: append)
                if append { last = key }
            }
        }
    }

    /// Removes every entry (whole pages are freed, not copied).
    func clear() throws { try txn.drop(table) }
}

/// Records stored together at the end of a fold, written in key order: LMDB
/// then touches each page once, in sequence, instead of copying and splitting
/// pages at random.
struct ProjectionWriteBatch {
    private var entries: [(key: [UInt8], value: [UInt8])] = []

    var count: Int { entries.count }

    /// Adds a record; each key is added once.
    mutating func add(_ key: [UInt8], _ value: [UInt8]) { entries.append((key, value)) }

    /// The records in key order (bytes compared as LMDB compares keys).
    consuming func sorted() -> [(key: [UInt8], value: [UInt8])] {
        entries.sort { Self.precedes($0.key, $1.key) }
        return entries
    }

    /// Whether `a` sorts before `b`: bytes compared unsigned, a prefix first.
    static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let order = a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in memcmp(a.baseAddress!, b.baseAddress!, min(a.count, b.count)) }
        }
        return order != 0 ? order < 0 : a.count < b.count
    }
}

extension ProjectionStore {
    /// Stores every record of `batch` (through one cursor, in key order, when
    /// the store is the ledger's table).
    func write(_ batch: consuming ProjectionWriteBatch) throws {
        if let table = self as? LMDBProjectionStore { return try table.write(batch) }
        for (key, value) in batch.sorted() { try set(value, for: key) }
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
