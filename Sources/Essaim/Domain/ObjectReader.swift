/// A field that is missing, mistyped, out of range or unknown (refusal rule 1).
struct Malformed: Error, Sendable {
    var path: String
    var reason: String

    var message: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

/// Reads the members of one JSON object strictly: every read is typed and checked,
/// and ``finish()`` refuses any member that no read asked for.
struct ObjectReader {
    /// Longest identifier accepted, in Unicode scalars.
    static let maximumIdentifierLength = 128

    let path: String
    private let members: [(key: String, value: JSONValue)]
    private var used: [Bool]

    init(_ value: JSONValue, path: String) throws(Malformed) {
        guard case let .object(members) = value else {
            throw Malformed(path: path, reason: "expected an object, found \(value.typeName)")
        }
        self.path = path
        self.members = members
        self.used = Array(repeating: false, count: members.count)
    }

    /// Every member, each of which must be a string (possibly empty).
    mutating func allStrings() throws(Malformed) -> [String: String] {
        var out: [String: String] = [:]
        for (i, member) in members.enumerated() {
            used[i] = true
            guard case let .string(s) = member.value else { throw mistyped(member.key, "a string", member.value) }
            out[member.key] = s
        }
        return out
    }

    private func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The member's value, or `nil` when absent or `null`.
    mutating func optional(_ key: String) -> JSONValue? {
        guard let i = members.firstIndex(where: { $0.key == key }) else { return nil }
        used[i] = true
        if case .null = members[i].value { return nil }
        return members[i].value
    }

    mutating func required(_ key: String) throws(Malformed) -> JSONValue {
        guard let value = optional(key) else { throw Malformed(path: fieldPath(key), reason: "missing required field") }
        return value
    }

    /// Refuses members that were never read.
    func finish() throws(Malformed) {
        if let i = used.firstIndex(of: false) {
            throw Malformed(path: fieldPath(members[i].key), reason: "unknown field")
        }
    }

    // MARK: Typed reads

    private func string(_ value: JSONValue, _ key: String) throws(Malformed) -> String {
        guard case let .string(s) = value else { throw mistyped(key, "a string", value) }
        return s
    }

    private func mistyped(_ key: String, _ expected: String, _ value: JSONValue) -> Malformed {
        Malformed(path: fieldPath(key), reason: "expected \(expected), found \(value.typeName)")
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

    private func checkIdentifier(_ s: String, _ key: String) throws(Malformed) -> String {
        if s.isEmpty { throw Malformed(path: fieldPath(key), reason: "identifier must not be empty") }
        let scalars = s.unicodeScalars
        if scalars.count > Self.maximumIdentifierLength {
            throw Malformed(path: fieldPath(key), reason: "identifier longer than \(Self.maximumIdentifierLength) characters")
        }
        if scalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw Malformed(path: fieldPath(key), reason: "identifier contains a control character")
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
        guard case let .array(items) = try required(key) else { throw mistyped(key, "an array", try required(key)) }
        if items.count < minimum { throw Malformed(path: fieldPath(key), reason: "needs at least \(minimum) element(s)") }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            out.append(try checkIdentifier(try string(item, "\(key)[\(i)]"), "\(key)[\(i)]"))
        }
        return out
    }

    mutating func optionalStrings(_ key: String) throws(Malformed) -> [String]? {
        guard let value = optional(key) else { return nil }
        guard case let .array(items) = value else { throw mistyped(key, "an array", value) }
        var out: [String] = []
        for (i, item) in items.enumerated() { out.append(try string(item, "\(key)[\(i)]")) }
        return out
    }

    /// An integer no smaller than `minimum` (0 for money, headcounts and durations).
    mutating func optionalInteger(_ key: String, minimum: Int64 = 0) throws(Malformed) -> Int64? {
        guard let value = optional(key) else { return nil }
        guard case let .integer(n) = value else { throw mistyped(key, "an integer", value) }
        if n < minimum {
            throw Malformed(path: fieldPath(key), reason: minimum == 0 ? "must not be negative" : "must be at least \(minimum)")
        }
        return n
    }

    mutating func optionalBool(_ key: String) throws(Malformed) -> Bool? {
        guard let value = optional(key) else { return nil }
        guard case let .bool(b) = value else { throw mistyped(key, "a boolean", value) }
        return b
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
        var nested = try ObjectReader(value, path: fieldPath(key))
        let result = try body(&nested)
        try nested.finish()
        return result
    }

    mutating func object<T>(_ key: String, _ body: (inout ObjectReader) throws(Malformed) -> T) throws(Malformed) -> T {
        guard let result = try optionalObject(key, body) else { throw Malformed(path: fieldPath(key), reason: "missing required field") }
        return result
    }
}
