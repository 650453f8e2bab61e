/// The append-only log inside an LMDB environment: positions, streams, ids.
///
/// Tables (format 2):
/// - `meta`: the format-version record (`format` → u32).
/// - `events`: u64 position (big-endian) → ``EventRecord`` bytes.
/// - `ids`: 16-byte event id → position as 6 bytes big-endian (idempotency).
/// - `streams`: stream key → the u64 positions of its events, as sorted
///   duplicates: the n-th value is version n, and the count gives the head.
///   The key is the stream name with a common prefix (one of those the domain
///   names, `application-`, …) replaced by one byte; see ``streamKey(_:)``.
///
/// ``reading(_:)`` and ``Appender`` implement the ``EventLogReader`` and
/// ``EventLogAppender`` seam within one LMDB transaction.
///
/// Format 1 (the first ledgers) kept `streams` as name + version keys and a
/// `heads` table; a writable open upgrades it in place.
struct EventStore {
    /// The ledger format this code writes and reads.
    static let formatVersion: UInt32 = 2
    private static let formatKey = Array("format".utf8)

    let meta: Database
    let events: Database
    let ids: Database
    let streams: Database
    /// Stream-name prefixes stored as one byte (1, 2, …) in stream keys, as the
    /// domain gives them; never reordered. A name without one is stored as `0` + the name.
    let streamPrefixes: [String]
    /// The prefixes' UTF-8 bytes, for ``streamKey(_:)``.
    private let prefixBytes: [[UInt8]]
    /// Whether this open upgraded a format-1 ledger (whose catalogue and read
    /// models the ledger then rebuilds).
    var upgraded = false

    private init(meta: Database, events: Database, ids: Database, streams: Database, streamPrefixes: [String]) {
        self.meta = meta
        self.events = events
        self.ids = ids
        self.streams = streams
        self.streamPrefixes = streamPrefixes
        prefixBytes = streamPrefixes.map { Array($0.utf8) }
    }

    /// Opens the store's tables; with `create`, creates them and writes the format record.
    ///
    /// Throws `.foreign` when the environment lacks the tables or the record, and
    /// `.newerFormat` when the record names a format newer than ``formatVersion``.
    /// A format-1 ledger is upgraded when `txn` is a write transaction, else
    /// refused with `.staleReadModels` (any writing command upgrades it).
    /// `stream` gives a record's stream (the domain derives it from the data) and
    /// `reseal` its data in today's schema, for the upgrade.
    static func open(in txn: Transaction, create: Bool, streamPrefixes: [String],
                     stream: (EventRecord) throws -> String, reseal: (EventRecord) throws -> EventRecord) throws -> EventStore {
        func table(_ name: String, sortedDuplicates: Bool = false) throws -> Database {
            let result = Result { () throws(LMDBError) -> Database in
                try txn.open(name, create: create, sortedDuplicates: sortedDuplicates)
            }
            if case let .failure(error) = result, error.code == .notFound || error.code == .corrupt {
                throw LedgerError(.foreign, "not an Essaim ledger (no \(name) table)", underlying: error)
            }
            return try result.get()
        }
        let meta = try table("meta")
        if create {
            var w = ByteWriter()
            w.u32(formatVersion)
            try txn.put(meta, formatKey, w.bytes)
        }
        guard let raw = try txn.get(meta, formatKey), raw.count == 4 else {
            throw LedgerError(.foreign, "not an Essaim ledger (no format record)")
        }
        let version = raw.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        if version > formatVersion {
            throw LedgerError(.newerFormat, "ledger format \(version) is newer than this Essaim understands (\(formatVersion)); upgrade Essaim")
        }
        let events = try table("events"), ids = try table("ids")
        if version == 1 {
            guard txn.isWrite else {
                throw LedgerError(.staleReadModels, "the ledger was written by an earlier Essaim (format 1); run `essaim replay` once to upgrade it")
            }
            return try upgradeFromFormat1(txn, meta: meta, events: events, ids: ids, streamPrefixes: streamPrefixes,
                                          stream: stream, reseal: reseal)
        }
        return EventStore(meta: meta, events: events, ids: ids, streams: try table("streams", sortedDuplicates: true),
                          streamPrefixes: streamPrefixes)
    }

    /// Format 1 → 2: re-files every record in layout 2 and seals it into the
    /// integrity chain (its data bytes unchanged: JSON, schema 1, upcast on read;
    /// except personal data, which `reseal` encrypts),
    /// rebuilds the stream index as sorted duplicates and the id index with
    /// 6-byte positions (streams are derived from each event), and removes the
    /// `heads` table.
    private static func upgradeFromFormat1(_ txn: Transaction, meta: Database, events: Database, ids: Database,
                                           streamPrefixes: [String], stream: (EventRecord) throws -> String,
                                           reseal: (EventRecord) throws -> EventRecord) throws -> EventStore {
        for old in ["streams", "heads"] {
            if let table = try? txn.open(old, create: false) { try txn.drop(table, delete: true) }
        }
        let store = EventStore(meta: meta, events: events, ids: ids,
                               streams: try txn.open("streams", create: true, sortedDuplicates: true), streamPrefixes: streamPrefixes)
        let log = store.reading(txn)
        try txn.drop(ids)
        var previous = EventRecord.chainStart
        var next: UInt64 = 1
        let head = try log.head()
        // In runs, so that no cursor walks a table being rewritten under it.
        while next <= head {
            var run: [EventRecord] = []
            try log.forEachRecord(from: next, through: next + 9_999) { record in
                run.append(record)
                return true
            }
            for stored in run {
                var record = try reseal(stored)
                let key = ByteWriter.key(record.position)
                record.recordedAt = Instant(microseconds: record.recordedAt.microseconds / 1_000 * 1_000)
                let (bytes, hash) = record.sealed(after: previous)
                previous = hash
                try txn.put(events, key, bytes)
                try txn.put(store.streams, store.streamKey(try stream(record)), key, append: true, duplicates: true)
                try txn.put(ids, record.id.bytes, idValue(record.position))
            }
            next += 10_000
        }
        var w = ByteWriter()
        w.u32(formatVersion)
        try txn.put(meta, formatKey, w.bytes)
        var upgraded = store
        upgraded.upgraded = true
        return upgraded
    }

    private static let sharedLogKey = Array("shared-log".utf8)

    /// The id of the shared log this ledger is a replica of, or `nil` for a
    /// single-machine ledger.
    func sharedLogID(_ txn: Transaction) throws -> String? {
        try txn.withValue(meta, Self.sharedLogKey) { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Makes this ledger a replica of the shared log `id`.
    func setSharedLogID(_ id: String, _ txn: Transaction) throws {
        try txn.put(meta, Self.sharedLogKey, Array(id.utf8))
    }

    /// The `streams` key of a stream name (two per appended event: its version, then its entry).
    func streamKey(_ stream: String) -> [UInt8] {
        var name = stream
        let key = name.withUTF8 { bytes -> [UInt8]? in
            for (index, prefix) in prefixBytes.enumerated() where bytes.starts(with: prefix) {
                // `hasPrefix` compares characters: past the prefix, an ASCII byte
                // (or nothing) starts a new one, so the bytes decide alike. A
                // combining mark there would join the prefix's last character.
                guard bytes.count == prefix.count || bytes[prefix.count] < 0x80 else { return nil }
                return [UInt8](unsafeUninitializedCapacity: 1 + bytes.count - prefix.count) { key, count in
                    key[0] = UInt8(index + 1)
                    _ = UnsafeMutableBufferPointer(rebasing: key[1...]).initialize(from: bytes[prefix.count...])
                    count = 1 + bytes.count - prefix.count
                }
            }
            return nil
        }
        return key ?? characterKey(stream)
    }

    /// ``streamKey(_:)`` by characters, as ledgers have always stored it.
    private func characterKey(_ stream: String) -> [UInt8] {
        for (index, prefix) in streamPrefixes.enumerated() where stream.hasPrefix(prefix) {
            return [UInt8(index + 1)] + stream.utf8.dropFirst(prefix.utf8.count)
        }
        return [0] + Array(stream.utf8)
    }

    /// The stream name of a `streams` key.
    func streamName(_ key: UnsafeRawBufferPointer) -> String {
        guard let first = key.first else { return "" }
        let rest = String(decoding: key.dropFirst(), as: UTF8.self)
        return first == 0 || Int(first) > streamPrefixes.count ? rest : streamPrefixes[Int(first) - 1] + rest
    }

    /// The `ids` value of `position` (6 bytes big-endian).
    static func idValue(_ position: UInt64) -> ArraySlice<UInt8> { ByteWriter.key(position).dropFirst(2) }

    /// Calls `body` with the `ids` key of `id` (its 16 bytes) and the value of
    /// `position`, both on the stack: a large write puts a million of them.
    static func withIDEntry<R>(_ id: EventID, at position: UInt64,
                               _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let (high, low) = id.halves
        return try withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { key in
            try withUnsafeBytes(of: position.bigEndian) { value in
                try body(key, UnsafeRawBufferPointer(rebasing: value[2...]))
            }
        }
    }

    /// The position in an `ids` value (6 bytes big-endian).
    static func position(ofIDValue bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count == 6 else { return nil }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The log as one transaction sees it.
    func reading(_ txn: Transaction) -> Reader { Reader(store: self, txn: txn) }

    /// The log within one LMDB transaction (``EventLogReader``).
    struct Reader: EventLogReader {
        let store: EventStore
        let txn: Transaction

        /// The last position in the log (0 when empty).
        func head() throws -> UInt64 {
            try txn.withCursor(store.events) { cursor in
                guard let last = try cursor.last() else { return 0 }
                return ByteReader.u64(last.key) ?? 0
            }
        }

        /// The last version of `stream`, or `nil` when the stream has no event.
        func version(ofStream stream: String) throws -> UInt64? {
            try version(ofStreamKey: store.streamKey(stream))
        }

        /// ``version(ofStream:)`` of a stream's key (``streamKey(_:)``).
        func version(ofStreamKey key: [UInt8]) throws -> UInt64? {
            try txn.withCursor(store.streams) { cursor in
                guard try cursor.find(key) != nil else { return nil }
                return UInt64(try cursor.duplicateCount() - 1)
            }
        }

        /// The position of the event with `id`, or `nil`.
        func position(of id: EventID) throws -> UInt64? {
            try txn.withValue(store.ids, id.bytes) { $0.flatMap(EventStore.position(ofIDValue:)) }
        }

        /// The stored chain hash of the event at `position`.
        func chainHash(at position: UInt64) throws -> [UInt8] {
            try txn.withValue(store.events, ByteWriter.key(position)) { bytes in
                guard let bytes, let hash = try EventRecord.view(bytes, position: position).hash else {
                    throw LedgerError(.corrupt, "event at position \(position) has no integrity hash")
                }
                return Array(hash)
            }
        }

        /// The record at `position`, or `nil`.
        func record(at position: UInt64) throws -> EventRecord? {
            try txn.withValue(store.events, ByteWriter.key(position)) { bytes in
                try bytes.map { try EventRecord.decode($0, position: position) }
            }
        }

        /// Scans the `events` table from `start`, letting go of the pages it has read.
        func forEachStored(from start: UInt64, through end: UInt64,
                           _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool) throws {
            try txn.withCursor(store.events) { cursor in
                var entry = try cursor.seek(atOrAfter: ByteWriter.key(max(start, 1)))
                while let (key, value) = entry {
                    guard let position = ByteReader.u64(key) else { throw LedgerError(.corrupt, "event key of \(key.count) bytes") }
                    if position > end { return }
                    if try !body(position, value) { return }
                    // A scan touches every page of the log once: let go of them as it goes.
                    if position % 65_536 == 0 { txn.releaseMappedPages() }
                    entry = try cursor.next()
                }
            }
        }

        /// Positions of the events of `stream`, in version order.
        func positions(ofStream stream: String) throws -> [UInt64] {
            var out: [UInt64] = []
            try txn.withCursor(store.streams) { cursor in
                var entry = try cursor.find(store.streamKey(stream))
                while let (_, value) = entry {
                    guard let position = ByteReader.u64(value) else { throw LedgerError(.corrupt, "stream \(stream) holds a bad position") }
                    out.append(position)
                    entry = try cursor.nextDuplicate()
                }
            }
            return out
        }

        /// Calls `body` with each stream's name and number of events, in name order.
        func forEachStream(_ body: (String, Int) throws -> Void) throws {
            try txn.withCursor(store.streams) { cursor in
                var entry = try cursor.first()
                while let (key, _) = entry {
                    try body(store.streamName(key), try cursor.duplicateCount())
                    entry = try cursor.nextKey()
                }
            }
        }

        func idCount() throws -> Int { try txn.count(store.ids) }
    }

    /// Appends within one write transaction, keeping the next position in hand
    /// (``EventLogAppender``).
    struct Appender: EventLogAppender, ReadingThrough {
        let log: Reader
        var base: Reader { log }
        let recordedAt: Instant
        private(set) var nextPosition: UInt64
        /// The chain hash of the last event stored.
        private(set) var previousHash: [UInt8]
        /// The stored bytes of the last record appended (what a shared log stores too).
        private(set) var lastStored: [UInt8] = []
        /// The id ``claim(_:)`` filed for the record appended next.
        private var claimed: EventID?
        /// Claims put in the id index one by one so far.
        private var claims = 0
        /// The ids of a large write into a small log, with the few the index
        /// had, held to be put in the id index at ``finish()``, all appended;
        /// `nil` for any other write. Past ``heldIDsLimit`` they are put, and
        /// the ids after them held anew, to be put among those in the index.
        private var heldIDs: PendingIDs?
        /// Once ids held by this write were put in the index, before the ones
        /// held now: each id put (every id the index has, since those it had
        /// were held first), so that an id the filter has not seen is known
        /// to be new without searching the index.
        private var putIDs: IDFilter?
        /// The same write's stream index entries, held alike (set with
        /// ``heldIDs``, held anew after each batch). While they are held,
        /// ``forEachStream(_:)`` and ``idCount()`` read the indexes as stored.
        private var heldStreams: PendingStreams?
        /// Whether this write may still hold its entries: until it turns large
        /// (then it holds them, or the log is too large), or has put what it held.
        private var mayHold = true
        /// Most ids and stream entries held at once (about 80 MB with their
        /// tables). Past it, both go in their indexes and the next ones are
        /// held anew: an id is then also searched for in the index when the
        /// filter of those put may have it, a stream's count read from the
        /// index when the batch first names it.
        var heldIDsLimit = 3 << 19
        /// About how many records the write appends, when said (``expect(records:)``).
        private var expected: Int?

        /// A write turns large past this many claims.
        static let claimsPutAtOnce = 4_096

        init(store: EventStore, txn: Transaction) throws {
            precondition(txn.isWrite, "appending needs the write transaction")
            log = store.reading(txn)
            // Stored in milliseconds: the value every later reader sees.
            recordedAt = Instant(microseconds: Instant.now().microseconds / 1_000 * 1_000)
            let head = try log.head()
            nextPosition = head + 1
            previousHash = try head == 0 ? EventRecord.chainStart : log.chainHash(at: head)
        }

        func head() throws -> UInt64 { nextPosition - 1 }

        /// Personal-data keys stay in the ledger's key store.
        var keepsKeys: Bool { false }
        func keepKey(_ key: [UInt8], for application: String, createdAt position: UInt64) throws {}
        func eraseKey(for application: String) throws {}

        mutating func claim(_ id: EventID) throws -> UInt64? {
            if mayHold && claims == Self.claimsPutAtOnce {
                // Large: into indexes this small (a new ledger's, one id and one
                // stream entry per record), its entries can all be appended at
                // the end, the indexes' pages full, if they fit.
                mayHold = false
                if let expected, case let storedIDs = try log.idCount(), storedIDs <= 2 * Self.claimsPutAtOnce {
                    heldIDs = try heldIDsWithStored(capacity: min(expected, heldIDsLimit) + storedIDs)
                    var streams = PendingStreams(from: nextPosition, capacity: min(expected, heldIDsLimit), loaded: true)
                    // The few streams the index has, with their counts: every stream is then found in memory.
                    try log.forEachStream { streams.load($0, records: $1) }
                    heldStreams = streams
                    // Past the ids it holds, it reads at random what it
                    // wrote, the pages of this first batch too: keep them mapped.
                    if expected > heldIDsLimit { log.txn.endReleasingMappedPages() }
                } else {
                    // Each id and stream entry is searched for and put in
                    // the indexes from here on, at random in what it wrote.
                    readingAtRandom()
                }
            }
            // (The count read through the optional: a copy bound here would
            // make the sort at ``finish()`` copy every id.)
            if heldIDs?.count ?? 0 >= heldIDsLimit {
                // Every id held has its record appended: put them and the
                // stream entries, then hold the next ones anew. The write now
                // reads the indexes it wrote, at random.
                try putHeld(continuing: true)
                heldIDs = PendingIDs(capacity: heldIDsLimit)
                heldStreams = PendingStreams(from: nextPosition, capacity: heldIDsLimit, loaded: false)
                readingAtRandom()
            }
            guard heldIDs != nil else {
                claims += 1
                let found = try log.txn.insert(log.store.ids, id.bytes, EventStore.idValue(nextPosition),
                                               existing: EventStore.position(ofIDValue:))
                guard let found else {
                    claimed = id
                    return nil
                }
                guard let position = found else { throw LedgerError(.corrupt, "id \(id) has a malformed entry in the id index") }
                return position
            }
            if let position = try position(of: id) { return position }
            heldIDs!.add(id, at: nextPosition)
            claimed = id
            return nil
        }

        /// The buckets of the id and the stream among those held, when this
        /// write holds them (what is in the indexes is searched there, and
        /// not loaded ahead).
        mutating func prefetchAppend(id: EventID?, streamHash: UInt32) {
            if let id { heldIDs?.prefetch(id) }
            heldStreams?.prefetch(hash: streamHash)
        }

        mutating func expect(records: Int) { expected = records }

        /// The position of `id`: held by this write, or in the index. While the
        /// first ids are held, every id is (those the index had are loaded at
        /// the start); once some were put, the index is searched too, for an
        /// id the filter of those put may have.
        func position(of id: EventID) throws -> UInt64? {
            if let heldIDs {
                if let position = heldIDs.position(of: id) { return position }
                guard let putIDs, putIDs.mayContain(id) else { return nil }
            }
            return try log.position(of: id)
        }

        /// Ids held from now on (room for `capacity`, those of the index
        /// included), starting with the few the index has: the write
        /// then finds every id in memory, and ``finish()`` writes
        /// the index anew from them.
        private func heldIDsWithStored(capacity: Int) throws -> PendingIDs {
            var ids = PendingIDs(capacity: capacity)
            try log.txn.withCursor(log.store.ids) { cursor in
                var entry = try cursor.first()
                while let (key, value) = entry {
                    guard let id = EventID(bytes: key), let position = EventStore.position(ofIDValue: value) else {
                        throw LedgerError(.corrupt, "the id index has a malformed entry")
                    }
                    ids.add(id, at: position)
                    entry = try cursor.next()
                }
            }
            return ids
        }

        /// Files `id` at `position` in the id index, or with the ids held.
        private mutating func file(_ id: EventID, at position: UInt64) throws {
            if heldIDs != nil { return heldIDs!.add(id, at: position) }
            try log.txn.put(log.store.ids, id.bytes, EventStore.idValue(position))
        }

        /// The last version of `stream`, counting the records this write holds.
        /// While the first batch is held, every stream the index has is known
        /// here; in a later one, a stream it has not named is read from the index.
        func version(ofStream stream: String) throws -> UInt64? {
            guard let heldStreams, let records = heldStreams.records(of: stream) ?? (heldStreams.loaded ? 0 : nil) else {
                return try log.version(ofStream: stream)
            }
            return records == 0 ? nil : records - 1
        }

        /// The positions of `stream`'s records, stored and held.
        func positions(ofStream stream: String) throws -> [UInt64] {
            try log.positions(ofStream: stream) + (heldStreams?.positions(of: stream) ?? [])
        }

        /// From here on the write reads at random the pages it wrote (the
        /// indexes it put): the map's readahead and its mapped pages are then
        /// worth keeping (see ``Transaction/fillUnusedPages()`` and
        /// ``Transaction/keepMappedPagesReleased()``).
        private func readingAtRandom() {
            log.txn.endFillingUnusedPages()
            log.txn.endReleasingMappedPages()
        }

        /// Puts the entries held in the indexes: each is emptied and written
        /// anew with them and the few it had, all in key order, each appended.
        /// (Inserted in order among others, each page would split and stay
        /// half-full.) Entries held after a first batch was put go in among
        /// those, in key order. Each is freed once written.
        mutating func finish() throws { try putHeld(continuing: false) }

        /// ``finish()``, or a batch's end when the write `continuing` holds
        /// the next ids anew (then the ids put are kept in ``putIDs``).
        private mutating func putHeld(continuing: Bool) throws {
            if let ids = heldIDs.take() {
                var filter = continuing ? putIDs ?? IDFilter(capacity: max(expected ?? 0, ids.count)) : nil
                // After a first batch, in key order among those put: each page of the index is visited once, in order.
                let among = putIDs != nil
                let txn = log.txn, index = log.store.ids
                // The first batch includes the ids the index had (``heldIDsWithStored(capacity:)``).
                if !among { try txn.drop(index) }
                var held = consume ids
                try txn.withCursor(index) { cursor in
                    try held.sortedForEach { id, position in
                        filter?.insert(id)
                        try EventStore.withIDEntry(id, at: position) { key, value in try cursor.put(key, value, append: !among) }
                    }
                }
                putIDs = filter
            }
            if let streams = heldStreams.take() { try put(streams) }
        }

        private func put(_ streams: consuming PendingStreams) throws {
            let txn = log.txn, index = log.store.streams
            // The few entries stored before the write (each stream's positions,
            // 8 bytes each) when the index is written anew: after a first
            // batch, the entries go in among those.
            var stored: [[UInt8]: [UInt8]] = [:]
            let among = !streams.loaded
            if !among {
                try txn.withCursor(index) { cursor in
                    var entry = try cursor.first()
                    while let (key, value) = entry {
                        stored[Array(key), default: []].append(contentsOf: value)
                        entry = try cursor.next()
                    }
                }
            }
            var all = ProjectionWriteBatch(records: streams.streamCount + stored.count)
            streams.forEachStream { stream, positions in
                let key = log.store.streamKey(stream)
                // A stored record comes before every held one.
                let before = stored.isEmpty ? nil : stored.removeValue(forKey: key)
                key.withUnsafeBytes { key in
                    all.add(key: key) { value in
                        if let before { value.raw(before) }
                        for position in positions { value.u64(position) }
                    }
                }
            }
            for (key, positions) in stored {
                key.withUnsafeBytes { key in all.add(key: key) { $0.raw(positions) } }
            }
            if !among { try txn.drop(index) }
            try txn.withCursor(index) { cursor in
                try all.forEachSorted { key, positions in
                    for offset in stride(from: 0, to: positions.count, by: 8) {
                        // Into an index written anew, the first after the last
                        // key, the others after the key's own.
                        try cursor.put(key, UnsafeRawBufferPointer(rebasing: positions[offset ..< offset + 8]),
                                       append: !among, duplicates: offset > 0)
                    }
                }
            }
        }

        /// Where a record's stream entry goes: under its key in the index, or held.
        private enum StreamEntry {
            case key([UInt8])
            case held(slot: Int)
        }

        /// Where the next record of `stream` is filed, and the stream's last version.
        private mutating func stream(_ stream: String) throws -> (entry: StreamEntry, version: UInt64?) {
            guard heldStreams != nil else {
                let key = log.store.streamKey(stream)
                return (.key(key), try log.version(ofStreamKey: key))
            }
            let (slot, records) = try heldStreams!.slot(of: stream) { try log.version(ofStream: stream).map { $0 + 1 } ?? 0 }
            return (.held(slot: slot), records == 0 ? nil : records - 1)
        }

        /// Files the record at `position` (under `positionKey`) in its stream.
        private mutating func file(_ entry: StreamEntry, _ position: UInt64, _ positionKey: [UInt8]) throws {
            switch entry {
            case .key(let key): try log.txn.put(log.store.streams, key, positionKey, append: true, duplicates: true)
            case .held(let slot): heldStreams!.add(slot, at: position)
            }
        }

        mutating func append(_ record: consuming EventRecord, checkVersion: (UInt64?) throws -> Void) throws -> EventRecord {
            let store = log.store, txn = log.txn
            let (entry, current) = try stream(record.stream)
            try checkVersion(current)
            var stored = consume record
            stored.position = nextPosition
            stored.version = current.map { $0 + 1 } ?? 0
            stored.recordedAt = recordedAt
            let positionKey = ByteWriter.key(stored.position)
            let (bytes, hash) = stored.sealed(after: previousHash)
            try txn.put(store.events, positionKey, bytes, append: true)
            previousHash = hash
            lastStored = bytes
            if claimed != stored.id { try file(stored.id, at: stored.position) }
            claimed = nil
            try file(entry, stored.position, positionKey)
            nextPosition += 1
            return stored
        }

        /// Files a record sealed elsewhere (by another site, in a shared log) as
        /// it is: it must be at the next position, follow the chain from the
        /// previous record, and be at the next version of `stream`.
        /// `view` is `bytes` parsed; `stream` comes from the domain.
        mutating func appendSealed(_ bytes: [UInt8], view: EventRecord.View, position: UInt64, stream: String) throws {
            let store = log.store, txn = log.txn
            guard position == nextPosition else {
                throw LedgerError(.corrupt, "the log has a hole: position \(nextPosition) is missing (next is \(position))")
            }
            let hash = EventRecord.chainHash(previous: previousHash, body: view.body)
            guard let stored = view.hash, stored.elementsEqual(hash) else {
                throw LedgerError(.corrupt, "the event at position \(position) does not follow from the one before it (integrity hash mismatch)")
            }
            let id = view.id, version = view.version
            let (entry, current) = try self.stream(stream)
            guard version == current.map({ $0 + 1 }) ?? 0 else {
                throw LedgerError(.corrupt, "the event at position \(position) has version \(version) in \(stream), expected \(current.map { $0 + 1 } ?? 0)")
            }
            let positionKey = ByteWriter.key(position)
            try txn.put(store.events, positionKey, bytes, append: true)
            try file(id, at: position)
            try file(entry, position, positionKey)
            previousHash = hash
            nextPosition += 1
        }
    }
}
