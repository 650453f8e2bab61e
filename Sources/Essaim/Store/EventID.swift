/// An event's identifier: a UUID, the ledger's idempotency key.
///
/// Accepted in either case on import; always written in lower case (RFC 9562's
/// canonical form), which is the same UUID.
public struct EventID: Hashable, Sendable, CustomStringConvertible {
    // The 16 bytes as two big-endian halves: no allocation per identifier.
    private let high: UInt64
    private let low: UInt64

    /// The two big-endian halves: the id index sorts ids by them, high first.
    var halves: (high: UInt64, low: UInt64) { (high, low) }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The 16 bytes of the UUID, in network order.
    public var bytes: [UInt8] {
        var w = ByteWriter(capacity: 16)
        w.id(self)
        return w.bytes
    }

    /// An identifier from its 16 bytes.
    public init?<C: Collection<UInt8>>(bytes: C) {
        guard bytes.count == 16 else { return nil }
        if let halves = bytes.withContiguousStorageIfAvailable({ b in
            let raw = UnsafeRawBufferPointer(b)
            return (UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self)), UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }) {
            (high, low) = halves
            return
        }
        var high: UInt64 = 0, low: UInt64 = 0
        for (i, byte) in bytes.enumerated() {
            if i < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.high = high
        self.low = low
    }

    /// Parses the 36-character `8-4-4-4-12` hexadecimal form.
    public init?(_ text: String) {
        guard let id = text.withUTF8Bytes(EventID.init(utf8:)) else { return nil }
        self = id
    }

    /// Parses the `8-4-4-4-12` form from its UTF-8 bytes: its 32 digits read
    /// eight at a time (``Hex/eightDigits(_:)``).
    init?(utf8 text: UnsafeRawBufferPointer) {
        let dash = UInt8(ascii: "-")
        guard text.count == 36, text[8] == dash, text[13] == dash, text[18] == dash, text[23] == dash else { return nil }
        func eight(_ offset: Int) -> UInt64 { UInt64(littleEndian: text.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        func four(_ offset: Int) -> UInt64 { UInt64(UInt32(littleEndian: text.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        guard let a = Hex.eightDigits(eight(0)), let b = Hex.eightDigits(four(9) | four(14) << 32),
              let c = Hex.eightDigits(four(19) | four(24) << 32), let d = Hex.eightDigits(eight(28)) else { return nil }
        self.init(high: UInt64(a) << 32 | UInt64(b), low: UInt64(c) << 32 | UInt64(d))
    }

    /// A new random (version 4) identifier.
    public static func random() -> EventID {
        var b = SecureRandom.bytes(16)
        b[6] = b[6] & 0x0F | 0x40
        b[8] = b[8] & 0x3F | 0x80
        return EventID(bytes: b)!
    }

    /// The lower-case `8-4-4-4-12` form.
    public var description: String {
        let hex = Hex.digits
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension ByteWriter {
    /// An event id's 16 bytes, in network order (``EventID/bytes``, without the array).
    mutating func id(_ id: EventID) {
        u64(id.halves.high)
        u64(id.halves.low)
    }
}
