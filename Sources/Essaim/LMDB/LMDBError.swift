import EssaimCLMDB

#if canImport(Glibc)
import Glibc
#endif

/// An error from the storage engine (LMDB) or the file system beneath it.
///
/// Raw `MDB_*` and `errno` codes are turned into this type in exactly one place,
/// ``LMDBError/check(_:_:)``; nothing above the LMDB layer sees an `Int32`.
struct LMDBError: Error, Sendable, CustomStringConvertible {
    /// A stable classification of storage errors.
    struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        var rawValue: String
        init(rawValue: String) { self.rawValue = rawValue }
        var description: String { rawValue }

        /// The memory map is full; handled inside ``Environment`` by growing the map.
        static let mapFull = Code(rawValue: "map-full")
        /// Another process grew the map; handled inside ``Environment``.
        static let mapResized = Code(rawValue: "map-resized")
        /// A key was not found.
        static let notFound = Code(rawValue: "not-found")
        /// The key exists already (with `MDB_NOOVERWRITE`) .
        static let keyExists = Code(rawValue: "key-exists")
        /// The files are not an LMDB environment, or are damaged.
        static let corrupt = Code(rawValue: "corrupt")
        /// The files were written by an incompatible LMDB version.
        static let versionMismatch = Code(rawValue: "version-mismatch")
        /// Too many readers, databases or dirty pages for the configured limits.
        static let limitReached = Code(rawValue: "limit-reached")
        /// The ledger's files or directory do not exist.
        static let missing = Code(rawValue: "missing")
        /// Permission denied, or a read-only file system.
        static let permissionDenied = Code(rawValue: "permission-denied")
        /// The disk or a file-size limit is exhausted.
        static let diskFull = Code(rawValue: "disk-full")
        /// The environment is locked by another process.
        static let busy = Code(rawValue: "busy")
        /// Any other error.
        static let other = Code(rawValue: "other")
    }

    /// What kind of failure this is.
    var code: Code
    /// The raw return code (an `MDB_*` value or an `errno`), for diagnostics.
    var status: Int32
    /// The operation that failed and LMDB's explanation.
    var message: String

    var description: String { message }

    /// Turns a non-zero LMDB return code into a thrown ``LMDBError``.
    @inline(__always)
    static func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
        if rc != 0 { throw LMDBError(status: rc, operation: operation()) }
    }

    init(status: Int32, operation: String) {
        self.status = status
        self.code = Self.classify(status)
        let explanation = String(cString: mdb_strerror(status))
        self.message = "\(operation): \(explanation)"
    }

    private static func classify(_ rc: Int32) -> Code {
        switch rc {
        case MDB_MAP_FULL: return .mapFull
        case MDB_MAP_RESIZED: return .mapResized
        case MDB_NOTFOUND: return .notFound
        case MDB_KEYEXIST: return .keyExists
        case MDB_INVALID, MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_BAD_TXN, MDB_BAD_VALSIZE: return .corrupt
        case MDB_VERSION_MISMATCH: return .versionMismatch
        case MDB_READERS_FULL, MDB_DBS_FULL, MDB_TXN_FULL, MDB_CURSOR_FULL, MDB_PAGE_FULL, MDB_TLS_FULL: return .limitReached
        case ENOENT, ENOTDIR: return .missing
        case EACCES, EPERM, EROFS: return .permissionDenied
        case ENOSPC, EFBIG, EDQUOT: return .diskFull
        case EAGAIN, EBUSY: return .busy
        default: return .other
        }
    }
}
