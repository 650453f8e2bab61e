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

/// The read models in the ledger's `projections` table, each projection under its
/// own key prefix (`name` + `0x00`).
struct LMDBProjectionStore: ProjectionStore {
    let table: Database
    let txn: Transaction
    let prefix: [UInt8]

    func value(for key: [UInt8]) throws -> [UInt8]? { try txn.get(table, prefix + key) }

    func set(_ value: [UInt8], for key: [UInt8]) throws { try txn.put(table, prefix + key, value) }

    func entries(withPrefix keyPrefix: [UInt8]) throws -> [(key: [UInt8], value: [UInt8])] {
        let full = prefix + keyPrefix
        var out: [(key: [UInt8], value: [UInt8])] = []
        try txn.withCursor(table) { cursor in
            var entry = try cursor.seek(atOrAfter: full)
            while let (key, value) = entry, key.starts(with: full) {
                out.append((key: Array(key.dropFirst(prefix.count)), value: Array(value)))
                entry = try cursor.next()
            }
        }
        return out
    }

    /// Removes every entry of this projection.
    func clear() throws {
        var keys: [[UInt8]] = []
        try txn.withCursor(table) { cursor in
            var entry = try cursor.seek(atOrAfter: prefix)
            while let (key, _) = entry, key.starts(with: prefix) {
                keys.append(Array(key))
                entry = try cursor.next()
            }
        }
        for key in keys { try txn.delete(table, key) }
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
