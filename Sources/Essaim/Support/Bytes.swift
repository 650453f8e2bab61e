#if canImport(Glibc)
import Glibc
#endif

/// Appends fixed-width big-endian integers and length-prefixed strings to a buffer.
///
/// Big-endian so that encoded integers used as LMDB keys sort in numeric order.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    /// Forgets the bytes written, keeping their room.
    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }

    // Big-endian, appended at once rather than a byte at a time.
    mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.bigEndian) { append($0) }
    }

    mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.bigEndian) { append($0) }
    }

    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    mutating func raw<C: Collection<UInt8>>(_ data: C) { bytes.append(contentsOf: data) }

    /// A string's UTF-8 bytes, without a length (a key's last part): copied at
    /// once rather than a code unit at a time.
    mutating func utf8(_ s: String) {
        s.withUTF8Bytes { append($0) }
    }

    /// Raw bytes, appended as typed ones: through the generic
    /// `append(contentsOf:)`, raw bytes take more instructions around the
    /// same copy (a replay's folding thread, 0.5 % more).
    private mutating func append(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw.assumingMemoryBound(to: UInt8.self))
    }

    /// A string with a 32-bit length prefix.
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        u32(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// A byte blob with a 32-bit length prefix.
    mutating func blob(_ data: [UInt8]) {
        u32(UInt32(data.count))
        bytes.append(contentsOf: data)
    }

    static func key(_ v: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: 8)
        writer.u64(v)
        return writer.bytes
    }

    // MARK: Compact encoding (stored records, not keys)

    /// An unsigned LEB128 integer: 7 bits per byte, low bits first.
    @inline(__always)
    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A signed integer, zigzag-mapped so small magnitudes stay short.
    @inline(__always)
    mutating func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    /// A string with a varint length prefix.
    ///
    /// A string of up to 15 bytes (most ids) is written from its own two
    /// words (``Swift/String/smallUTF8``), its length (one varint byte)
    /// shifted in before them: one append of at most 16 bytes rather than
    /// two, without copying the words aside first.
    mutating func text(_ s: String) {
        if let (low, high, count) = s.smallUTF8 {
            var words = (UInt64(count) | low << 8, low >> 56 | high << 8)
            withUnsafeBytes(of: &words) { append(UnsafeRawBufferPointer(start: $0.baseAddress, count: count + 1)) }
            return
        }
        s.withUTF8Bytes { text in
            varint(UInt64(text.count))
            append(text)
        }
    }

    /// A list of strings: a varint count, then each string.
    mutating func texts(_ items: [String]) {
        varint(UInt64(items.count))
        for item in items { text(item) }
    }

    /// Bytes with a varint length prefix.
    mutating func bytesWithLength<C: Collection<UInt8>>(_ data: C) {
        varint(UInt64(data.count))
        bytes.append(contentsOf: data)
    }
}

/// Reads what ``ByteWriter`` wrote; every read is bounds-checked and throws on truncation.
struct ByteReader {
    /// A record ended before a field it announced.
    struct Truncated: Error {}

    private let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    // The readers below run for every field of every record a replay
    // decodes; inlined, each is a bounds check and a load.
    @inline(__always)
    private mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= bytes.count - offset else { throw Truncated() }
        defer { offset += n }
        return UnsafeRawBufferPointer(start: bytes.baseAddress.map { $0 + offset }, count: n)
    }

    @inline(__always)
    mutating func u8() throws -> UInt8 {
        guard offset < bytes.count else { throw Truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws -> UInt16 {
        let b = try take(2)
        return UInt16(b[0]) << 8 | UInt16(b[1])
    }

    mutating func u32() throws -> UInt32 {
        UInt32(bigEndian: try take(4).loadUnaligned(as: UInt32.self))
    }

    mutating func u64() throws -> UInt64 {
        UInt64(bigEndian: try take(8).loadUnaligned(as: UInt64.self))
    }

    mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }

    mutating func raw(_ n: Int) throws -> [UInt8] { Array(try take(n)) }

    /// The next `n` bytes, valid while the buffer is.
    @inline(__always)
    mutating func slice(_ n: Int) throws -> UnsafeRawBufferPointer { try take(n) }

    mutating func string() throws -> String {
        let n = Int(try u32())
        return String(utf8: try take(n))
    }

    // MARK: Compact encoding

    /// Reads what ``ByteWriter/varint(_:)`` wrote; refuses more than ten bytes.
    @inline(__always)
    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else { throw Truncated() }
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    /// A varint that must fit an `Int` (a length or a count).
    @inline(__always)
    mutating func count() throws -> Int {
        let n = try varint()
        guard n <= UInt64(bytes.count - offset) else { throw Truncated() }
        return Int(n)
    }

    @inline(__always)
    mutating func zigzag() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    @inline(__always)
    mutating func text() throws -> String {
        String(utf8: try take(try count()))
    }

    mutating func texts() throws -> [String] {
        let n = try count()
        var items: [String] = []
        items.reserveCapacity(n)
        for _ in 0..<n { items.append(try text()) }
        return items
    }

    /// Bytes written by ``ByteWriter/bytesWithLength(_:)``, valid while the buffer is.
    @inline(__always)
    mutating func bytesWithLength() throws -> UnsafeRawBufferPointer { try take(try count()) }

    /// The big-endian integer that `bytes` are, exactly 8 of them (a
    /// position key), read as ``u64()`` reads one.
    static func u64(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count == 8 else { return nil }
        var reader = ByteReader(bytes)
        return try? reader.u64()
    }
}

// MARK: Optional values and lists (stored records)

extension ByteWriter {
    /// An optional string: `u8 0`, or `u8 1` and the string.
    mutating func optionalText(_ s: String?) {
        if let s { u8(1); text(s) } else { u8(0) }
    }

    /// An optional boolean: `u8 0` absent, `1` false, `2` true.
    mutating func optionalBool(_ v: Bool?) { u8(v.map { $0 ? 2 : 1 } ?? 0) }

    /// An optional signed integer: `u8 0`, or `u8 1` and its zigzag varint.
    mutating func optionalZigzag(_ v: Int64?) {
        if let v { u8(1); zigzag(v) } else { u8(0) }
    }
}

extension ByteReader {
    mutating func optionalText() throws -> String? { try u8() == 0 ? nil : try text() }

    mutating func optionalZigzag() throws -> Int64? { try u8() == 0 ? nil : try zigzag() }

    mutating func optionalBool() throws -> Bool? {
        switch try u8() {
        case 0: nil
        case 1: false
        case 2: true
        default: throw Truncated()
        }
    }

    /// A list: a varint count, then each element.
    mutating func list<T>(_ element: (inout ByteReader) throws -> T) throws -> [T] {
        let n = try count()
        var items: [T] = []
        items.reserveCapacity(n)
        for _ in 0..<n { items.append(try element(&self)) }
        return items
    }
}

extension String {
    /// Calls `body` with the string's UTF-8 bytes: in place when the string
    /// keeps them contiguous (a native string), else copied once, so the same
    /// content always gives the same bytes.
    @inline(__always)
    func withUTF8Bytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let (low, high, count) = smallUTF8 {
            var words = (low, high)
            return try withUnsafeBytes(of: &words) { try body(UnsafeRawBufferPointer(start: $0.baseAddress, count: count)) }
        }
        if let result = try utf8.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) { return result }
        return try Array(utf8).withUnsafeBytes(body)
    }

    /// The string of the UTF-8 in `bytes`, as `String(decoding:as:)` makes
    /// it (invalid sequences repaired).
    ///
    /// That call validates the bytes through the standard library's generic
    /// paths: about 200 instructions for a short id. At most 15 bytes of
    /// ASCII, which need no validating, are put straight into the string's
    /// two words as the standard library lays out a small string (the
    /// layout ``smallUTF8`` reads: bits 63, 62 and 61 set for an immortal,
    /// ASCII, small string, the count below them); tests check the result
    /// against `String(decoding:as:)` for every length.
    @inline(__always)
    init(utf8 bytes: UnsafeRawBufferPointer) {
        #if (arch(x86_64) || arch(arm64)) && _endian(little)
        if bytes.count <= 15 {
            var words: (UInt64, UInt64) = (0, 0)
            if let start = bytes.baseAddress { withUnsafeMutableBytes(of: &words) { $0.baseAddress!.copyMemory(from: start, byteCount: bytes.count) } }
            if (words.0 | words.1) & 0x8080_8080_8080_8080 == 0 {
                words.1 |= (0xE0 | UInt64(bytes.count)) << 56
                self = unsafeBitCast(words, to: String.self)
                return
            }
        }
        #endif
        self = String(decoding: bytes, as: UTF8.self)
    }

    /// The UTF-8 bytes of a string of at most 15 of them, as the string keeps
    /// them in itself (a "small" string): the first 8 in `low`, the others in
    /// `high`, in order from the lowest byte; `nil` for any other string.
    ///
    /// Reaching them through `utf8` copies them out through the standard
    /// library's generic paths (about 80 instructions). This reads the
    /// string's two words (`_StringObject` on 64-bit platforms: a small
    /// string's bytes, then its count in the low nibble of the top byte, bit
    /// 61 telling it is small); tests check it against `utf8` for every length.
    @inline(__always)
    var smallUTF8: (low: UInt64, high: UInt64, count: Int)? {
        #if (arch(x86_64) || arch(arm64)) && _endian(little)
        let (low, high) = unsafeBitCast(self, to: (UInt64, UInt64).self)
        guard high & (1 << 61) != 0 else { return nil }
        return (low, high & 0x00FF_FFFF_FFFF_FFFF, Int(truncatingIfNeeded: high >> 56) & 0xF)
        #else
        return nil
        #endif
    }
}

extension UnsafeRawBufferPointer {
    /// Whether `other` holds the same bytes (one `memcmp`, not a byte at a time).
    func sameBytes(as other: UnsafeRawBufferPointer) -> Bool {
        count == other.count && (isEmpty || memcmp(baseAddress!, other.baseAddress!, count) == 0)
    }

    /// How these bytes sort against `other` as LMDB orders keys by default:
    /// bytes compared unsigned, a prefix first. Below 0, 0 or above 0.
    func keyOrder(_ other: UnsafeRawBufferPointer) -> Int {
        let common = Swift.min(count, other.count)
        let order = common == 0 ? 0 : memcmp(baseAddress!, other.baseAddress!, common)
        return order != 0 ? Int(order) : count - other.count
    }
}
