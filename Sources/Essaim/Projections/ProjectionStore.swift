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

    /// Removes every entry (whole pages are freed, not copied).
    func clear() throws { try txn.drop(table) }
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
