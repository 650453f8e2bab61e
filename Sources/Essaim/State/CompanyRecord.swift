extension RecordKind {
    /// Companies, known across the ledger: company id → ``CompanyRecord``.
    static let company = RecordKind(0x59) // Y
}

extension Entities {
    /// Companies named by an application or a membership.
    var companies: RecordCache<CompanyRecord> { records(.company) }

    /// Records what an event says of `company` (each detail it gives replaces the
    /// one known: the latest event that gives a detail wins), then `change`.
    func describe(_ company: Company, _ change: (inout CompanyRecord) -> Void = { _ in }) throws {
        try changeCompany(company.id, initial: { CompanyRecord(company) }) { record, created in
            // A record just created holds these details already.
            if !created {
                record.name = company.name
                if let sector = company.sector { record.sector = sector }
                if let territory = company.territory { record.territory = territory }
                if let foundedOn = company.foundedOn { record.foundedOn = foundedOn.daysSinceEpoch }
            }
            change(&record)
        }
    }

    /// Adds `network` to the networks reaching a company (kept in id order).
    static func reach(_ record: inout CompanyRecord, by network: String) {
        if let index = record.networks.firstIndex(where: { $0 >= network }) {
            if record.networks[index] != network { record.networks.insert(network, at: index) }
        } else {
            record.networks.append(network)
        }
    }

    /// Adds `delta` to the participants counted in `territory`.
    func count(participantsIn territory: String, by delta: Int) throws {
        if try participants.get(territory) == nil { participants.put(territory, CountRecord(count: 0)) }
        try participants.update(territory) { $0.count += delta }
    }
}

/// A company, with the latest of each detail events gave, and what the
/// unduplicated reach counts.
struct CompanyRecord: StoredRecord, Equatable {
    var name: String
    var sector: String?
    var territory: String?
    /// Days since 1970-01-01.
    var foundedOn: Int64?
    /// The networks reaching it (a member, or an applicant to one of their programs), in id order.
    var networks: [String] = []
    /// Whether it was ever a member of a network.
    var member = false
    /// Its applications, in log order.
    var applications: [String] = []
    /// Whether one of its applications was ever selected.
    var participant = false
    /// The day it ceased activity (`CompanyClosed`).
    var closedOn: Int64?

    mutating func prefetchParts() {
        prefetchText(name)
        prefetchElements(networks)
        prefetchElements(applications)
    }

    func encode(to w: inout ByteWriter) {
        w.text(name); w.optionalText(sector); w.optionalText(territory); w.optionalZigzag(foundedOn)
        w.texts(networks)
        w.u8((member ? 1 : 0) | (participant ? 2 : 0))
        w.texts(applications)
        w.optionalZigzag(closedOn)
    }
}

// Made through the memberwise initializer, in an extension so that Swift
// still makes one: an initializer that sets the fields one by one builds the
// record aside, then copies it out and destroys the first (every string and
// array retained and released once more), about 800 instructions for a company.
extension CompanyRecord {
    init(_ company: Company) {
        self.init(name: company.name, sector: company.sector, territory: company.territory,
                  foundedOn: company.foundedOn?.daysSinceEpoch)
    }

    init(from r: inout ByteReader) throws {
        let name = try r.text(), sector = try r.optionalText(), territory = try r.optionalText()
        let foundedOn = try r.optionalZigzag(), networks = try r.texts(), flags = try r.u8()
        self.init(name: name, sector: sector, territory: territory, foundedOn: foundedOn, networks: networks,
                  member: flags & 1 != 0, applications: try r.texts(), participant: flags & 2 != 0,
                  closedOn: try r.optionalZigzag())
    }
}
