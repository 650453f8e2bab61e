// How an event's `data` is stored: a compact binary encoding, one schema version
// per event type. JSON stays at the edges (import, export, CLI).
//
// Schema 1 of every type is the canonical compact JSON of `events.md`, the
// encoding of the first ledgers; schema 2 is the binary encoding below. Old
// schemas are never rewritten in place: a record stored under an older schema
// is decoded by that schema's reader and *upcast* into today's typed event.
//
// To change a type's encoding: bump its entry in `currentSchema`, write the new
// encoder and decoder, and keep the previous decoder as an upcaster (a function
// from the old bytes to today's `DomainEvent`). Never reuse a schema number.
//
// Binary layout (schema 2): fields in catalogue order. Each object with optional
// fields starts with a varint bit set of the optional fields present (bit i for
// the i-th optional field in order). Strings and lists carry a varint length;
// integers are zigzag varints; dates are zigzag varint days since 1970-01-01;
// enumerations are one byte, their case's index in declaration order (cases are
// only ever appended).

/// An enumeration stored as one byte: the case's index in declaration order.
protocol StoredEnumeration: CaseIterable, Equatable {
    static var storageOrder: [Self] { get }
}

extension TerritoryLevel: StoredEnumeration { static let storageOrder = allCases }
extension NetworkKind: StoredEnumeration { static let storageOrder = allCases }
extension ProgramKind: StoredEnumeration { static let storageOrder = allCases }
extension SessionKind: StoredEnumeration { static let storageOrder = allCases }
extension SessionMode: StoredEnumeration { static let storageOrder = allCases }

/// What decoding does with personal data (an application's leader).
enum PersonalAccess {
    /// Left out: the event comes back without it (folds, rules, checks).
    case withheld
    /// Decrypted with the key store; an erased leader reads as ``Leader/erased``.
    case open(PersonalKeys)
}

enum EventDataCodec {
    /// The schema new events of `type` are written in. `ApplicationSubmitted`
    /// is at 3: schema 2 with the leader sealed (AES-GCM, the application's key).
    static func currentSchema(for type: EventType) -> UInt8 { type == .applicationSubmitted ? 3 : 2 }

    /// The plain canonical form of an event's data (schema 2, personal data in the
    /// clear): what two events are compared on, never what is stored.
    static func encode(_ event: DomainEvent) -> [UInt8] {
        var w = ByteWriter(capacity: 96)
        try! encode(event, into: &w, sealLeader: nil)
        return w.bytes
    }

    /// The stored form of an event's data, in its type's current schema, personal
    /// data sealed with `keys`.
    static func stored(_ event: DomainEvent, keys: PersonalKeys) throws -> [UInt8] {
        var w = ByteWriter(capacity: 96)
        guard case let .applicationSubmitted(e) = event else {
            try encode(event, into: &w, sealLeader: nil)
            return w.bytes
        }
        try encode(event, into: &w) { leader in try keys.seal(leaderBytes(leader), for: e.application) }
        return w.bytes
    }

    private static func leaderBytes(_ leader: Leader) -> [UInt8] {
        var w = ByteWriter(capacity: 48)
        w.presence(leader.email != nil)
        w.text(leader.name)
        if let v = leader.email { w.text(v) }
        return w.bytes
    }

    /// Decodes data stored under `schema`, upcasting older schemas to today's event.
    static func decode(type: EventType, schema: UInt8, _ bytes: UnsafeRawBufferPointer,
                       personal: PersonalAccess = .withheld) throws -> DomainEvent {
        switch schema {
        case 2, 3:
            var r = ByteReader(bytes)
            var event = try decodeV2(type, &r, sealed: schema == 3, personal: personal)
            guard r.isAtEnd else { throw ByteReader.Truncated() }
            if schema == 2, case .withheld = personal { event = event.withoutPersonalData }
            return event
        case 1:
            // Upcaster: canonical JSON, read by the same strict reader as import.
            let event = try DomainEvent.decode(type: type, data: try JSONParser.parse(bytes))
            if case .withheld = personal { return event.withoutPersonalData }
            return event
        default:
            throw LedgerError(.newerFormat, "\(type.rawValue) data schema \(schema) is newer than this Essaim understands")
        }
    }

    // MARK: Schema 2

    private static func encode(_ event: DomainEvent, into w: inout ByteWriter, sealLeader: ((Leader) throws -> [UInt8])?) throws {
        switch event {
        case let .territoryDefined(e):
            w.presence(e.parent != nil)
            w.text(e.code); w.text(e.name); w.enumeration(e.level)
            if let parent = e.parent { w.text(parent) }
        case let .networkRegistered(e):
            w.text(e.network); w.text(e.name); w.enumeration(e.kind); w.text(e.territory)
        case let .programLaunched(e):
            w.presence(e.capacityPerCohort != nil, e.sectors != nil, e.eligibility != nil, e.free != nil, e.confidential != nil)
            w.text(e.program); w.text(e.name); w.enumeration(e.kind); w.texts(e.networks); w.texts(e.territories)
            if let v = e.capacityPerCohort { w.zigzag(v) }
            if let v = e.sectors { w.texts(v) }
            if let v = e.eligibility {
                w.presence(v.minCompanyAgeYears != nil, v.minRevenueEur != nil, v.minHeadcount != nil)
                for figure in [v.minCompanyAgeYears, v.minRevenueEur, v.minHeadcount] { if let figure { w.zigzag(figure) } }
            }
            if let v = e.free { w.u8(v ? 1 : 0) }
            if let v = e.confidential { w.u8(v ? 1 : 0) }
        case let .programExtended(e):
            w.text(e.program); w.texts(e.territories)
        case let .cohortOpened(e):
            w.presence(e.capacity != nil, e.applicationDeadline != nil, e.committeeOn != nil)
            w.text(e.program); w.text(e.cohort); w.text(e.label)
            if let v = e.capacity { w.zigzag(v) }
            if let v = e.applicationDeadline { w.zigzag(v.daysSinceEpoch) }
            if let v = e.committeeOn { w.zigzag(v.daysSinceEpoch) }
        case let .applicationSubmitted(e):
            w.presence(e.leader != nil, e.baseline != nil, e.segments != nil)
            w.text(e.application); w.text(e.cohort)
            let c = e.company
            w.presence(c.sector != nil, c.territory != nil, c.foundedOn != nil)
            w.text(c.id); w.text(c.name)
            if let v = c.sector { w.text(v) }
            if let v = c.territory { w.text(v) }
            if let v = c.foundedOn { w.zigzag(v.daysSinceEpoch) }
            if let leader = e.leader {
                if let sealLeader { w.bytesWithLength(try sealLeader(leader)) } else { w.raw(leaderBytes(leader)) }
            }
            if let v = e.baseline { w.figures(v) }
            if let v = e.segments { w.texts(v) }
        case let .candidateSelected(application), let .candidateWaitlisted(application):
            w.text(application)
        case let .candidateRejected(e), let .participantWithdrew(e):
            w.presence(e.reason != nil)
            w.text(e.application)
            if let v = e.reason { w.text(v) }
        case let .sessionHeld(e):
            w.presence(e.durationMinutes != nil, e.facilitators != nil, e.mode != nil)
            w.text(e.session); w.text(e.cohort); w.enumeration(e.kind); w.texts(e.attendees)
            if let v = e.durationMinutes { w.zigzag(v) }
            if let v = e.facilitators { w.texts(v) }
            if let v = e.mode { w.enumeration(v) }
        case let .outcomeRecorded(e):
            w.presence(e.metrics != nil, e.milestone != nil, e.note != nil)
            w.text(e.application)
            if let v = e.metrics { w.figures(v) }
            if let v = e.milestone { w.text(v) }
            if let v = e.note { w.text(v) }
        case let .siteOpened(e), let .sitePlanned(e):
            w.presence(e.program != nil)
            w.text(e.site); w.text(e.name); w.text(e.network); w.text(e.territory)
            if let v = e.program { w.text(v) }
        case let .personalDataErased(e):
            w.presence(e.reason != nil)
            w.text(e.application)
            if let v = e.reason { w.text(v) }
        }
    }

    private static func decodeV2(_ type: EventType, _ r: inout ByteReader, sealed: Bool, personal: PersonalAccess) throws -> DomainEvent {
        switch type {
        case .territoryDefined:
            let present = try r.varint()
            return .territoryDefined(TerritoryDefined(
                code: try r.text(), name: try r.text(), level: try r.enumeration(),
                parent: present & 1 != 0 ? try r.text() : nil))
        case .networkRegistered:
            return .networkRegistered(NetworkRegistered(
                network: try r.text(), name: try r.text(), kind: try r.enumeration(), territory: try r.text()))
        case .programLaunched:
            let present = try r.varint()
            var e = ProgramLaunched(program: try r.text(), name: try r.text(), kind: try r.enumeration(),
                                    networks: try r.texts(), territories: try r.texts())
            if present & 1 != 0 { e.capacityPerCohort = try r.zigzag() }
            if present & 2 != 0 { e.sectors = try r.texts() }
            if present & 4 != 0 {
                let figures = try r.varint()
                e.eligibility = Eligibility(minCompanyAgeYears: figures & 1 != 0 ? try r.zigzag() : nil,
                                            minRevenueEur: figures & 2 != 0 ? try r.zigzag() : nil,
                                            minHeadcount: figures & 4 != 0 ? try r.zigzag() : nil)
            }
            if present & 8 != 0 { e.free = try r.u8() != 0 }
            if present & 16 != 0 { e.confidential = try r.u8() != 0 }
            return .programLaunched(e)
        case .programExtended:
            return .programExtended(ProgramExtended(program: try r.text(), territories: try r.texts()))
        case .cohortOpened:
            let present = try r.varint()
            var e = CohortOpened(program: try r.text(), cohort: try r.text(), label: try r.text())
            if present & 1 != 0 { e.capacity = try r.zigzag() }
            if present & 2 != 0 { e.applicationDeadline = CivilDate(daysSinceEpoch: try r.zigzag()) }
            if present & 4 != 0 { e.committeeOn = CivilDate(daysSinceEpoch: try r.zigzag()) }
            return .cohortOpened(e)
        case .applicationSubmitted:
            let present = try r.varint()
            let application = try r.text(), cohort = try r.text()
            let companyPresent = try r.varint()
            var company = Company(id: try r.text(), name: try r.text())
            if companyPresent & 1 != 0 { company.sector = try r.text() }
            if companyPresent & 2 != 0 { company.territory = try r.text() }
            if companyPresent & 4 != 0 { company.foundedOn = CivilDate(daysSinceEpoch: try r.zigzag()) }
            var e = ApplicationSubmitted(application: application, cohort: cohort, company: company)
            if present & 1 != 0 {
                if sealed {
                    let box = try r.bytesWithLength()
                    if case let .open(keys) = personal {
                        if let plain = try keys.open(box, for: application) {
                            e.leader = try plain.withUnsafeBytes { bytes in
                                var l = ByteReader(bytes)
                                return try readLeader(&l)
                            }
                        } else {
                            e.leader = .erased
                        }
                    }
                } else {
                    e.leader = try readLeader(&r)
                }
            }
            if present & 2 != 0 { e.baseline = try r.figures() }
            if present & 4 != 0 { e.segments = try r.texts() }
            return .applicationSubmitted(e)
        case .candidateSelected:
            return .candidateSelected(application: try r.text())
        case .candidateWaitlisted:
            return .candidateWaitlisted(application: try r.text())
        case .candidateRejected, .participantWithdrew:
            let present = try r.varint()
            let decision = ApplicationDecision(application: try r.text(), reason: present & 1 != 0 ? try r.text() : nil)
            return type == .candidateRejected ? .candidateRejected(decision) : .participantWithdrew(decision)
        case .sessionHeld:
            let present = try r.varint()
            var e = SessionHeld(session: try r.text(), cohort: try r.text(), kind: try r.enumeration(), attendees: try r.texts())
            if present & 1 != 0 { e.durationMinutes = try r.zigzag() }
            if present & 2 != 0 { e.facilitators = try r.texts() }
            if present & 4 != 0 { e.mode = try r.enumeration() }
            return .sessionHeld(e)
        case .outcomeRecorded:
            let present = try r.varint()
            var e = OutcomeRecorded(application: try r.text())
            if present & 1 != 0 { e.metrics = try r.figures() }
            if present & 2 != 0 { e.milestone = try r.text() }
            if present & 4 != 0 { e.note = try r.text() }
            return .outcomeRecorded(e)
        case .siteOpened, .sitePlanned:
            let present = try r.varint()
            let site = Site(site: try r.text(), name: try r.text(), network: try r.text(), territory: try r.text(),
                            program: present & 1 != 0 ? try r.text() : nil)
            return type == .siteOpened ? .siteOpened(site) : .sitePlanned(site)
        case .personalDataErased:
            let present = try r.varint()
            return .personalDataErased(PersonalDataErased(application: try r.text(), reason: present & 1 != 0 ? try r.text() : nil))
        }
    }

    private static func readLeader(_ r: inout ByteReader) throws -> Leader {
        let present = try r.varint()
        return Leader(name: try r.text(), email: present & 1 != 0 ? try r.text() : nil)
    }
}

extension ByteWriter {
    /// The bit set of which optional fields follow (bit i for the i-th flag).
    mutating func presence(_ flags: Bool...) {
        var bits: UInt64 = 0
        for (i, flag) in flags.enumerated() where flag { bits |= 1 << UInt64(i) }
        varint(bits)
    }

    mutating func enumeration<E: StoredEnumeration>(_ value: E) {
        u8(UInt8(E.storageOrder.firstIndex(of: value)!))
    }

    mutating func figures(_ f: Figures) {
        presence(f.revenueEur != nil, f.exportRevenueEur != nil, f.headcount != nil)
        for figure in [f.revenueEur, f.exportRevenueEur, f.headcount] { if let figure { zigzag(figure) } }
    }
}

extension ByteReader {
    mutating func enumeration<E: StoredEnumeration>() throws -> E {
        let index = Int(try u8())
        guard index < E.storageOrder.count else { throw ByteReader.Truncated() }
        return E.storageOrder[index]
    }

    mutating func figures() throws -> Figures {
        let present = try varint()
        return Figures(revenueEur: present & 1 != 0 ? try zigzag() : nil,
                       exportRevenueEur: present & 2 != 0 ? try zigzag() : nil,
                       headcount: present & 4 != 0 ? try zigzag() : nil)
    }
}
