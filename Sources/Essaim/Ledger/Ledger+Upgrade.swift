// Opening a ledger written by an earlier Essaim. The log's own upgrade (format 1
// to 2: record layout, stream and id indexes) is the event store's; the ledger
// gives it what only the domain knows (each record's stream, the sealing of
// personal data) and retires tables that later formats no longer keep.

extension Ledger {
    /// Tables earlier ledgers kept and this one no longer does: `projections`
    /// (format 1 kept every read model in it) and `catalogue` (the refusal
    /// rules' state, part of the `essaim.read-models` projection since its
    /// schema 3, which rebuilds it).
    static let retiredTables = ["projections", "catalogue"]

    /// Opens the log, upgrading a format-1 one in place (`txn` must then be a write).
    static func openLog(_ txn: Transaction, create: Bool, personalKeys: PersonalKeyStore) throws -> EventStore {
        try EventStore.open(
            in: txn, create: create, streamPrefixes: DomainEvent.streamPrefixes,
            stream: { record in try RecordedEvent(record).stream },
            reseal: { record in try record.resealed(keys: personalKeys.keys(txn)) })
    }

    /// Drops the ``retiredTables`` a ledger still has (a writable open).
    static func dropRetiredTables(_ txn: Transaction) throws {
        for name in retiredTables {
            if let table = try? txn.open(name, create: false) { try txn.drop(table, delete: true) }
        }
    }
}
