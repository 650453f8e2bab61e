/// A network's peer mentoring (`essaim query mentoring`): mentorships, sessions,
/// minutes by theme, and peers who mentor each other.
public struct Mentoring: Sendable, Equatable {
    /// One mentorship.
    public struct Pair: Sendable, Equatable {
        /// The mentorship's id.
        public var mentorship: String
        /// The mentoring and the mentored companies.
        public var mentor: String, mentee: String
        /// Its theme, when it has one.
        public var theme: String?
        /// The day it started, and the day it ended (`nil` while active).
        public var startedOn: CivilDate, endedOn: CivilDate?
        /// Its mentoring sessions, and their minutes summed.
        public var sessions: Int, minutes: Int64
        /// The minutes planned for it, when given.
        public var plannedMinutes: Int64?
        /// `minutes > plannedMinutes`; `false` without a plan.
        public var overAllowance: Bool
    }

    /// One theme's mentorships and minutes.
    public struct Theme: Sendable, Equatable {
        /// Mentorships with the theme.
        public var mentorships: Int
        /// Their minutes.
        public var minutes: Int64
    }

    /// The network's id.
    public var network: String
    /// Its mentorships, not ended ones, their sessions and minutes.
    public var mentorships: Int, active: Int, sessions: Int, minutes: Int64
    /// Unordered pairs of companies with a mentorship each way (any theme, ended or not).
    public var reciprocalPairs: Int
    /// Per theme, in lexicographic order; mentorships without a theme are left out.
    public var byTheme: [(theme: String, totals: Theme)]
    /// Every mentorship, by `startedOn`, then position of its start.
    public var pairs: [Pair]

    public static func == (a: Mentoring, b: Mentoring) -> Bool {
        a.network == b.network && a.mentorships == b.mentorships && a.active == b.active && a.sessions == b.sessions
            && a.minutes == b.minutes && a.reciprocalPairs == b.reciprocalPairs && a.pairs == b.pairs
            && a.byTheme.map(\.theme) == b.byTheme.map(\.theme) && a.byTheme.map(\.totals) == b.byTheme.map(\.totals)
    }

    /// The query's JSON object.
    public var json: JSONValue {
        .members([
            ("network", .string(network)), ("mentorships", .integer(Int64(mentorships))), ("active", .integer(Int64(active))),
            ("sessions", .integer(Int64(sessions))), ("minutes", .integer(minutes)),
            ("reciprocalPairs", .integer(Int64(reciprocalPairs))),
            ("byTheme", .object(byTheme.map { (key: $0.theme, value: .members([
                ("mentorships", .integer(Int64($0.totals.mentorships))), ("minutes", .integer($0.totals.minutes))])) })),
            ("pairs", .array(pairs.map { p in
                .members([
                    ("mentorship", .string(p.mentorship)), ("mentor", .string(p.mentor)), ("mentee", .string(p.mentee)),
                    ("theme", .optionalString(p.theme)), ("startedOn", .string(p.startedOn.description)),
                    ("endedOn", p.endedOn.map { .string($0.description) } ?? .null), ("sessions", .integer(Int64(p.sessions))),
                    ("minutes", .integer(p.minutes)), ("plannedMinutes", p.plannedMinutes.map(JSONValue.integer) ?? .null),
                    ("overAllowance", .bool(p.overAllowance)),
                ])
            })),
        ])
    }
}

extension Mentoring {
    init(network id: String, _ records: ReadModelRecords) throws {
        guard let network = try records.get(.network, id, as: NetworkRecord.self) else {
            throw LedgerError(.unknownID, "no network \(id)")
        }
        var found: [(pair: Pair, position: UInt64)] = []
        for mentorship in network.mentorships {
            guard let m = try records.get(.mentorship, mentorship, as: MentorshipRecord.self) else { continue }
            found.append((Pair(
                mentorship: mentorship, mentor: m.mentor, mentee: m.mentee, theme: m.theme,
                startedOn: CivilDate(daysSinceEpoch: m.startedOn), endedOn: m.endedOn.map(CivilDate.init(daysSinceEpoch:)),
                sessions: m.sessions, minutes: m.minutes, plannedMinutes: m.plannedMinutes,
                overAllowance: m.plannedMinutes.map { m.minutes > $0 } ?? false), m.startPosition))
        }
        found.sort { ($0.pair.startedOn, $0.position) < ($1.pair.startedOn, $1.position) }
        let pairs = found.map(\.pair)
        let directed = Set(pairs.map { [$0.mentor, $0.mentee] })
        let reciprocal = Set(directed.filter { directed.contains([$0[1], $0[0]]) }.map { $0.sorted() })
        var themes: [String: Theme] = [:]
        for pair in pairs {
            guard let theme = pair.theme else { continue }
            themes[theme, default: Theme(mentorships: 0, minutes: 0)].mentorships += 1
            themes[theme]!.minutes += pair.minutes
        }
        self.init(network: id, mentorships: pairs.count, active: pairs.filter { $0.endedOn == nil }.count,
                  sessions: pairs.reduce(0) { $0 + $1.sessions }, minutes: pairs.reduce(0) { $0 + $1.minutes },
                  reciprocalPairs: reciprocal.count,
                  byTheme: themes.sorted { $0.key < $1.key }.map { (theme: $0.key, totals: $0.value) }, pairs: pairs)
    }
}
