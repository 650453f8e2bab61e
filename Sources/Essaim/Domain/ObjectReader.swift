/// A field that is missing, mistyped, out of range or unknown (refusal rule 1).
struct Malformed: Error, Sendable {
    var path: String
    var reason: String

    var message: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

/// Reads the members of one JSON object strictly: every read is typed and checked,
/// and ``finish()`` refuses any member that no read asked for.
///
/// It reads a parsed text where it lies (``JSONDocument``): strings are made
/// only for the values read.
struct ObjectReader {
    /// Longest identifier accepted, in Unicode scalars.
    static let maximumIdentifierLength = 128

    /// The object's path in the line (`data.company`), for refusals: made
    /// only when one is (about 540 instructions a nested object otherwise).
    var path: String { Self.path(parent, key) }
    /// The path of the object holding this one, and this one's key in it;
    /// `parent` alone is the path of an object read on its own.
    private let parent: String, key: String?
    private let document: JSONDocument
    /// The object's node.
    private let object: Int
    /// The members read, by their place in the object: the first 64 as bits,
    /// any after them in `usedPast64`.
    private var used: UInt64 = 0
    private var usedPast64: [Bool] = []
    /// Members read so far: once all are, any other key is absent (the
    /// parser refuses a duplicate key), found without comparing keys.
    private var usedCount = 0
    /// Where the next look-up starts: the member after the last one found
    /// (fields are mostly read in the order they are written).
    private var nextMember: (node: Int, ordinal: Int)

    init(_ document: JSONDocument, _ node: Int, path: String) throws(Malformed) {
        try self.init(document, node, parent: path, key: nil)
    }

    private init(_ document: JSONDocument, _ node: Int, parent: String, key: String?) throws(Malformed) {
        guard document.kind(at: node) == .object else {
            throw Malformed(path: Self.path(parent, key), reason: "expected an object, found \(document.kind(at: node).name)")
        }
        self.parent = parent
        self.key = key
        self.document = document
        object = node
        nextMember = (node + 1, 0)
        if document.count(at: node) > 64 { usedPast64 = Array(repeating: false, count: document.count(at: node) - 64) }
    }

    /// Parses `text`, one JSON object, and reads it with `body`, refusing
    /// members left unread; throws a ``JSONParseError`` or a ``Malformed``.
    static func read<Bytes: Collection<UInt8>, T>(_ text: Bytes, path: String,
                                                  _ body: (inout ObjectReader) throws(Malformed) -> T) throws -> T {
        var tape = JSONTape()
        return try tape.read(text) { document in
            Result { () throws(Malformed) -> T in
                var reader = try ObjectReader(document, 0, path: path)
                let result = try body(&reader)
                try reader.finish()
                return result
            }
        }.get()
    }

    private mutating func markUsed(_ ordinal: Int) {
        if isUsed(ordinal) { return }
        usedCount += 1
        if ordinal < 64 { used |= 1 << UInt64(ordinal) } else { usedPast64[ordinal - 64] = true }
    }

    private func isUsed(_ ordinal: Int) -> Bool {
        ordinal < 64 ? used & (1 << UInt64(ordinal)) != 0 : usedPast64[ordinal - 64]
    }

    /// Every member, each of which must be a string (possibly empty).
    mutating func allStrings() throws(Malformed) -> [String: String] {
        var out: [String: String] = [:]
        // Sized once: grown from empty, a dictionary of two is copied twice.
        out.reserveCapacity(document.count(at: object))
        for (ordinal, key) in document.members(of: object).enumerated() {
            markUsed(ordinal)
            let name = document.string(at: key)
            guard document.kind(at: key + 1) == .string else { throw mistyped(name, "a string", key + 1) }
            out[name] = document.string(at: key + 1)
        }
        return out
    }

    private static func path(_ parent: String, _ key: String?) -> String {
        guard let key else { return parent }
        return parent.isEmpty ? key : "\(parent).\(key)"
    }

    private func fieldPath(_ key: String) -> String { Self.path(path, key) }

    /// The member's value node, or `nil` when absent or `null`. Once every
    /// member has been read, any key is taken as absent, so no key may be
    /// read twice (debug builds check, then).
    mutating func optional(_ key: String) -> Int? {
        let count = document.count(at: object)
        if usedCount == count {
            assert(document.members(of: object).allSatisfy { !document.string(at: $0, is: key) }, "\(fieldPath(key)) read twice")
            return nil
        }
        let end = document.next(after: object)
        var (node, ordinal) = nextMember
        // Each member once, from the one after the last found, round to it.
        for _ in 0 ..< count {
            if node == end { (node, ordinal) = (object + 1, 0) }
            let value = node + 1
            if document.string(at: node, is: key) {
                markUsed(ordinal)
                nextMember = (document.next(after: value), ordinal + 1)
                return document.kind(at: value) == .null ? nil : value
            }
            (node, ordinal) = (document.next(after: value), ordinal + 1)
        }
        return nil
    }

    mutating func required(_ key: String) throws(Malformed) -> Int {
        guard let value = optional(key) else { throw Malformed(path: fieldPath(key), reason: "missing required field") }
        return value
    }

    /// Refuses members that were never read.
    func finish() throws(Malformed) {
        for (ordinal, key) in document.members(of: object).enumerated() where !isUsed(ordinal) {
            throw Malformed(path: fieldPath(document.string(at: key)), reason: "unknown field")
        }
    }

    // MARK: Typed reads

    // The reads below are `mutating` though they change nothing: called from
    // a mutating read, a non-mutating method was handed a copy of the whole
    // reader (its strings and array retained and released), 2 M copies for
    // 200,000 import lines.
    private mutating func string(_ value: Int, _ key: String) throws(Malformed) -> String {
        guard document.kind(at: value) == .string else { throw mistyped(key, "a string", value) }
        return document.string(at: value)
    }

    private func mistyped(_ key: String, _ expected: String, _ value: Int) -> Malformed {
        Malformed(path: fieldPath(key), reason: "expected \(expected), found \(document.kind(at: value).name)")
    }

    mutating func string(_ key: String) throws(Malformed) -> String {
        let s = try string(try required(key), key)
        guard !s.isEmpty else { throw Malformed(path: fieldPath(key), reason: "must not be empty") }
        return s
    }

    mutating func optionalString(_ key: String) throws(Malformed) -> String? {
        guard let value = optional(key) else { return nil }
        return try string(value, key)
    }

    /// A string member as `parse` reads it from its UTF-8 (in place, no string
    /// made), or `nil` when absent; refused when `parse` gives `nil`, as not
    /// `what` (`a UUID`).
    mutating func optionalParsed<T>(_ key: String, as what: String,
                                    _ parse: (UnsafeRawBufferPointer) -> T?) throws(Malformed) -> T? {
        guard let value = optional(key) else { return nil }
        guard document.kind(at: value) == .string else { throw mistyped(key, "a string", value) }
        if let parsed = document.withUTF8(at: value, parse) { return parsed }
        throw Malformed(path: fieldPath(key), reason: "\"\(document.string(at: value))\" is not \(what)")
    }

    private mutating func checkIdentifier(_ s: String, _ key: @autoclosure () -> String) throws(Malformed) -> String {
        if s.isEmpty { throw Malformed(path: fieldPath(key()), reason: "identifier must not be empty") }
        // Printable ASCII, one scalar per byte: most identifiers.
        if s.withUTF8Bytes({ $0.count <= Self.maximumIdentifierLength && $0.allSatisfy { $0 >= 0x20 && $0 < 0x7F } }) { return s }
        let scalars = s.unicodeScalars
        if scalars.count > Self.maximumIdentifierLength {
            throw Malformed(path: fieldPath(key()), reason: "identifier longer than \(Self.maximumIdentifierLength) characters")
        }
        if scalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw Malformed(path: fieldPath(key()), reason: "identifier contains a control character")
        }
        return s
    }

    mutating func identifier(_ key: String) throws(Malformed) -> String {
        try checkIdentifier(try string(try required(key), key), key)
    }

    mutating func optionalIdentifier(_ key: String) throws(Malformed) -> String? {
        guard let value = optional(key) else { return nil }
        return try checkIdentifier(try string(value, key), key)
    }

    mutating func identifiers(_ key: String, atLeast minimum: Int) throws(Malformed) -> [String] {
        let value = try required(key)
        guard document.kind(at: value) == .array else { throw mistyped(key, "an array", value) }
        if document.count(at: value) < minimum { throw Malformed(path: fieldPath(key), reason: "needs at least \(minimum) element(s)") }
        return try strings(value, key) { (s, item) throws(Malformed) in try checkIdentifier(s, item()) }
    }

    mutating func optionalStrings(_ key: String) throws(Malformed) -> [String]? {
        guard let value = optional(key) else { return nil }
        return try strings(value, key) { s, _ in s }
    }

    /// The strings of the array at `value`, each checked by `check` with its path.
    private func strings(_ value: Int, _ key: String,
                         _ check: (String, () -> String) throws(Malformed) -> String) throws(Malformed) -> [String] {
        guard document.kind(at: value) == .array else { throw mistyped(key, "an array", value) }
        var out: [String] = []
        out.reserveCapacity(document.count(at: value))
        for item in document.elements(of: value) {
            // The item's path, made only for a refusal.
            let i = out.count
            let itemKey = { "\(key)[\(i)]" }
            guard document.kind(at: item) == .string else { throw mistyped(itemKey(), "a string", item) }
            out.append(try check(document.string(at: item), itemKey))
        }
        return out
    }

    /// An integer no smaller than `minimum` (0 for money, headcounts and durations).
    mutating func optionalInteger(_ key: String, minimum: Int64 = 0) throws(Malformed) -> Int64? {
        guard let value = optional(key) else { return nil }
        guard document.kind(at: value) == .integer else { throw mistyped(key, "an integer", value) }
        let n = document.integer(at: value)
        if n < minimum {
            throw Malformed(path: fieldPath(key), reason: minimum == 0 ? "must not be negative" : "must be at least \(minimum)")
        }
        return n
    }

    mutating func optionalBool(_ key: String) throws(Malformed) -> Bool? {
        guard let value = optional(key) else { return nil }
        guard document.kind(at: value) == .bool else { throw mistyped(key, "a boolean", value) }
        return document.bool(at: value)
    }

    mutating func optionalDate(_ key: String) throws(Malformed) -> CivilDate? {
        guard let value = optional(key) else { return nil }
        let text = try string(value, key)
        guard let date = CivilDate(text) else { throw Malformed(path: fieldPath(key), reason: "\"\(text)\" is not a valid YYYY-MM-DD date") }
        return date
    }

    mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, _: E.Type) throws(Malformed) -> E where E.RawValue == String {
        guard let value = try optionalChoice(key, E.self) else { throw Malformed(path: fieldPath(key), reason: "missing required field") }
        return value
    }

    mutating func optionalChoice<E: RawRepresentable & CaseIterable>(_ key: String, _: E.Type) throws(Malformed) -> E? where E.RawValue == String {
        guard let value = optional(key) else { return nil }
        let text = try string(value, key)
        guard let choice = E(rawValue: text) else {
            let allowed = E.allCases.map { $0.rawValue }.joined(separator: ", ")
            throw Malformed(path: fieldPath(key), reason: "\"\(text)\" is not one of \(allowed)")
        }
        return choice
    }

    /// A nested object, read by `body` with its own unknown-field check.
    mutating func optionalObject<T>(_ key: String, _ body: (inout ObjectReader) throws(Malformed) -> T) throws(Malformed) -> T? {
        guard let value = optional(key) else { return nil }
        var nested = try ObjectReader(document, value, parent: path, key: key)
        let result = try body(&nested)
        try nested.finish()
        return result
    }

    mutating func object<T>(_ key: String, _ body: (inout ObjectReader) throws(Malformed) -> T) throws(Malformed) -> T {
        guard let result = try optionalObject(key, body) else { throw Malformed(path: fieldPath(key), reason: "missing required field") }
        return result
    }
}
