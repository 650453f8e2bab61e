extension RecordKind {
    /// Mentorships: mentorship id → ``MentorshipRecord``.
    static let mentorship = RecordKind(0x52) // R
}

extension Entities {
    var mentorships: RecordCache<MentorshipRecord> { records(.mentorship) }
}

/// A mentorship between two members of a network, with its sessions' totals.
struct MentorshipRecord: StoredRecord, Equatable {
    var network: String
    var mentor: String
    var mentee: String
    var theme: String?
    var plannedMinutes: Int64?
    /// Days since 1970-01-01.
    var startedOn: Int64
    /// The position of the `MentorshipStarted` event.
    var startPosition: UInt64
    var endedOn: Int64?
    var sessions = 0
    var minutes: Int64 = 0

    init(network: String, mentor: String, mentee: String, theme: String?, plannedMinutes: Int64?,
         startedOn: Int64, startPosition: UInt64) {
        self.network = network
        self.mentor = mentor
        self.mentee = mentee
        self.theme = theme
        self.plannedMinutes = plannedMinutes
        self.startedOn = startedOn
        self.startPosition = startPosition
    }

    init(from r: inout ByteReader) throws {
        network = try r.text()
        mentor = try r.text()
        mentee = try r.text()
        theme = try r.optionalText()
        plannedMinutes = try r.optionalZigzag()
        startedOn = try r.zigzag()
        startPosition = try r.varint()
        endedOn = try r.optionalZigzag()
        sessions = Int(try r.varint())
        minutes = try r.zigzag()
    }

    func encode(to w: inout ByteWriter) {
        w.text(network); w.text(mentor); w.text(mentee); w.optionalText(theme); w.optionalZigzag(plannedMinutes)
        w.zigzag(startedOn); w.varint(startPosition); w.optionalZigzag(endedOn)
        w.varint(UInt64(sessions)); w.zigzag(minutes)
    }
}
