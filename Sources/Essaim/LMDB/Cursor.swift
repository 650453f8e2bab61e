import EssaimCLMDB

/// A position in a database, valid only inside ``Transaction/withCursor(_:_:)``.
///
/// Keys and values handed to callers point into the memory map and are valid only
/// until the cursor moves.
final class Cursor {
    private var handle: OpaquePointer?
    let db: Database

    init(_ handle: OpaquePointer, db: Database) {
        self.handle = handle
        self.db = db
    }

    func close() {
        if let handle { mdb_cursor_close(handle) }
        handle = nil
    }

    typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    /// Where ``find(ascending:)`` left the cursor. Any other move or write
    /// forgets it.
    private enum Ascending {
        case unknown
        /// On the entry of the key asked for last (which sorts before the next one asked).
        case on
        /// On the first entry after the key asked for last.
        case after(Entry)
        /// Past the last entry.
        case end
    }
    private var ascending = Ascending.unknown
    #if DEBUG
    /// The key `find(ascending:)` was asked for last (debug builds check the order).
    private var lastAsked: [UInt8]?
    #endif

    private func move(_ op: MDB_cursor_op, key: UnsafeRawBufferPointer? = nil) throws(LMDBError) -> Entry? {
        guard let handle else { preconditionFailure("cursor used after close") }
        ascending = .unknown
        var k = MDB_val(mv_size: key?.count ?? 0, mv_data: key.flatMap { UnsafeMutableRawPointer(mutating: $0.baseAddress) })
        var v = MDB_val()
        let rc = mdb_cursor_get(handle, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        try LMDBError.check(rc, "moving a cursor on \(db.name)")
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// The first entry.
    func first() throws(LMDBError) -> Entry? { try move(MDB_FIRST) }
    /// The last entry.
    func last() throws(LMDBError) -> Entry? { try move(MDB_LAST) }
    /// The entry after the current one.
    func next() throws(LMDBError) -> Entry? { try move(MDB_NEXT) }
    /// The entry before the current one.
    func previous() throws(LMDBError) -> Entry? { try move(MDB_PREV) }

    /// The first value of exactly `key` (tables of sorted duplicates), or `nil`.
    func find(_ key: [UInt8]) throws -> Entry? {
        try key.withUnsafeBytes { k throws(LMDBError) in try find(k) }
    }

    /// The entry (the first value) of exactly `key`, or `nil`. From a cursor
    /// placed just before, on the same page, LMDB searches that page alone.
    func find(_ key: UnsafeRawBufferPointer) throws(LMDBError) -> Entry? { try move(MDB_SET_KEY, key: key) }

    /// The entry of exactly `key`, or `nil`, for keys asked in ascending order
    /// (each after the one before, nothing else moving the cursor between;
    /// a table without duplicates). The cursor is left on the first entry at
    /// or after each key, so the next key is most often that entry or one a
    /// step or two on (`MDB_NEXT`): it costs no search, where `find(_:)`
    /// searches the page (about 700 instructions a key). After
    /// ``stepsBeforeSeeking`` steps, or on a cursor placed otherwise, the key
    /// is sought (`MDB_SET_RANGE`).
    func find(ascending key: UnsafeRawBufferPointer) throws(LMDBError) -> Entry? {
        #if DEBUG
        if case .unknown = ascending {} else if let asked = lastAsked {
            precondition(asked.withUnsafeBytes { $0.keyOrder(key) < 0 }, "find(ascending:) was asked for keys out of order")
        }
        lastAsked = Array(key)
        #endif
        var entry: Entry
        switch ascending {
        case .end: return nil
        case .unknown: return try seek(key)
        case .after(let current): entry = current
        case .on:
            guard let next = try move(MDB_NEXT) else { return finding(nil) }
            entry = next
        }
        for _ in 0 ..< Self.stepsBeforeSeeking {
            let order = entry.key.keyOrder(key)
            if order >= 0 { return finding(entry, exact: order == 0) }
            guard let next = try move(MDB_NEXT) else { return finding(nil) }
            entry = next
        }
        return try seek(key)
    }

    /// `find(ascending:)` by a search: the first entry at or after `key`.
    private func seek(_ key: UnsafeRawBufferPointer) throws(LMDBError) -> Entry? {
        let entry = try move(MDB_SET_RANGE, key: key)
        return finding(entry, exact: entry?.key.sameBytes(as: key) == true)
    }

    /// The answer of `find(ascending:)`, the cursor on `entry` (`nil`: past
    /// the last), which is the key's when `exact`.
    private func finding(_ entry: Entry?, exact: Bool = false) -> Entry? {
        guard let entry else {
            ascending = .end
            return nil
        }
        ascending = exact ? .on : .after(entry)
        return exact ? entry : nil
    }

    /// Entries ``find(ascending:)`` steps over before it seeks the key instead.
    static let stepsBeforeSeeking = 4

    /// The next value of the current key, or `nil` after its last.
    func nextDuplicate() throws(LMDBError) -> Entry? { try move(MDB_NEXT_DUP) }

    /// The first entry of the next key.
    func nextKey() throws(LMDBError) -> Entry? { try move(MDB_NEXT_NODUP) }

    /// Number of values of the current key.
    func duplicateCount() throws(LMDBError) -> Int {
        guard let handle else { preconditionFailure("cursor used after close") }
        var count = 0
        try LMDBError.check(mdb_cursor_count(handle, &count), "counting values in \(db.name)")
        return count
    }

    /// The first entry whose key is ≥ `key`.
    func seek(atOrAfter key: [UInt8]) throws -> Entry? {
        try key.withUnsafeBytes { k throws(LMDBError) in try move(MDB_SET_RANGE, key: k) }
    }

    /// Stores `value` under `key` and moves the cursor there. `append` tells
    /// LMDB the key sorts after every existing key: it then fills the last page
    /// instead of splitting it in half. With `duplicates` too (a table of sorted
    /// duplicates), the key is the last one and the value sorts after its values.
    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, append: Bool,
             duplicates: Bool = false) throws {
        guard let handle else { preconditionFailure("cursor used after close") }
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        let flags = append ? UInt32(duplicates ? MDB_APPENDDUP : MDB_APPEND) : 0
        ascending = .unknown
        try LMDBError.check(mdb_cursor_put(handle, &k, &v, flags), "writing \(db.name)")
    }
}
