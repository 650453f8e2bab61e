import Foundation
import Testing
@testable import Essaim

/// The strict JSON parser and the date formats of the interchange format.
@Suite struct FormatTests {
    @Test("JSON: values, escapes and surrogate pairs parse; output is compact and stable")
    func jsonRoundTrip() throws {
        let text = #"{"a":[1,-2,true,false,null],"b":"é\"\\\/\n\u00e9\ud83d\ude00","c":{}}"#
        let value = try JSONParser.parse(text)
        #expect(value["a"] == .array([.integer(1), .integer(-2), .bool(true), .bool(false), .null]))
        #expect(value["b"] == .string("é\"\\/\né😀"))
        #expect(try JSONParser.parse(value.serialized) == value)
        #expect(JSONValue.string("\u{1}").serialized == #""\u0001""#)
    }

    @Test("JSON: refused inputs", arguments: [
        "", "{", "{\"a\":1,}", "[1 2]", "{\"a\":1}x", "01", "1.5", "1e3", "-", "\"\\x\"", "\"\\ud800\"",
        "\"a\u{0}b\"", "{\"a\":1,\"a\":2}", "tru", "9223372036854775808", String(repeating: "[", count: 100_000),
    ])
    func jsonRefused(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("JSON: keys are compared as strings, escaped or not, for duplicates and for reading")
    func keysAsStrings() throws {
        // The same key escaped, and two canonically equivalent spellings of é.
        for text in [#"{"a":1,"\u0061":2}"#, "{\"\u{E9}\":1,\"e\u{301}\":2}"] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        }
        let event = try EventLine.decode(Array(#"{"t\u0079pe":"TerritoryDefined","occurredAt":"2020-01-01","data":{"code":"X\u0031","name":"\u00c9tang","level":"commune"}}"#.utf8))
        guard case let .territoryDefined(territory) = event.event else { Issue.record("\(event.event)"); return }
        #expect(territory.code == "X1" && territory.name == "Étang")
    }

    @Test("JSON: objects of more than 64 members are read whole")
    func wideObjects() throws {
        let metadata = (0..<70).map { #""k\#($0)":"v\#($0)""# }.joined(separator: ",")
        let line = #"{"type":"TerritoryDefined","occurredAt":"2020-01-01","data":{"code":"X1","name":"X","level":"commune"},"metadata":{"# + metadata + "}}"
        #expect(try EventLine.decode(Array(line.utf8)).metadata?.count == 70)
        // The fields of the type last, after 67 unknown ones: the first unknown is refused.
        let data = (0..<67).map { #""x\#($0)":1"# }.joined(separator: ",") + #","code":"X1","name":"X","level":"commune""#
        #expect { try EventLine.decode(Array((#"{"type":"TerritoryDefined","occurredAt":"2020-01-01","data":{"# + data + "}}").utf8)) } throws: {
            ($0 as? EventRefusal)?.description.contains("data.x0: unknown field") == true
        }
    }

    @Test("event ids: the 8-4-4-4-12 form in either case, written in lower case; anything else refused")
    func eventIDs() throws {
        let id = try #require(EventID("0B6F7D1E-8f0a-4A5B-9c2d-3E4F5A6B7C8D"))
        #expect(id.description == "0b6f7d1e-8f0a-4a5b-9c2d-3e4f5a6b7c8d")
        #expect(id.bytes == [0x0B, 0x6F, 0x7D, 0x1E, 0x8F, 0x0A, 0x4A, 0x5B, 0x9C, 0x2D, 0x3E, 0x4F, 0x5A, 0x6B, 0x7C, 0x8D])
        let random = EventID.random()
        #expect(EventID(random.description) == random)
        for bad in ["", "0b6f7d1e-8f0a-4a5b-9c2d-3e4f5a6b7c8", "0b6f7d1e-8f0a-4a5b-9c2d-3e4f5a6b7c8d0", "0b6f7d1e8-f0a-4a5b-9c2d-3e4f5a6b7c8d",
                    "0b6f7d1g-8f0a-4a5b-9c2d-3e4f5a6b7c8d", "{b6f7d1e-8f0a-4a5b-9c2d-3e4f5a6b7c8}", "0b6f7d1e 8f0a-4a5b-9c2d-3e4f5a6b7c8d",
                    "0b6f7d1e-8f0a-4a5b-9c2d-3e4f5a6b7cé"] {
            #expect(EventID(bad) == nil, "\(bad) was accepted")
        }
        // In an import line, read in place, or through its escapes.
        func line(_ id: String) -> [UInt8] {
            Array((#"{"id":""# + id + #"","type":"TerritoryDefined","occurredAt":"2020-01-01","data":{"code":"X1","name":"X","level":"commune"}}"#).utf8)
        }
        #expect(try EventLine.decode(line("0B6F7D1E-8f0a-4A5B-9c2d-3E4F5A6B7C8D")).id == id)
        #expect(try EventLine.decode(line(#"\u0030b6f7d1e-8f0a-4a5b-9c2d-3e4f5a6b7c8d"#)).id == id)
        #expect { try EventLine.decode(line(#"0b6f7d1e-8f0a-4a5b-9c2d-3e4f5a6b7c8\u0067"#)) } throws: {
            ($0 as? EventRefusal)?.description.contains(#"id: "0b6f7d1e-8f0a-4a5b-9c2d-3e4f5a6b7c8g" is not a UUID"#) == true
        }
    }

    @Test("eight hexadecimal digits read as one word agree with the digits read one by one")
    func eightDigitsAtOnce() {
        func scalar(_ digits: [UInt8]) -> UInt32? {
            var value: UInt32 = 0
            for c in digits {
                guard let nibble = Hex.nibble(c) else { return nil }
                value = value << 4 | UInt32(nibble)
            }
            return value
        }
        func word(_ digits: [UInt8]) -> UInt64 {
            digits.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        }
        // Every byte in every place among digits.
        let valid = Array("0a1B2c3F".utf8)
        for place in 0 ..< 8 {
            for byte in UInt8.min ... UInt8.max {
                var digits = valid
                digits[place] = byte
                #expect(Hex.eightDigits(word(digits)) == scalar(digits), "byte \(byte) in place \(place)")
            }
        }
        // Digits at random, and words at random (nearly all refused).
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789abcdefABCDEF".utf8)
        for _ in 0 ..< 20_000 {
            let digits = (0 ..< 8).map { _ in alphabet.randomElement(using: &generator)! }
            #expect(Hex.eightDigits(word(digits)) == scalar(digits))
            let random = UInt64.random(in: .min ... .max, using: &generator)
            let bytes = withUnsafeBytes(of: random.littleEndian) { Array($0) }
            #expect(Hex.eightDigits(random) == scalar(bytes))
        }
    }

    @Test("JSON strings of every length up to 24, each kind of character in every place: read back as written; a raw control or invalid byte refused")
    func stringsInEveryPlace() throws {
        let pieces = ["a", "é", "\"", "\\", "/", "\u{1}", "\u{1F}", "\u{7F}", "😀", "\n"]
        for length in 1 ... 24 {
            for place in 0 ..< length {
                let before = String(repeating: "x", count: place), after = String(repeating: "y", count: length - place - 1)
                for piece in pieces {
                    let value = before + piece + after
                    #expect(try JSONParser.parse(JSONValue.string(value).serialized) == .string(value), "\(value.debugDescription)")
                }
                for raw: UInt8 in [0x00, 0x01, 0x0A, 0x1F, 0xFF, 0xC3] {
                    let text = [0x22] + Array(before.utf8) + [raw] + Array(after.utf8) + [0x22]
                    #expect(throws: JSONParseError.self, "byte \(raw) in place \(place) of \(length)") { try JSONParser.parse(text) }
                }
            }
        }
    }

    @Test("JSON: invalid UTF-8 is refused")
    func invalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test("JSON: the 64-bit integer range parses exactly")
    func integerRange() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .integer(.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .integer(.min))
    }

    @Test("dates: real days only, full years counted like birthdays")
    func dates() throws {
        #expect(CivilDate("2021-02-30") == nil)
        #expect(CivilDate("2021-13-01") == nil)
        #expect(CivilDate("2021-1-01") == nil)
        #expect(CivilDate("2020-02-29") != nil && CivilDate("2100-02-29") == nil)
        let d = try #require(CivilDate("2017-12-08"))
        #expect(d.description == "2017-12-08")
        #expect(CivilDate(daysSinceEpoch: d.daysSinceEpoch) == d)
        #expect(CivilDate("1970-01-01")?.daysSinceEpoch == 0)
        #expect(CivilDate("2018-05-03")!.fullYears(until: CivilDate("2021-05-02")!) == 2)
        #expect(CivilDate("2018-05-03")!.fullYears(until: CivilDate("2021-05-03")!) == 3)
    }

    @Test("dates and date-times read the same from a string in any storage as from its bytes")
    func datesFromBytes() throws {
        for text in ["2017-12-08", "0001-01-01", "9999-12-31", "2020-02-29", "2021-02-29", "2017-12-8", "2017-12-080",
                     "2017/12/08", "2017-12/08", "2017+12-08", "2017-1a-08", "２017-12-08", "2017-12-08T09:30:00Z", "2017-12-08T09:30:00.5+01:00", "2017-12-08T09:30:00-23:59",
                     "2017-12-08T09:30:00.1234567z", "2017-12-08t09:30:00Z", "2017-12-08T09:30:00+1:00", "2017-12-08T09:30:00."] {
            // A small string, one made from a substring, one grown from room reserved.
            var grown = String()
            grown.reserveCapacity(64)
            grown += text
            let expected = Self.referenceDay(Array(text.utf8))
            for storage in [text, String(("." + text).dropFirst()), grown] {
                #expect(CivilDate(storage)?.daysSinceEpoch == expected, "\(text)")
                #expect(Instant(rfc3339: storage) == Instant(rfc3339: text))
            }
        }
        #expect(Instant(rfc3339: "2017-12-08T09:30:00.5+01:00")?.microseconds
            == CivilDate("2017-12-08")!.startInstant.microseconds + (8 * 3600 + 30 * 60) * 1_000_000 + 500_000)
    }

    /// `YYYY-MM-DD` read digit by digit from an array: the days since 1970, or `nil`.
    static func referenceDay(_ b: [UInt8]) -> Int64? {
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            range.allSatisfy { (0x30 ... 0x39).contains(b[$0]) } ? range.reduce(0) { $0 * 10 + Int(b[$1] - 0x30) } : nil
        }
        guard let y = number(0 ..< 4), let m = number(5 ..< 7), let d = number(8 ..< 10) else { return nil }
        return CivilDate(year: y, month: m, day: d)?.daysSinceEpoch
    }

    @Test("occurredAt: a date means 00:00:00Z; date-times with offsets land on their UTC day")
    func occurredAt() throws {
        #expect(OccurredAt("2017-11-17")?.instant == CivilDate("2017-11-17")!.startInstant)
        let late = try #require(OccurredAt("2017-12-09T00:30:00+01:00"))
        #expect(late.day == CivilDate("2017-12-08"))
        #expect(OccurredAt("2017-11-17T10:00:00.250Z")!.instant.microseconds % 1_000_000 == 250_000)
        for bad in ["2017-11-17T10:00:00", "2017-11-17 10:00:00Z", "17/11/2017", "2017-11-17T24:00:00Z", "2021-02-30T10:00:00Z"] {
            #expect(OccurredAt(bad) == nil, "\(bad) was accepted")
        }
        #expect(Instant(microseconds: 1_511_000_000_123_456).description == "2017-11-18T10:13:20.123Z")
    }

    @Test("per-metric values: set, read back, removed; a removed value leaves the map equal to one never set")
    func perMetric() {
        var figures = PerMetric<Int64>()
        #expect(Metric.allCases.allSatisfy { figures[$0] == nil })
        figures[.exportRevenueEur] = 0
        figures[.headcount] = -4
        #expect(figures[.revenueEur] == nil && figures[.exportRevenueEur] == 0 && figures[.headcount] == -4)
        var other = PerMetric<Int64>()
        other[.headcount] = -4
        #expect(figures != other)
        figures[.exportRevenueEur] = nil
        #expect(figures == other && figures[.exportRevenueEur] == nil)
        var latest = PerMetric<MeasurementRecord>()
        latest[.revenueEur] = MeasurementRecord(instant: 0, position: 0, value: 0)
        #expect(latest != PerMetric<MeasurementRecord>() && latest[.revenueEur]?.value == 0)
    }
}

/// Input lines as ``LineReader`` splits them, against a plain split.
@Suite struct LineReaderTests {
    @Test("lines are split at each newline, empty ones too, across reads, a trailing \\r dropped, the last without a newline kept, overlong ones measured")
    func lines() throws {
        // Lines of every length around a read's 1 MiB, and short ones between.
        var input: [UInt8] = []
        var expected: [String] = []
        var state: UInt64 = 7
        for index in 0 ..< 400 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = index % 50 == 49 ? (1 << 20) - 3 + Int(state >> 61) : Int(state >> 52) % 9000
            let body = [UInt8](repeating: UInt8(0x61 + index % 26), count: length)
            let crlf = index % 7 == 0
            input += body + (crlf ? [0x0D, 0x0A] : [0x0A])
            expected.append(length > 1_000_000 ? "long \(length + (crlf ? 1 : 0))" : String(decoding: body, as: UTF8.self))
            if index % 10 == 0 {
                input += [0x0A]
                expected.append("")
            }
        }
        input += Array("last".utf8)
        expected.append("last")
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/lines"
        try Data(input).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var reader = LineReader(fd: fd, maximumLength: 1_000_000)
        var lines: [String] = []
        while let line = try reader.next() {
            switch line {
            case .text(let bytes): lines.append(String(decoding: bytes, as: UTF8.self))
            case .tooLong(let length): lines.append("long \(length)")
            }
        }
        #expect(lines.count == expected.count)
        #expect(lines == expected)
        #expect(reader.bytesRead == input.count)
    }
}
