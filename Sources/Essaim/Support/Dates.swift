/// A calendar day (proleptic Gregorian, no time zone), as in `2017-12-08`.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let daysSinceEpoch: Int64

    /// The day `daysSinceEpoch` days after 1970-01-01.
    public init(daysSinceEpoch: Int64) { self.daysSinceEpoch = daysSinceEpoch }

    /// A day from its parts; `nil` when the day does not exist (2021-02-30).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...CivilDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        daysSinceEpoch = era * 146_097 + doe - 719_468
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: String) {
        guard let date = text.withUTF8Bytes(CivilDate.init(utf8:)) else { return nil }
        self = date
    }

    /// Parses exactly `YYYY-MM-DD` from its UTF-8, where it lies (a date's
    /// text is a small string: read from its own words, no array made).
    init?(utf8 b: UnsafeRawBufferPointer) {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y = Self.digits(b, 0, 4), let m = Self.digits(b, 5, 2), let d = Self.digits(b, 8, 2) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The day's year, month and day of month.
    public var components: (year: Int, month: Int, day: Int) {
        // Howard Hinnant's civil_from_days.
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        let c = components
        return Self.pad(c.year, 4) + "-" + Self.pad(c.month, 2) + "-" + Self.pad(c.day, 2)
    }

    /// The instant 00:00:00Z of this day.
    public var startInstant: Instant { Instant(microseconds: daysSinceEpoch * Instant.microsecondsPerDay) }

    /// Full years from `self` to `later` (a birthday-style count; negative when `later` is earlier).
    public func fullYears(until later: CivilDate) -> Int {
        let a = components, b = later.components
        var years = b.year - a.year
        if (b.month, b.day) < (a.month, a.day) { years -= 1 }
        return years
    }

    /// The same day `years` years later; 29 February falls on 28 February in a
    /// year without one.
    public func anniversary(_ years: Int) -> CivilDate {
        let c = components
        return CivilDate(year: c.year + years, month: c.month, day: c.day)
            ?? CivilDate(year: c.year + years, month: c.month, day: c.day - 1)!
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func digits(_ b: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for i in start..<start + count {
            guard i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) else { return nil }
            value = value * 10 + Int(b[i] - UInt8(ascii: "0"))
        }
        return value
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// A point in time, in microseconds since 1970-01-01T00:00:00Z.
public struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible {
    static let microsecondsPerDay: Int64 = 86_400_000_000

    /// Microseconds since the Unix epoch (UTC).
    public let microseconds: Int64

    /// The instant `microseconds` after the Unix epoch.
    public init(microseconds: Int64) { self.microseconds = microseconds }

    /// The current system time.
    public static func now() -> Instant {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Instant(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }

    /// The UTC day this instant falls on.
    public var utcDate: CivilDate {
        let days = microseconds >= 0 ? microseconds / Self.microsecondsPerDay
                                     : (microseconds - Self.microsecondsPerDay + 1) / Self.microsecondsPerDay
        return CivilDate(daysSinceEpoch: days)
    }

    /// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-24T11:16:53.123Z`.
    public var description: String {
        let day = utcDate
        let micros = microseconds - day.daysSinceEpoch * Self.microsecondsPerDay
        let seconds = Int(micros / 1_000_000)
        let millis = Int(micros % 1_000_000 / 1000)
        return "\(day)T\(CivilDate.pad(seconds / 3600, 2)):\(CivilDate.pad(seconds / 60 % 60, 2)):"
            + "\(CivilDate.pad(seconds % 60, 2)).\(CivilDate.pad(millis, 3))Z"
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.microseconds < rhs.microseconds }

    /// Parses an RFC 3339 date-time (`2017-11-17T09:30:00Z`, `…+01:00`, with optional fraction).
    /// Seconds may not be 60: the ledger has no use for leap seconds.
    public init?(rfc3339 text: String) {
        guard let microseconds = text.withUTF8Bytes(Self.rfc3339Microseconds) else { return nil }
        self.microseconds = microseconds
    }

    private static func rfc3339Microseconds(_ b: UnsafeRawBufferPointer) -> Int64? {
        guard b.count >= 20, let date = CivilDate(utf8: UnsafeRawBufferPointer(rebasing: b[0..<10])),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let hh = CivilDate.digits(b, 11, 2), let mm = CivilDate.digits(b, 14, 2), let ss = CivilDate.digits(b, 17, 2),
              hh < 24, mm < 60, ss < 60 else { return nil }
        var i = 19
        var fraction: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) {
                if digits < 6 { fraction = fraction * 10 + Int64(b[i] - UInt8(ascii: "0")) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { fraction *= 10 }
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard i + 6 == b.count, b[i + 3] == UInt8(ascii: ":"),
                  let oh = CivilDate.digits(b, i + 1, 2), let om = CivilDate.digits(b, i + 4, 2), oh < 24, om < 60 else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let seconds = date.daysSinceEpoch * 86_400 + Int64(hh * 3600 + mm * 60 + ss) - Int64(offsetSeconds)
        return seconds * 1_000_000 + fraction
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
