// The records of the entities events name, one per entity, in one key space
// (the `essaim.read-models` projection's): a kind byte and the entity's id. The
// refusal rules check events against them and the read models are built from
// them. Encoded compactly (varints, see
// `ByteWriter`) with fields in a fixed order, so the same fold always writes the
// same bytes (incremental = replayed). The layout is versioned by
// `ReadModelsProjection.schemaVersion`: a change there rebuilds the records.

/// The kind byte that starts the key of every entity record. A new kind of
/// entity declares its own in an extension (`extension RecordKind { static let
/// member = RecordKind(0x4D) }`); never reuse or renumber a byte.
struct RecordKind: Hashable, Sendable {
    let rawValue: UInt8

    init(_ rawValue: UInt8) { self.rawValue = rawValue }

    static let territory = RecordKind(0x54)   // T
    static let network = RecordKind(0x4E)     // N
    static let program = RecordKind(0x50)     // P
    static let cohort = RecordKind(0x43)      // C
    static let application = RecordKind(0x41) // A
    static let site = RecordKind(0x53)        // S
    static let timeline = RecordKind(0x45)    // E
    /// Participants per company territory (a count, for the territory report).
    static let participants = RecordKind(0x51) // Q
    /// Programs named by a launch or extension, per territory: territory, `0x00`,
    /// program → the earliest day (coverage, for the territory report).
    static let coverage = RecordKind(0x56) // V
    /// Sites per territory: territory, `0x00`, site → nothing (a site that moved
    /// leaves its old entry, which readers check against the site record).
    static let siteAt = RecordKind(0x57) // W
    /// Timeline entries with a program: program, `0x00`, position, index → entry.
    static let programTimeline = RecordKind(0x47) // G
    /// Site timeline entries: the site's network, `0x00`, position, index → entry.
    static let networkTimeline = RecordKind(0x48) // H
    /// Session ids in use (cohort and mentoring sessions): session → nothing.
    static let session = RecordKind(0x73) // s

    /// The id of an entry of a per-territory index (`coverage`, `siteAt`).
    static func pair(_ territory: String, _ member: String) -> String { territory + "\u{0}" + member }

    func key(_ id: String) -> [UInt8] {
        var key = ByteWriter(capacity: 1 + id.utf8.count)
        key.u8(rawValue)
        key.utf8(id)
        return key.bytes
    }
}

/// A read-model record with its stored encoding.
protocol StoredRecord {
    init(from r: inout ByteReader) throws
    func encode(to w: inout ByteWriter)
    /// Asks the processor to load what ``encode(to:)`` reads beyond the
    /// record's own bytes (its arrays' elements); nothing by default.
    /// Mutating, so that a record in an optional is reached in place, where
    /// a call on a copy would retain and release its strings and arrays.
    mutating func prefetchParts()
}

extension StoredRecord {
    mutating func prefetchParts() {}

    var storedBytes: [UInt8] {
        var w = ByteWriter(capacity: 64)
        encode(to: &w)
        return w.bytes
    }

    init(stored bytes: UnsafeRawBufferPointer) throws {
        var r = ByteReader(bytes)
        do {
            try self.init(from: &r)
            guard r.isAtEnd else { throw ByteReader.Truncated() }
        } catch is ByteReader.Truncated {
            throw LedgerError(.corrupt, "a read-model record does not decode; run `essaim replay`")
        }
    }
}

struct TerritoryRecord: StoredRecord, Equatable {
    var name: String
    var level: String
    var parent: String?

    init(name: String, level: String, parent: String?) {
        self.name = name
        self.level = level
        self.parent = parent
    }

    init(from r: inout ByteReader) throws {
        name = try r.text()
        level = try r.text()
        parent = try r.optionalText()
    }

    func encode(to w: inout ByteWriter) {
        w.text(name); w.text(level); w.optionalText(parent)
    }
}

struct NetworkRecord: StoredRecord, Equatable {
    var name: String
    /// Rule 7: the most active members it takes.
    var memberCapacity: Int64?
    var programs: [String] = []
    /// Companies that are members now (rule 7).
    var activeMembers = 0
    /// `MemberJoined` and `MemberLeft` events.
    var joined = 0, left = 0
    /// Its mentorships, in start order.
    var mentorships: [String] = []
    /// Its shared positions, in opening order.
    var positions: [String] = []

    init(name: String, memberCapacity: Int64?) {
        self.name = name
        self.memberCapacity = memberCapacity
    }

    init(from r: inout ByteReader) throws {
        name = try r.text()
        memberCapacity = try r.optionalZigzag()
        programs = try r.texts()
        activeMembers = Int(try r.varint())
        joined = Int(try r.varint())
        left = Int(try r.varint())
        mentorships = try r.texts()
        positions = try r.texts()
    }

    func encode(to w: inout ByteWriter) {
        w.text(name); w.optionalZigzag(memberCapacity); w.texts(programs)
        w.varint(UInt64(activeMembers)); w.varint(UInt64(joined)); w.varint(UInt64(left))
        w.texts(mentorships); w.texts(positions)
    }
}

struct CoverageRecord: Equatable {
    var territory: String
    /// Business day (days since 1970-01-01).
    var on: Int64
}

struct ProgramRecord: StoredRecord, Equatable {
    var name: String
    var networks: [String]
    var capacityPerCohort: Int64?
    /// The criteria of rule 5.
    var eligibility: Eligibility?
    var cohorts: [String] = []
    var coverage: [CoverageRecord] = []

    init(name: String, networks: [String], capacityPerCohort: Int64?, eligibility: Eligibility?, coverage: [CoverageRecord]) {
        self.name = name
        self.networks = networks
        self.capacityPerCohort = capacityPerCohort
        self.eligibility = eligibility
        self.coverage = coverage
    }

    init(from r: inout ByteReader) throws {
        name = try r.text()
        networks = try r.texts()
        capacityPerCohort = try r.optionalZigzag()
        if try r.u8() == 1 {
            eligibility = Eligibility(minCompanyAgeYears: try r.optionalZigzag(), minRevenueEur: try r.optionalZigzag(),
                                      minHeadcount: try r.optionalZigzag(), membersOnly: try r.optionalBool())
        }
        cohorts = try r.texts()
        coverage = try r.list { CoverageRecord(territory: try $0.text(), on: try $0.zigzag()) }
    }

    func encode(to w: inout ByteWriter) {
        w.text(name); w.texts(networks); w.optionalZigzag(capacityPerCohort)
        if let eligibility {
            w.u8(1)
            w.optionalZigzag(eligibility.minCompanyAgeYears)
            w.optionalZigzag(eligibility.minRevenueEur)
            w.optionalZigzag(eligibility.minHeadcount)
            w.optionalBool(eligibility.membersOnly)
        } else {
            w.u8(0)
        }
        w.texts(cohorts)
        w.varint(UInt64(coverage.count))
        for c in coverage { w.text(c.territory); w.zigzag(c.on) }
    }
}

struct SessionRecord: Equatable {
    var day: Int64
    var position: UInt64
    /// The applications present, as the event listed them.
    var attendees: [String] = []
}

struct CohortRecord: StoredRecord, Equatable {
    var program: String
    var label: String
    /// The cohort's capacity, else the program's `capacityPerCohort`.
    var capacity: Int64?
    /// Last day to apply (rule 4), in days since 1970-01-01.
    var applicationDeadline: Int64?
    /// Participants selected and not withdrawn (rule 7).
    var active = 0
    var sessions: [SessionRecord] = []
    /// In submission (log) order.
    var applications: [String] = []

    init(program: String, label: String, capacity: Int64?, applicationDeadline: Int64?) {
        self.program = program
        self.label = label
        self.capacity = capacity
        self.applicationDeadline = applicationDeadline
    }

    init(from r: inout ByteReader) throws {
        program = try r.text()
        label = try r.text()
        capacity = try r.optionalZigzag()
        applicationDeadline = try r.optionalZigzag()
        active = Int(try r.varint())
        let applications = try r.texts()
        self.applications = applications
        sessions = try r.list { r in
            SessionRecord(day: try r.zigzag(), position: try r.varint(), attendees: try r.list { r in
                let index = Int(try r.varint())
                return index < applications.count ? applications[index] : try r.text()
            })
        }
    }

    func encode(to w: inout ByteWriter) {
        w.text(program); w.text(label); w.optionalZigzag(capacity); w.optionalZigzag(applicationDeadline)
        w.varint(UInt64(active))
        w.texts(applications)
        // Attendees are participants (rule 8): each is stored as its index in
        // `applications`; one that is not (never, while the rules hold) as
        // `applications.count` and its id.
        w.varint(UInt64(sessions.count))
        // A large cohort looks its attendees up in a table rather than the list.
        var indexes: IDMap<Int>?
        if applications.count > 32 && !sessions.isEmpty {
            var table = IDMap<Int>(capacity: applications.count)
            // The first of a repeated id, as `firstIndex(of:)` gives it.
            for (index, id) in applications.enumerated() where table[id] == nil { table.insert(id, index) }
            indexes = table
        }
        for s in sessions {
            w.zigzag(s.day); w.varint(s.position)
            w.varint(UInt64(s.attendees.count))
            for attendee in s.attendees {
                let index = if let indexes { indexes[attendee] } else { applications.firstIndex(of: attendee) }
                if let index {
                    w.varint(UInt64(index))
                } else {
                    w.varint(UInt64(applications.count)); w.text(attendee)
                }
            }
        }
    }
}

/// The three business figures growth is computed on, in report order.
enum Metric: String, CaseIterable {
    case revenueEur, exportRevenueEur, headcount

    /// Position in report order.
    var index: Int {
        switch self {
        case .revenueEur: 0
        case .exportRevenueEur: 1
        case .headcount: 2
        }
    }

    /// Calls `body` with each figure given, in report order (no array: folds call it per event).
    static func forEach(in figures: Figures?, _ body: (Metric, Int64) -> Void) {
        guard let figures else { return }
        if let value = figures.revenueEur { body(.revenueEur, value) }
        if let value = figures.exportRevenueEur { body(.exportRevenueEur, value) }
        if let value = figures.headcount { body(.headcount, value) }
    }
}

/// One metric figure from an outcome, with what decides which one is latest.
struct MeasurementRecord: Equatable {
    var instant: Int64
    var position: UInt64
    var value: Int64
}

extension PerMetric<MeasurementRecord> {
    /// Keeps, per metric, the figure of the measurement with the greatest
    /// business time; on equal times the later position (this one) wins.
    mutating func record(_ figures: Figures?, _ context: EventContext) {
        Metric.forEach(in: figures) { metric, value in
            let measurement = MeasurementRecord(instant: context.occurredAt.instant.microseconds, position: context.position, value: value)
            if let current = self[metric], current.instant > measurement.instant { return }
            self[metric] = measurement
        }
    }
}

/// A value a ``PerMetric`` can hold, with the one it keeps where a metric has none.
protocol MetricValue: Equatable {
    static var absent: Self { get }
}

extension Int64: MetricValue {
    static var absent: Int64 { 0 }
}

extension MeasurementRecord: MetricValue {
    static var absent: MeasurementRecord { MeasurementRecord(instant: 0, position: 0, value: 0) }
}

/// One optional value per growth metric, stored as three values and a mask
/// rather than three optionals (each padded to the next word): an application
/// record holds three of these, and the fold holds hundreds of thousands of
/// application records between write-backs.
struct PerMetric<Value: MetricValue>: Equatable {
    /// A metric without a value holds `Value.absent`, so equal maps compare equal.
    private var values = (Value.absent, Value.absent, Value.absent)
    /// Bit `metric.index` set when the metric has a value.
    private var present: UInt8 = 0

    subscript(metric: Metric) -> Value? {
        get {
            guard present & 1 << metric.index != 0 else { return nil }
            return switch metric {
            case .revenueEur: values.0
            case .exportRevenueEur: values.1
            case .headcount: values.2
            }
        }
        set {
            let value = newValue ?? Value.absent
            switch metric {
            case .revenueEur: values.0 = value
            case .exportRevenueEur: values.1 = value
            case .headcount: values.2 = value
            }
            if newValue == nil { present &= ~(1 << metric.index) } else { present |= 1 << metric.index }
        }
    }

    static func == (a: PerMetric, b: PerMetric) -> Bool {
        a.present == b.present && a.values.0 == b.values.0 && a.values.1 == b.values.1 && a.values.2 == b.values.2
    }
}

/// What an application's status is, as the read models show it.
enum ApplicationStatus: UInt8 {
    case pending, active, rejected, waitlisted, withdrawn

    var name: String {
        switch self {
        case .pending: "pending"
        case .active: "active"
        case .rejected: "rejected"
        case .waitlisted: "waitlisted"
        case .withdrawn: "withdrawn"
        }
    }

    /// The status in the committee's words, as refusals say it (`selected` for active).
    var decisionName: String { self == .active ? "selected" : name }
}

struct ApplicationRecord: StoredRecord, Equatable {
    var cohort: String
    /// The company's id; its details are the company's (``CompanyRecord``).
    var company: String
    var state: ApplicationStatus = .pending
    var selectedOn: Int64?
    var selectedPosition: UInt64?
    var sessionsAttended = 0
    var baseline = PerMetric<Int64>()
    /// The latest figures of its outcomes (a participant).
    var latest = PerMetric<MeasurementRecord>()
    /// The latest figures of its follow-ups (an applicant never selected).
    var followUp = PerMetric<MeasurementRecord>()
    var milestones: [String] = []
    var segments: [String] = []
    /// The earliest day of an outcome with the milestone `company-created`.
    var createdOn: Int64?

    var status: String { state.name }
    var isParticipant: Bool { selectedOn != nil }

    mutating func prefetchParts() {
        prefetchText(cohort)
        prefetchText(company)
        prefetchElements(milestones)
        prefetchElements(segments)
    }

    func encode(to w: inout ByteWriter) {
        var flags: UInt64 = 0
        if createdOn != nil { flags |= 1 }
        if selectedOn != nil { flags |= 4 }
        for metric in Metric.allCases where followUp[metric] != nil { flags |= 2048 << UInt64(metric.index) }
        // The instant and position of the latest figures, when one outcome gave them all.
        var source: (instant: Int64, position: UInt64)?
        var oneSource = true
        for metric in Metric.allCases {
            if baseline[metric] != nil { flags |= 8 << UInt64(metric.index) }
            if let m = latest[metric] {
                flags |= 64 << UInt64(metric.index)
                if let source, source != (m.instant, m.position) { oneSource = false }
                source = source ?? (m.instant, m.position)
            }
        }
        let shared = oneSource && source != nil
        let midnight = shared && source!.instant % Instant.microsecondsPerDay == 0
        if shared { flags |= 512 }
        if midnight { flags |= 1024 }
        w.varint(flags)
        w.text(cohort); w.text(company)
        w.u8(state.rawValue)
        if let selectedOn {
            w.zigzag(selectedOn)
            w.varint(selectedPosition ?? 0)
        }
        w.varint(UInt64(sessionsAttended))
        for metric in Metric.allCases { if let v = baseline[metric] { w.zigzag(v) } }
        if shared, let source {
            w.zigzag(midnight ? source.instant / Instant.microsecondsPerDay : source.instant)
            w.varint(source.position)
        }
        for metric in Metric.allCases {
            guard let m = latest[metric] else { continue }
            if !shared { w.zigzag(m.instant); w.varint(m.position) }
            w.zigzag(m.value)
        }
        for metric in Metric.allCases {
            guard let m = followUp[metric] else { continue }
            w.zigzag(m.instant); w.varint(m.position); w.zigzag(m.value)
        }
        if let createdOn { w.zigzag(createdOn) }
        w.texts(milestones); w.texts(segments)
    }
}

// Decoded through the memberwise initializer (which makes new records too),
// in an extension so that Swift still makes one (see ``CompanyRecord``'s):
// set field by field, the record was built aside, then copied out and the
// first destroyed.
extension ApplicationRecord {
    // Layout: fields in order; `flags` says which optionals are present
    // (1 createdOn, 2 unused, 4 selection, then 8<<i baseline i, 64<<i latest i;
    // 512: every latest figure comes from one outcome, whose instant and
    // position are then written once; 1024: that instant is a midnight, written
    // as a day; 2048<<i follow-up figure i, each with its instant and position).
    init(from r: inout ByteReader) throws {
        let flags = try r.varint()
        let cohort = try r.text(), company = try r.text()
        guard let state = ApplicationStatus(rawValue: try r.u8()) else { throw ByteReader.Truncated() }
        var selectedOn: Int64?, selectedPosition: UInt64?
        if flags & 4 != 0 {
            selectedOn = try r.zigzag()
            selectedPosition = try r.varint()
        }
        let sessionsAttended = Int(try r.varint())
        var baseline = PerMetric<Int64>(), latest = PerMetric<MeasurementRecord>(), followUp = PerMetric<MeasurementRecord>()
        for metric in Metric.allCases where flags & (8 << UInt64(metric.index)) != 0 { baseline[metric] = try r.zigzag() }
        if flags & 512 != 0 {
            let instant = flags & 1024 != 0 ? try r.zigzag() * Instant.microsecondsPerDay : try r.zigzag()
            let position = try r.varint()
            for metric in Metric.allCases where flags & (64 << UInt64(metric.index)) != 0 {
                latest[metric] = MeasurementRecord(instant: instant, position: position, value: try r.zigzag())
            }
        } else {
            for metric in Metric.allCases where flags & (64 << UInt64(metric.index)) != 0 {
                latest[metric] = MeasurementRecord(instant: try r.zigzag(), position: try r.varint(), value: try r.zigzag())
            }
        }
        for metric in Metric.allCases where flags & (2048 << UInt64(metric.index)) != 0 {
            followUp[metric] = MeasurementRecord(instant: try r.zigzag(), position: try r.varint(), value: try r.zigzag())
        }
        let createdOn = flags & 1 != 0 ? try r.zigzag() : nil
        self.init(cohort: cohort, company: company, state: state, selectedOn: selectedOn, selectedPosition: selectedPosition,
                  sessionsAttended: sessionsAttended, baseline: baseline, latest: latest, followUp: followUp,
                  milestones: try r.texts(), segments: try r.texts(), createdOn: createdOn)
    }
}

struct SiteRecord: StoredRecord, Equatable {
    var name: String
    var network: String
    var program: String?
    var territory: String
    var openedOn: Int64?
    var plannedOn: Int64?

    init(name: String, network: String, program: String?, territory: String) {
        self.name = name
        self.network = network
        self.program = program
        self.territory = territory
    }

    init(from r: inout ByteReader) throws {
        name = try r.text()
        network = try r.text()
        program = try r.optionalText()
        territory = try r.text()
        openedOn = try r.optionalZigzag()
        plannedOn = try r.optionalZigzag()
    }

    func encode(to w: inout ByteWriter) {
        w.text(name); w.text(network); w.optionalText(program); w.text(territory)
        w.optionalZigzag(openedOn); w.optionalZigzag(plannedOn)
    }
}

struct TimelineRecord: StoredRecord, Equatable {
    /// The key of an entry: kind, the program or network and `0x00` (for the
    /// per-program and per-network copies), the event's position, the entry's index.
    static func key(_ kind: RecordKind, _ owner: String?, _ position: UInt64, _ index: Int) -> [UInt8] {
        var key = ByteWriter(capacity: 32)
        key.u8(kind.rawValue)
        if let owner {
            key.utf8(owner)
            key.u8(0)
        }
        key.u64(position)
        key.u16(UInt16(index))
        return key.bytes
    }

    var on: Int64
    var kind: String
    var program: String?
    var network: String?
    var territory: String
    var site: String?
    var position: UInt64

    init(on: Int64, kind: String, program: String? = nil, network: String? = nil, territory: String, site: String? = nil,
         position: UInt64) {
        self.on = on
        self.kind = kind
        self.program = program
        self.network = network
        self.territory = territory
        self.site = site
        self.position = position
    }

    init(from r: inout ByteReader) throws {
        on = try r.zigzag()
        kind = try r.text()
        program = try r.optionalText()
        network = try r.optionalText()
        territory = try r.text()
        site = try r.optionalText()
        position = try r.varint()
    }

    func encode(to w: inout ByteWriter) {
        w.zigzag(on); w.text(kind); w.optionalText(program); w.optionalText(network); w.text(territory)
        w.optionalText(site); w.varint(position)
    }
}

/// A count kept per key (participants per territory).
struct CountRecord: StoredRecord, Equatable {
    var count: Int

    init(count: Int) { self.count = count }

    init(from r: inout ByteReader) throws { count = Int(try r.varint()) }

    func encode(to w: inout ByteWriter) { w.varint(UInt64(count)) }
}

/// A day (days since 1970-01-01), e.g. the start of a program's coverage.
struct DayRecord: StoredRecord, Equatable {
    var day: Int64

    init(day: Int64) { self.day = day }

    init(from r: inout ByteReader) throws { day = try r.zigzag() }

    func encode(to w: inout ByteWriter) { w.zigzag(day) }
}

/// A record with no content: the key says it all.
struct MarkerRecord: StoredRecord, Equatable {
    init() {}

    init(from r: inout ByteReader) throws {}

    func encode(to w: inout ByteWriter) {}
}

/// Typed access to the read-model records of a ``ProjectionStore``.
struct ReadModelRecords {
    let store: any ProjectionStore

    func get<T: StoredRecord>(_ kind: RecordKind, _ id: String, as type: T.Type) throws -> T? {
        try store.value(for: kind.key(id)).map { bytes in try bytes.withUnsafeBytes { try T(stored: $0) } }
    }

    func decode<T: StoredRecord>(_ bytes: [UInt8], as type: T.Type) throws -> T {
        try bytes.withUnsafeBytes { try T(stored: $0) }
    }

    /// The entries of a per-territory index for `territory`: member id and record.
    func index<T: StoredRecord>(_ kind: RecordKind, of territory: String, as type: T.Type) throws -> [(member: String, record: T)] {
        let prefix = kind.key(territory) + [0]
        return try store.entries(withPrefix: prefix).map { entry in
            (member: String(decoding: entry.key.dropFirst(prefix.count), as: UTF8.self), record: try decode(entry.value, as: T.self))
        }
    }

    /// Every record of a kind, with its id, in id order.
    func all<T: StoredRecord>(_ kind: RecordKind, as type: T.Type) throws -> [(id: String, record: T)] {
        try store.entries(withPrefix: [kind.rawValue]).map { entry in
            (id: String(decoding: entry.key.dropFirst(), as: UTF8.self), record: try decode(entry.value, as: T.self))
        }
    }
}
