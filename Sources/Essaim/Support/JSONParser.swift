#if canImport(Glibc)
import Glibc
#endif

/// Why a line is not acceptable JSON, and where (byte offset from the line's start).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in a few words.
    public var reason: String
    /// Byte offset in the input where the problem was found.
    public var offset: Int

    public var description: String { "\(reason) at byte \(offset + 1)" }
}

/// A strict RFC 8259 parser for one JSON text.
///
/// Stricter than Foundation where a ledger needs it: duplicate object keys, invalid
/// UTF-8 (including lone surrogate escapes), numbers that are not integers or do not
/// fit in 64 bits, and nesting deeper than ``maximumDepth`` are all refused with a
/// position, never guessed at.
public enum JSONParser {
    /// Deepest nesting of arrays and objects accepted; the catalogue needs 4.
    public static let maximumDepth = 64

    /// Parses exactly one JSON value, with optional surrounding whitespace.
    public static func parse<Bytes: Collection<UInt8>>(_ input: Bytes) throws(JSONParseError) -> JSONValue {
        var tape = JSONTape()
        return try tape.read(input) { document in document.value(at: 0) }
    }

    /// Parses exactly one JSON value from a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// A JSON text parsed into one flat array of nodes in document order: no tree
/// of values is built, and no string is made until it is read. An import reads
/// every line this way (``ObjectReader``), with one tape for all its lines.
struct JSONTape {
    enum Kind: UInt8 {
        case null, bool, integer, string, array, object

        /// The name of the JSON type, for error messages.
        var name: String {
            switch self {
            case .null: "null"
            case .bool: "boolean"
            case .integer: "integer"
            case .string: "string"
            case .array: "array"
            case .object: "object"
            }
        }
    }

    /// One value. An array's elements follow it; an object's members follow it,
    /// each a key (a string node) then its value.
    struct Node {
        var kind: Kind
        /// A boolean's value; for a string, whether it has escapes to decode.
        var flag = false
        /// For a string, whether it holds bytes past ASCII.
        var wide = false
        /// A string's first byte in the text; an array's or object's element or member count.
        var start: Int32 = 0
        /// A string's end in the text; for an array or object, the index of the
        /// node after its last one.
        var end: Int32 = 0
        var integer: Int64 = 0
    }

    private(set) var nodes: [Node] = []
    /// The key nodes of the objects being parsed, to refuse a duplicate.
    private var keys: [Int32] = []
    /// Room for a string with escapes, decoded.
    private var scratch: [UInt8] = []

    /// Parses `input` (exactly one JSON value, with optional surrounding
    /// whitespace) and calls `body` with it; the document is valid only there.
    mutating func read<Bytes: Collection<UInt8>, T>(_ input: Bytes, _ body: (JSONDocument) -> T) throws(JSONParseError) -> T {
        let result: Result<T, JSONParseError>? = input.withContiguousStorageIfAvailable { text in
            Result { () throws(JSONParseError) -> T in try read(text: text, body) }
        }
        if let result { return try result.get() }
        let copy = Array(input)
        return try copy.withUnsafeBufferPointer { text throws(JSONParseError) in try read(text: text, body) }
    }

    private mutating func read<T>(text: UnsafeBufferPointer<UInt8>, _ body: (JSONDocument) -> T) throws(JSONParseError) -> T {
        guard text.count <= Int(Int32.max) else { throw JSONParseError(reason: "text over 2 GiB", offset: 0) }
        nodes.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        var parser = Parser(text: text)
        parser.skipWhitespace()
        try parser.parseValue(into: &self)
        parser.skipWhitespace()
        if parser.index != text.count { throw parser.error("unexpected data after the JSON value") }
        return nodes.withUnsafeBufferPointer { nodes in body(JSONDocument(text: text, nodes: nodes)) }
    }

    /// Reads one value from `text`, appending its nodes to a tape.
    fileprivate struct Parser {
        let text: UnsafeBufferPointer<UInt8>
        var index = 0
        var depth = 0

        func error(_ reason: String) -> JSONParseError { JSONParseError(reason: reason, offset: index) }

        mutating func skipWhitespace() {
            while index < text.count {
                switch text[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func parseValue(into tape: inout JSONTape) throws(JSONParseError) {
            guard index < text.count else { throw error("unexpected end of input") }
            switch text[index] {
            case UInt8(ascii: "{"): try parseContainer(.object, into: &tape)
            case UInt8(ascii: "["): try parseContainer(.array, into: &tape)
            case UInt8(ascii: "\""): try parseString(into: &tape)
            case UInt8(ascii: "t"): try expectLiteral("true"); tape.nodes.append(Node(kind: .bool, flag: true))
            case UInt8(ascii: "f"): try expectLiteral("false"); tape.nodes.append(Node(kind: .bool, flag: false))
            case UInt8(ascii: "n"): try expectLiteral("null"); tape.nodes.append(Node(kind: .null))
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                tape.nodes.append(Node(kind: .integer, integer: try parseInteger()))
            case 0x00: throw error("NUL byte")
            default: throw error("unexpected character")
            }
        }

        mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
            let count = literal.utf8CodeUnitCount
            guard index + count <= text.count else { throw error("unexpected end of input") }
            let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
            for i in 0..<count where text[index + i] != expected[i] { throw error("invalid literal") }
            index += count
        }

        mutating func enterNesting() throws(JSONParseError) {
            depth += 1
            if depth > JSONParser.maximumDepth { throw error("nesting deeper than \(JSONParser.maximumDepth) levels") }
        }

        /// An array or an object: its node, then its elements or members.
        mutating func parseContainer(_ kind: Kind, into tape: inout JSONTape) throws(JSONParseError) {
            let closing = kind == .object ? UInt8(ascii: "}") : UInt8(ascii: "]")
            try enterNesting()
            index += 1
            let container = tape.nodes.count
            tape.nodes.append(Node(kind: kind))
            // This object's keys, to refuse a duplicate.
            let firstKey = tape.keys.count
            defer { tape.keys.removeSubrange(firstKey...) }
            var count = 0
            skipWhitespace()
            if index < text.count, text[index] == closing {
                index += 1
            } else {
                while true {
                    skipWhitespace()
                    if kind == .object { try parseMember(into: &tape, keysFrom: firstKey) } else { try parseValue(into: &tape) }
                    count += 1
                    skipWhitespace()
                    guard index < text.count else { throw error("unexpected end of input") }
                    if text[index] == UInt8(ascii: ",") { index += 1; continue }
                    if text[index] == closing { index += 1; break }
                    throw error(kind == .object ? "expected ',' or '}'" : "expected ',' or ']'")
                }
            }
            depth -= 1
            tape.nodes[container].start = Int32(count)
            tape.nodes[container].end = Int32(tape.nodes.count)
        }

        /// An object's member: its key (not one of the object's keys from
        /// `firstKey` on), then its value.
        mutating func parseMember(into tape: inout JSONTape, keysFrom firstKey: Int) throws(JSONParseError) {
            guard index < text.count, text[index] == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let keyOffset = index
            let key = Int32(tape.nodes.count)
            try parseString(into: &tape)
            let duplicate: String? = tape.nodes.withUnsafeBufferPointer { nodes in
                let document = JSONDocument(text: text, nodes: nodes)
                let found = tape.keys[firstKey...].contains { document.sameString(Int($0), Int(key)) }
                return found ? document.string(at: Int(key)) : nil
            }
            if let duplicate { throw JSONParseError(reason: "duplicate key \"\(duplicate)\"", offset: keyOffset) }
            tape.keys.append(key)
            skipWhitespace()
            guard index < text.count, text[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            try parseValue(into: &tape)
        }

        mutating func parseInteger() throws(JSONParseError) -> Int64 {
            let start = index
            var negative = false
            if text[index] == UInt8(ascii: "-") { negative = true; index += 1 }
            guard index < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]) else {
                throw error("invalid number")
            }
            if text[index] == UInt8(ascii: "0"), index + 1 < text.count,
               (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index + 1]) {
                throw error("leading zero in number")
            }
            // Accumulate as a negative number so that Int64.min parses too.
            var value: Int64 = 0
            while index < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]) {
                let digit = Int64(text[index] - UInt8(ascii: "0"))
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.subtractingReportingOverflow(digit)
                if o1 || o2 { throw JSONParseError(reason: "number does not fit in 64 bits", offset: start) }
                value = next
                index += 1
            }
            if index < text.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(text[index]) {
                throw JSONParseError(reason: "only whole numbers are accepted", offset: start)
            }
            if negative { return value }
            guard value != Int64.min else { throw JSONParseError(reason: "number does not fit in 64 bits", offset: start) }
            return -value
        }

        /// A string's node: checked here (escapes, control characters, UTF-8),
        /// decoded only when read.
        mutating func parseString(into tape: inout JSONTape) throws(JSONParseError) {
            index += 1  // opening quote
            let start = index
            var wide = false
            // Fast path: no escapes, so the bytes between the quotes are the string.
            while index < text.count {
                // Eight bytes at a time to the first that ends the string,
                // escapes, is a control character or (before one was seen)
                // is past ASCII.
                while index + 8 <= text.count {
                    let word = UInt64(littleEndian: UnsafeRawPointer(text.baseAddress! + index).loadUnaligned(as: UInt64.self))
                    let special = Self.specialBytes(word, wide: wide)
                    if special == 0 { index += 8; continue }
                    index += special.trailingZeroBitCount >> 3
                    break
                }
                guard index < text.count else { break }
                let byte = text[index]
                if byte == UInt8(ascii: "\"") {
                    if wide, !Self.isValidUTF8(UnsafeBufferPointer(rebasing: text[start..<index])) {
                        throw JSONParseError(reason: "invalid UTF-8 in string", offset: start)
                    }
                    tape.nodes.append(Node(kind: .string, wide: wide, start: Int32(start), end: Int32(index)))
                    index += 1
                    return
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw error(byte == 0 ? "NUL byte in string" : "control character in string") }
                if byte >= 0x80 { wide = true }
                index += 1
            }
            index = start
            try unescape(into: &tape.scratch)
            if !Self.isValidUTF8(tape.scratch) { throw JSONParseError(reason: "invalid UTF-8 in string", offset: start) }
            tape.nodes.append(Node(kind: .string, flag: true, wide: true, start: Int32(start), end: Int32(index - 1)))
        }

        /// Decodes the string starting at `index` (after its opening quote) into
        /// `scratch`, up to and past its closing quote.
        mutating func unescape(into scratch: inout [UInt8]) throws(JSONParseError) {
            let start = index
            scratch.removeAll(keepingCapacity: true)
            while index < text.count {
                let byte = text[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return
                }
                if byte < 0x20 { throw error(byte == 0 ? "NUL byte in string" : "control character in string") }
                if byte != UInt8(ascii: "\\") { scratch.append(byte); index += 1; continue }
                index += 1
                guard index < text.count else { break }
                let escaped = text[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escaped)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(into: &scratch)
                default: index -= 1; throw error("invalid escape")
                }
            }
            throw JSONParseError(reason: "unterminated string", offset: start - 1)
        }

        mutating func hex4() throws(JSONParseError) -> UInt32 {
            guard index + 4 <= text.count else { throw error("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = text[index]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw error("invalid \\u escape")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        mutating func appendUnicodeEscape(into scratch: inout [UInt8]) throws(JSONParseError) {
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 2 <= text.count, text[index] == UInt8(ascii: "\\"), text[index + 1] == UInt8(ascii: "u") else {
                    throw error("lone surrogate in \\u escape")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw error("lone surrogate in \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("lone surrogate in \\u escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
            scratch.append(contentsOf: UTF8.encode(unicode)!)
        }

        /// 0x80 in the bytes of `word` (the first in its lowest byte) that are
        /// a quote, a backslash, a control character or, unless `wide`, past
        /// ASCII; 0 when none is. The bit tricks of "Determine if a word has a
        /// byte less than n" and "has a zero byte": a byte above one that is
        /// flagged may be flagged wrongly (a borrow), the lowest flagged never.
        static func specialBytes(_ word: UInt64, wide: Bool) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
            func zeroBytes(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & high }
            let control = (word &- ones &* 0x20) & ~word & high
            return (wide ? 0 : word & high) | control | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C))
        }

        /// Whether `bytes` are well-formed UTF-8 (no overlong forms, surrogates or
        /// scalars past U+10FFFF).
        static func isValidUTF8<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Bool where Bytes.Index == Int {
            var i = bytes.startIndex
            let end = bytes.endIndex
            while i < end {
                let lead = bytes[i]
                if lead < 0x80 { i += 1; continue }
                let length: Int, low: UInt8, high: UInt8
                switch lead {
                case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
                case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
                case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
                case 0xED: (length, low, high) = (3, 0x80, 0x9F)
                case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
                case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
                case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
                default: return false
                }
                guard end - i >= length, (low...high).contains(bytes[i + 1]) else { return false }
                for k in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[i + k]) { return false }
                i += length
            }
            return true
        }
    }
}

/// A parsed JSON text as ``JSONTape/read(_:_:)`` hands it over: the text and
/// its nodes, read where they lie. Node 0 is the value.
struct JSONDocument {
    let text: UnsafeBufferPointer<UInt8>
    let nodes: UnsafeBufferPointer<JSONTape.Node>

    fileprivate init(text: UnsafeBufferPointer<UInt8>, nodes: UnsafeBufferPointer<JSONTape.Node>) {
        self.text = text
        self.nodes = nodes
    }

    func kind(at node: Int) -> JSONTape.Kind { nodes[node].kind }

    /// The node after `node` and all it holds.
    func next(after node: Int) -> Int {
        switch nodes[node].kind {
        case .array, .object: Int(nodes[node].end)
        default: node + 1
        }
    }

    /// An array's elements or an object's members, counted.
    func count(at node: Int) -> Int { Int(nodes[node].start) }

    /// A boolean's value.
    func bool(at node: Int) -> Bool { nodes[node].flag }

    /// An integer's value.
    func integer(at node: Int) -> Int64 { nodes[node].integer }

    /// The element nodes of the array at `array`, in order.
    func elements(of array: Int) -> Children { Children(document: self, node: array + 1, end: Int(nodes[array].end), step: 0) }

    /// The members of the object at `object`, in order: each one's key node
    /// (its value's node is the next one).
    func members(of object: Int) -> Children { Children(document: self, node: object + 1, end: Int(nodes[object].end), step: 1) }

    /// An array's elements or an object's keys, in order.
    struct Children: Sequence, IteratorProtocol {
        let document: JSONDocument
        var node: Int
        let end: Int
        /// 0 for elements; 1 for keys (each followed by its value).
        let step: Int

        mutating func next() -> Int? {
            guard node < end else { return nil }
            defer { node = document.next(after: node + step) }
            return node
        }
    }

    /// The value of the member of the object at `object` named `key`.
    func member(_ key: String, of object: Int) -> Int? {
        members(of: object).first { string(at: $0, is: key) }.map { $0 + 1 }
    }

    /// A string node's bytes in the text (escapes not decoded).
    private func raw(_ node: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: text[Int(nodes[node].start) ..< Int(nodes[node].end)])
    }

    /// A string's value.
    func string(at node: Int) -> String {
        guard nodes[node].flag else { return String(utf8: UnsafeRawBufferPointer(raw(node))) }
        var parser = JSONTape.Parser(text: text, index: Int(nodes[node].start))
        var scratch: [UInt8] = []
        // Checked when parsed: cannot fail here.
        try! parser.unescape(into: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Calls `body` with the UTF-8 of the string at `node`: in place in the
    /// text when it holds no escape, no string made.
    func withUTF8<R>(at node: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard nodes[node].flag else { return try body(UnsafeRawBufferPointer(raw(node))) }
        return try string(at: node).withUTF8Bytes(body)
    }

    /// Whether the string at `node` is `key` (compared as strings are).
    func string(at node: Int, is key: String) -> Bool {
        let n = nodes[node]
        if n.flag || n.wide { return string(at: node) == key }
        let bytes = raw(node)
        guard key.utf8.count == bytes.count else { return false }
        return key.withUTF8Bytes { $0.sameBytes(as: UnsafeRawBufferPointer(bytes)) }
    }

    /// Whether two string nodes are the same string.
    func sameString(_ a: Int, _ b: Int) -> Bool {
        if nodes[a].flag || nodes[a].wide || nodes[b].flag || nodes[b].wide { return string(at: a) == string(at: b) }
        return UnsafeRawBufferPointer(raw(a)).sameBytes(as: UnsafeRawBufferPointer(raw(b)))
    }

    /// The value at `node` as a ``JSONValue`` tree.
    func value(at node: Int) -> JSONValue {
        switch nodes[node].kind {
        case .null: return .null
        case .bool: return .bool(bool(at: node))
        case .integer: return .integer(integer(at: node))
        case .string: return .string(string(at: node))
        case .array:
            return .array(elements(of: node).map { value(at: $0) })
        case .object:
            return .object(members(of: node).map { (string(at: $0), value(at: $0 + 1)) })
        }
    }
}
