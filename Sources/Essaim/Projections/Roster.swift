/// A cohort's roster (`essaim query roster`): seats, decisions, members, attendance.
public struct Roster: Sendable, Equatable {
    /// One participant (selected at some point).
    public struct Member: Sendable, Equatable {
        /// The application's id.
        public var application: String
        /// The company's name (the latest an event gave).
        public var company: String
        /// The company's territory, when given.
        public var territory: String?
        /// The company's sector, when given.
        public var sector: String?
        /// `active` or `withdrawn`.
        public var status: String
        /// Day of the selection.
        public var selectedOn: CivilDate
        /// Sessions listing this member.
        public var sessionsAttended: Int
        /// Sessions attended over the cohort's sessions held on or after `selectedOn`; `nil` when none.
        public var attendanceRate: Double?
    }

    /// The cohort's id.
    public var cohort: String
    /// The program the cohort belongs to.
    public var program: String
    /// The cohort's label.
    public var label: String
    /// The cohort's capacity, else the program's `capacityPerCohort`, else `nil`.
    public var capacity: Int64?
    /// Participants selected and not withdrawn.
    public var active: Int
    /// `capacity - active`, `nil` without a capacity.
    public var seatsLeft: Int64?
    /// Applications submitted to the cohort.
    public var applications: Int
    /// Applications with no decision yet.
    public var pending: Int
    /// Applications currently waitlisted.
    public var waitlisted: Int
    /// Applications rejected.
    public var rejected: Int
    /// Participants who withdrew.
    public var withdrawn: Int
    /// Sessions the cohort held.
    public var sessionsHeld: Int
    /// Every participant, by `selectedOn`, then by position of the selection.
    public var members: [Member]
    /// The cohort's sessions in log order: their day and attendees (beyond the
    /// contract's fields; the report's attendance grid).
    public var sessions: [Session]

    /// One session of the cohort.
    public struct Session: Sendable, Equatable {
        /// Its business day.
        public var on: CivilDate
        /// The applications present.
        public var attendees: [String]
    }

    /// The contract's JSON object.
    public var json: JSONValue {
        .members([
            ("cohort", .string(cohort)), ("program", .string(program)), ("label", .string(label)),
            ("capacity", capacity.map(JSONValue.integer) ?? .null), ("active", .integer(Int64(active))),
            ("seatsLeft", seatsLeft.map(JSONValue.integer) ?? .null), ("applications", .integer(Int64(applications))),
            ("pending", .integer(Int64(pending))), ("waitlisted", .integer(Int64(waitlisted))),
            ("rejected", .integer(Int64(rejected))), ("withdrawn", .integer(Int64(withdrawn))),
            ("sessionsHeld", .integer(Int64(sessionsHeld))),
            ("members", .array(members.map { m in
                .members([
                    ("application", .string(m.application)), ("company", .string(m.company)),
                    ("territory", m.territory.map(JSONValue.string) ?? .null), ("sector", m.sector.map(JSONValue.string) ?? .null),
                    ("status", .string(m.status)), ("selectedOn", .string(m.selectedOn.description)),
                    ("sessionsAttended", .integer(Int64(m.sessionsAttended))),
                    ("attendanceRate", m.attendanceRate.map(JSONValue.number) ?? .null),
                ])
            })),
            ("sessions", .array(sessions.map { .members([("on", .string($0.on.description)), ("attendees", .strings($0.attendees))]) })),
        ])
    }
}

extension Roster {
    init(cohort id: String, _ records: ReadModelRecords) throws {
        guard let cohort = try records.get(.cohort, id, as: CohortRecord.self) else {
            throw LedgerError(.unknownID, "no cohort \(id)")
        }
        var counts: [String: Int] = [:]
        var members: [(Member, UInt64)] = []
        for applicationID in cohort.applications {
            guard let a = try records.get(.application, applicationID, as: ApplicationRecord.self) else { continue }
            counts[a.status, default: 0] += 1
            guard let selectedOn = a.selectedOn else { continue }
            let heldSince = cohort.sessions.filter { $0.day >= selectedOn }.count
            let company = try records.get(.company, a.company, as: CompanyRecord.self)
            members.append((Member(
                application: applicationID, company: company?.name ?? a.company, territory: company?.territory,
                sector: company?.sector, status: a.status,
                selectedOn: CivilDate(daysSinceEpoch: selectedOn), sessionsAttended: a.sessionsAttended,
                attendanceRate: heldSince == 0 ? nil : Double(a.sessionsAttended) / Double(heldSince)), a.selectedPosition ?? 0))
        }
        members.sort { ($0.0.selectedOn, $0.1) < ($1.0.selectedOn, $1.1) }
        let active = counts["active", default: 0]
        self.init(cohort: id, program: cohort.program, label: cohort.label, capacity: cohort.capacity, active: active,
                  seatsLeft: cohort.capacity.map { $0 - Int64(active) }, applications: cohort.applications.count,
                  pending: counts["pending", default: 0], waitlisted: counts["waitlisted", default: 0],
                  rejected: counts["rejected", default: 0], withdrawn: counts["withdrawn", default: 0],
                  sessionsHeld: cohort.sessions.count, members: members.map(\.0),
                  sessions: cohort.sessions.map { Session(on: CivilDate(daysSinceEpoch: $0.day), attendees: $0.attendees) })
    }
}
