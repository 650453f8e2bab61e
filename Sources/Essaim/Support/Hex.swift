/// Lower-case hexadecimal text of bytes, and back.
enum Hex {
    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The value of one hexadecimal digit (either case), or `nil`.
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The value of the eight hexadecimal digits (either case) held in `word`,
    /// the first in its lowest byte (as loaded from memory on a little-endian
    /// machine), or `nil` when a byte is no digit. All eight at once, as
    /// bytes of one word: each byte's value is its low four bits, plus 9 for
    /// a letter, and must read back as the byte itself.
    static func eightDigits(_ word: UInt64) -> UInt32? {
        // Each constant repeated in every byte (`&` binds as `*` does: named, not written inline).
        let ones: UInt64 = 0x0101_0101_0101_0101
        let (x0F, x20, x30, x70, x76, x7F, x80) = (0x0F * ones, 0x20 * ones, 0x30 * ones, 0x70 * ones,
                                                   0x76 * ones, 0x7F * ones, 0x80 * ones)
        let lower = word | x20                           // letters in lower case, digits unchanged
        let letter = (lower >> 6) & ones                 // 1 in a byte with bit 6 set (a letter)
        let value = (lower & x0F) + 9 * letter           // at most 24 a byte: no carry
        let tooLarge = (value + x70) & x80
        let alpha = ((value + x76) & x80) >> 7           // 1 where the value is 10 or more
        let lowerDigit = value + x30 + 0x27 * alpha
        let upperDigit = lowerDigit - 0x20 * alpha
        // 0x80 in each byte of `x` that is zero.
        func zeroBytes(_ x: UInt64) -> UInt64 { ~(((x & x7F) + x7F) | x) & x80 }
        guard tooLarge == 0, zeroBytes(word ^ lowerDigit) | zeroBytes(word ^ upperDigit) == x80 else { return nil }
        // Two digits to a byte (in the even bytes), then the four bytes, first digit highest.
        let pairs = ((value << 4) | (value >> 8)) & 0x00FF_00FF_00FF_00FF
        return UInt32(truncatingIfNeeded: pairs & 0xFF) << 24 | UInt32(truncatingIfNeeded: (pairs >> 16) & 0xFF) << 16
            | UInt32(truncatingIfNeeded: (pairs >> 32) & 0xFF) << 8 | UInt32(truncatingIfNeeded: (pairs >> 48) & 0xFF)
    }

    /// Two digits per byte.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of an even number of digits, or `nil`.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var digits = text.makeIterator()
        while let high = digits.next(), let low = digits.next() {
            guard let h = nibble(high), let l = nibble(low) else { return nil }
            out.append(h << 4 | l)
        }
        return out
    }
}
