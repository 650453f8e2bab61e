import Crypto
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The keys that encrypt personal data, one per application, apart from the log.
///
/// Keys live in `keys.db` in the ledger directory: fixed 32-byte slots, written
/// in place. The `personal-keys` table of the ledger maps an application to its
/// slot and says whether it was erased. Erasing overwrites the slot with zeros
/// and syncs it before the erasure commits: no copy of the key is left in the
/// ledger's files (LMDB never holds key bytes, so its freed pages cannot either).
final class PersonalKeyStore: @unchecked Sendable {
    static let keyLength = 32
    private static let erasedState: UInt8 = 2
    private static let liveState: UInt8 = 1

    let path: String
    /// `nil` for a read-only open of a ledger that never held personal data.
    let index: Database?
    private let fd: Int32
    /// Set when a key was written or erased since the last ``sync()``.
    private var unsynced = false
    /// Keys of the open write transaction, by slot, not yet in the file:
    /// written with one `pwrite` per run of slots (an import creates a key per
    /// application) by ``sync()``, before the transaction commits. Readers
    /// of other transactions never name these slots; the lock only keeps their
    /// look-up apart from the writer's changes.
    private let staged = Mutex<[UInt32: [UInt8]]>([:])
    /// The index entries of one write into the empty index (a new ledger's
    /// first), held until ``putHeldEntries(_:)`` writes them in key order, each
    /// appended, so that the index's pages come out full (put one by one in the
    /// applications' order, they ended two-thirds full). Only that write's
    /// transaction sees them.
    private let held = Mutex<HeldEntries?>(nil)
    /// The transaction of ``held``, kept alive (and touched by its writer
    /// only) so that no later transaction can have its identity.
    private var holdingTransaction: Transaction?

    private struct HeldEntries {
        let txn: ObjectIdentifier
        /// By application (``IDMap``: `Dictionary`'s SipHash took a few percent of an import's appending thread).
        var entries = IDMap<(state: UInt8, slot: UInt32)>()
    }

    /// Opens (with `writable`, creates) the key file and the index table.
    init(directory: String, writable: Bool, _ txn: Transaction) throws {
        path = directory + "/keys.db"
        let flags = writable ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC
        fd = open(path, flags, 0o600)
        if fd < 0 && (writable || errno != ENOENT) {
            throw LedgerError(.unavailable, "cannot open the key store \(path): \(String(cString: strerror(errno)))")
        }
        let opened = Result { () throws(LMDBError) -> Database in try txn.open("personal-keys", create: writable) }
        switch opened {
        case let .success(table): index = table
        // A read-only open of a ledger that never held personal data.
        case let .failure(error) where error.code == .notFound: index = nil
        case let .failure(error): throw error
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The index, which only a writable open (where it always exists) changes.
    private var table: Database {
        guard let index else { preconditionFailure("the key index is written only by a writable open") }
        return index
    }

    private func entry(_ application: String, _ txn: Transaction) throws -> (state: UInt8, slot: UInt32)? {
        guard let index else { return nil }
        let id = ObjectIdentifier(txn)
        if let entry = held.withLock({ $0?.txn == id ? $0!.entries[application] : nil }) { return entry }
        return try txn.withValue(index, Array(application.utf8)) { bytes in
            guard let bytes, bytes.count == 5 else { return nil }
            return (bytes[0], UInt32(bytes[1]) << 24 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 8 | UInt32(bytes[4]))
        }
    }

    private func setEntry(_ application: String, state: UInt8, slot: UInt32, _ txn: Transaction) throws {
        let id = ObjectIdentifier(txn)
        let heldCount = held.withLock { held -> Int? in
            guard held?.txn == id else { return nil }
            held!.entries[application, default: (state, slot)] = (state, slot)
            return held!.entries.count
        }
        guard let heldCount else { return try txn.put(table, Array(application.utf8), Self.entryValue(state, slot)) }
        // Memory stays bounded: past the limit, the rest of the write goes one by one.
        if heldCount >= heldEntriesLimit { try putHeldEntries(txn) }
    }

    /// Most entries a write holds (about 40 MB): past it, they are put in the
    /// index and the write's later entries one by one.
    var heldEntriesLimit = 1 << 20

    private static func entryValue(_ state: UInt8, _ slot: UInt32) -> [UInt8] {
        var w = ByteWriter(capacity: 5)
        writeEntry(state, slot, to: &w)
        return w.bytes
    }

    /// An index entry's value: the state, then the slot (big-endian).
    private static func writeEntry(_ state: UInt8, _ slot: UInt32, to w: inout ByteWriter) {
        w.u8(state)
        w.u32(slot)
    }

    /// The index's entries, those `txn` holds included.
    private func entryCount(_ txn: Transaction) throws -> Int {
        let id = ObjectIdentifier(txn)
        return try txn.count(table) + held.withLock { $0?.txn == id ? $0!.entries.count : 0 }
    }

    /// Holds the index entries `txn` writes until ``putHeldEntries(_:)``, when
    /// the index is empty (else they are put one by one).
    func holdEntries(_ txn: Transaction) throws {
        let empty = try index.map { try txn.count($0) == 0 } ?? false
        let id = ObjectIdentifier(txn)
        held.withLock { $0 = empty ? HeldEntries(txn: id) : nil }
        holdingTransaction = empty ? txn : nil
    }

    /// Puts the entries `txn` held in the index, in key order, each appended;
    /// call before the transaction commits.
    func putHeldEntries(_ txn: Transaction) throws {
        let id = ObjectIdentifier(txn)
        let entries = held.withLock { held -> IDMap<(state: UInt8, slot: UInt32)>? in
            defer { held = nil }
            return held?.txn == id ? held!.entries : nil
        }
        holdingTransaction = nil
        guard let entries, !entries.isEmpty else { return }
        var sorted = ProjectionWriteBatch(records: entries.count)
        entries.forEach { application, entry in
            application.withUTF8Bytes { key in sorted.add(key: key) { Self.writeEntry(entry.state, entry.slot, to: &$0) } }
        }
        // The index was empty: every entry goes after the last.
        try txn.withCursor(table) { cursor in try sorted.forEachSorted { try cursor.put($0, $1, append: true) } }
    }

    private func readSlot(_ slot: UInt32) -> [UInt8]? {
        if let key = staged.withLock({ $0[slot] }) { return key }
        guard fd >= 0 else { return nil }
        var key = [UInt8](repeating: 0, count: Self.keyLength)
        let n = key.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Self.keyLength, off_t(slot) * off_t(Self.keyLength)) }
        // A zeroed slot is an erased key (also when the erasure did not commit).
        guard n == Self.keyLength, key.contains(where: { $0 != 0 }) else { return nil }
        return key
    }

    /// Keeps a new key for `slot` until ``sync()``, or until 4,096 are kept
    /// (written then, so a long import does not hold them all).
    private func stage(_ slot: UInt32, _ key: [UInt8]) throws {
        let count = staged.withLock { staged in
            staged[slot] = key
            return staged.count
        }
        unsynced = true
        if count >= 4_096 { try writeStaged() }
    }

    /// Writes the staged keys, one `pwrite` per run of consecutive slots.
    private func writeStaged() throws {
        let keys = staged.withLock { staged in
            defer { staged.removeAll() }
            return staged.sorted { $0.key < $1.key }
        }
        var start = 0
        while start < keys.count {
            var end = start + 1
            while end < keys.count && keys[end].key == keys[end - 1].key + 1 { end += 1 }
            // Appended key by key (a flattened sequence is copied a byte at a time).
            var run: [UInt8] = []
            run.reserveCapacity((end - start) * Self.keyLength)
            for (_, key) in keys[start..<end] { run.append(contentsOf: key) }
            try writeSlots(keys[start].key, run)
            start = end
        }
    }

    /// Writes `bytes` (whole keys) at `slot` and the slots after it.
    private func writeSlots(_ slot: UInt32, _ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes {
                pwrite(fd, $0.baseAddress! + written, bytes.count - written, off_t(slot) * off_t(Self.keyLength) + off_t(written))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw LedgerError(.storage, "cannot write the key store \(path): \(String(cString: strerror(errno)))")
            }
            written += n
        }
        unsynced = true
    }

    /// The application's key; with `create`, a new random one when it has none.
    /// `nil` when it was erased (or never had one and `create` is false).
    func key(for application: String, create: Bool, adopting newKey: [UInt8]? = nil, _ txn: Transaction) throws -> [UInt8]? {
        if let entry = try entry(application, txn) {
            return entry.state == Self.liveState ? readSlot(entry.slot) : nil
        }
        guard create else { return nil }
        let slot = UInt32(try entryCount(txn))
        let key = newKey ?? SecureRandom.bytes(Self.keyLength)
        try stage(slot, key)
        try setEntry(application, state: Self.liveState, slot: slot, txn)
        return key
    }

    /// Keeps `key` as the application's key, as another site created it (a
    /// replica of a shared log); nothing changes when the application has one or was erased.
    func install(_ key: [UInt8], for application: String, _ txn: Transaction) throws {
        guard key.count == Self.keyLength, try entry(application, txn) == nil else { return }
        let slot = UInt32(try entryCount(txn))
        try stage(slot, key)
        try setEntry(application, state: Self.liveState, slot: slot, txn)
    }

    /// Destroys the application's key (its slot overwritten with zeros).
    /// Returns `false` when there was nothing left to destroy.
    @discardableResult
    func erase(_ application: String, _ txn: Transaction) throws -> Bool {
        guard let entry = try entry(application, txn) else {
            // Never had personal data: remember the erasure so none is kept later.
            try setEntry(application, state: Self.erasedState, slot: .max, txn)
            return false
        }
        guard entry.state == Self.liveState else { return false }
        staged.withLock { _ = $0.removeValue(forKey: entry.slot) }
        try writeSlots(entry.slot, [UInt8](repeating: 0, count: Self.keyLength))
        try sync()
        try setEntry(application, state: Self.erasedState, slot: entry.slot, txn)
        return true
    }

    /// Whether the application's personal data was erased.
    func isErased(_ application: String, _ txn: Transaction) throws -> Bool {
        try entry(application, txn)?.state == Self.erasedState
    }

    /// Number of erased applications.
    func erasedCount(_ txn: Transaction) throws -> Int {
        guard let index else { return 0 }
        var count = 0
        try txn.withCursor(index) { cursor in
            var entry = try cursor.first()
            while let (_, value) = entry {
                if value.first == Self.erasedState { count += 1 }
                entry = try cursor.next()
            }
        }
        return count
    }

    /// Copies the key file (when there is one) to `target`, synced.
    func copy(to target: String) throws {
        try FileCopy.copy(path, to: target, ifPresent: true)
    }

    /// Makes the key file durable; called before the transaction that refers to
    /// its new or erased keys commits.
    func sync() throws {
        try writeStaged()
        guard unsynced else { return }
        guard fdatasync(fd) == 0 else {
            throw LedgerError(.storage, "cannot sync the key store \(path): \(String(cString: strerror(errno)))")
        }
        unsynced = false
    }

    /// Seals and opens personal data within one transaction.
    func keys(_ txn: Transaction) -> PersonalKeys { PersonalKeys(store: self, txn: txn) }
}

/// The key store seen from one transaction: AES-GCM with the application's key,
/// the application id as associated data (a sealed box cannot be moved to
/// another application).
struct PersonalKeys {
    let store: PersonalKeyStore
    let txn: Transaction
    /// The event's personal data sealed ahead under a key made for it (an import
    /// seals on its decoding thread): used when the application gets that key.
    var prepared: PreparedSeal?

    /// Encrypts `plaintext` for `application` (creating its key); nonce, ciphertext, tag.
    func seal(_ plaintext: [UInt8], for application: String) throws -> [UInt8] {
        let prepared = self.prepared.flatMap { $0.application == application && $0.plaintext == plaintext ? $0 : nil }
        guard let key = try store.key(for: application, create: true, adopting: prepared?.key, txn) else {
            // Erased before: nothing personal is kept for it any more.
            return []
        }
        // An application that already had a key (another site's) gets its data sealed with that one.
        if let prepared, prepared.key == key { return prepared.sealed }
        return try Self.seal(plaintext, for: application, key: key)
    }

    /// AES-GCM with a fresh nonce and the application id as associated data.
    static func seal(_ plaintext: [UInt8], for application: String, key: [UInt8]) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: SymmetricKey(data: key), nonce: try AES.GCM.Nonce(data: SecureRandom.bytes(12)),
                                   authenticating: Array(application.utf8))
        guard let combined = box.combined else { throw LedgerError(.storage, "AES-GCM gave no combined box") }
        return Array(combined)
    }

    /// Decrypts what ``seal(_:for:)`` wrote; `nil` when the key is gone (erased).
    func open(_ sealed: UnsafeRawBufferPointer, for application: String) throws -> [UInt8]? {
        try Self.open(sealed, for: application, key: try store.key(for: application, create: false, txn))
    }

    /// Decrypts `sealed` with `key`; `nil` when there is no key (erased) or nothing sealed.
    static func open(_ sealed: UnsafeRawBufferPointer, for application: String, key: [UInt8]?) throws -> [UInt8]? {
        guard !sealed.isEmpty, let key else { return nil }
        do {
            let box = try AES.GCM.SealedBox(combined: Array(sealed))
            return Array(try AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: Array(application.utf8)))
        } catch {
            throw LedgerError(.corrupt, "the personal data of application \(application) does not decrypt")
        }
    }
}

/// Personal data sealed before its event's turn to be stored, under a new key made
/// for it: off the appending thread, the encryption costs an import nothing. The
/// key is kept only if the application gets it as its first key when the event is
/// stored (``PersonalKeys/seal(_:for:)``); otherwise it is dropped unused.
struct PreparedSeal: Sendable {
    let application: String
    let plaintext: [UInt8]
    let key: [UInt8]
    let sealed: [UInt8]

    init(_ plaintext: [UInt8], for application: String) throws {
        self.application = application
        self.plaintext = plaintext
        key = SecureRandom.bytes(PersonalKeyStore.keyLength)
        sealed = try PersonalKeys.seal(plaintext, for: application, key: key)
    }
}
