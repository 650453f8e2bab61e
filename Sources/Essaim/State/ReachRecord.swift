extension RecordKind {
    /// The unduplicated reach, rolled up: territory (or the empty id for every
    /// company) → ``ReachRecord``.
    static let reach = RecordKind(0x5A) // Z
}

/// What one company adds to the reach of the territories it lies in.
struct ReachShare: Equatable {
    var networks: [String]
    var member: Bool
    var applicant: Bool
    var participant: Bool

    init(_ company: CompanyRecord) {
        networks = company.networks
        member = company.member
        applicant = !company.applications.isEmpty
        participant = company.participant
    }
}

/// What company changes add to the reach of the territories they lie in,
/// summed per territory while a fold runs and added to the territory's record
/// and its ancestors' when the fold writes back: once per territory rather than
/// once per change, which changed five records (territory, ancestors, all).
struct ReachDelta {
    var companies = 0, members = 0, applicants = 0, participants = 0, inSeveralNetworks = 0
    /// Companies reached per network.
    var networks = IDMap<Int>()

    /// Moves the counts from a company's share `old` (none: a new company) to `new`.
    mutating func change(from old: ReachShare?, to new: ReachShare?) {
        func counted(_ share: ReachShare?) -> Bool { share.map { !$0.networks.isEmpty } ?? false }
        let was = counted(old), now = counted(new)
        func delta(_ flag: (ReachShare) -> Bool) -> Int { (now && flag(new!) ? 1 : 0) - (was && flag(old!) ? 1 : 0) }
        companies += (now ? 1 : 0) - (was ? 1 : 0)
        members += delta(\.member)
        applicants += delta(\.applicant)
        participants += delta(\.participant)
        inSeveralNetworks += delta { $0.networks.count > 1 }
        let before = was ? old!.networks : [], after = now ? new!.networks : []
        guard before != after else { return }
        for network in before where !after.contains(network) { networks[network, default: 0] -= 1 }
        for network in after where !before.contains(network) { networks[network, default: 0] += 1 }
    }
}

/// The reach of a territory (its companies and those below it), or of every
/// company: the figures of `essaim query reach`, kept as companies change.
struct ReachRecord: StoredRecord, Equatable {
    var companies = 0, members = 0, applicants = 0, participants = 0, inSeveralNetworks = 0
    /// Companies reached per network, in network id order.
    var networks: [(network: String, companies: Int)] = []

    init() {}

    static func == (a: ReachRecord, b: ReachRecord) -> Bool {
        (a.companies, a.members, a.applicants, a.participants, a.inSeveralNetworks) ==
            (b.companies, b.members, b.applicants, b.participants, b.inSeveralNetworks)
            && a.networks.map(\.network) == b.networks.map(\.network) && a.networks.map(\.companies) == b.networks.map(\.companies)
    }

    /// Adds what companies' changes added to a territory's own reach.
    mutating func apply(_ delta: ReachDelta) {
        companies += delta.companies
        members += delta.members
        applicants += delta.applicants
        participants += delta.participants
        inSeveralNetworks += delta.inSeveralNetworks
        delta.networks.forEach { network, change in if change != 0 { count(network, change) } }
    }

    /// Adds `delta` to `network`'s count, keeping the list in id order without zeros.
    private mutating func count(_ network: String, _ delta: Int) {
        var low = 0, high = networks.count
        while low < high {
            let mid = (low + high) / 2
            if networks[mid].network < network { low = mid + 1 } else { high = mid }
        }
        if low < networks.count && networks[low].network == network {
            networks[low].companies += delta
            if networks[low].companies == 0 { networks.remove(at: low) }
        } else {
            networks.insert((network, delta), at: low)
        }
    }

    init(from r: inout ByteReader) throws {
        companies = Int(try r.varint()); members = Int(try r.varint()); applicants = Int(try r.varint())
        participants = Int(try r.varint()); inSeveralNetworks = Int(try r.varint())
        networks = try r.list { (network: try $0.text(), companies: Int(try $0.varint())) }
    }

    func encode(to w: inout ByteWriter) {
        for n in [companies, members, applicants, participants, inSeveralNetworks] { w.varint(UInt64(n)) }
        w.varint(UInt64(networks.count))
        for n in networks { w.text(n.network); w.varint(UInt64(n.companies)) }
    }
}

extension Entities {
    var reaches: RecordCache<ReachRecord> { records(.reach) }

    /// Changes a company (created from `initial` when new) and keeps what depends
    /// on it up to date: the reach of its territory, of the territories above
    /// it and of every company, and, when it moves, its participants' count.
    /// `change` is told whether the record was just created from `initial`
    /// (without one, an absent company is left absent).
    func changeCompany(_ id: String, initial: () -> CompanyRecord? = { nil },
                       _ change: (inout CompanyRecord, _ created: Bool) -> Void) throws {
        var old: (share: ReachShare, territory: String?, participant: Bool)?
        var new: (share: ReachShare, territory: String?)?
        // The applications of a participant that moved to another territory.
        var moved: [String] = []
        try companies.modify(id, initial: initial) { record, created in
            if !created { old = (ReachShare(record), record.territory, record.participant) }
            change(&record, created)
            new = (ReachShare(record), record.territory)
            if let old, old.participant, old.territory != record.territory { moved = record.applications }
        }
        guard let new else { return }
        if let old, old.territory == new.territory {
            if old.share != new.share { try spread(from: old.share, to: new.share, over: new.territory) }
            return
        }
        if let old { try spread(from: old.share, to: nil, over: old.territory) }
        try spread(from: nil, to: new.share, over: new.territory)
        if let old, old.participant {
            let participations = try moved.filter { try applications.read($0) { $0.isParticipant } == true }.count
            if let from = old.territory { try count(participantsIn: from, by: -participations) }
            if let to = new.territory { try count(participantsIn: to, by: participations) }
        }
    }

    /// Moves a company's share in the reach of its territory (the empty id: none).
    private func spread(from old: ReachShare?, to new: ReachShare?, over territory: String?) throws {
        pendingReach[territory ?? "", default: ReachDelta()].change(from: old, to: new)
    }

    /// Adds the pending changes to every company's reach, each territory's and
    /// its ancestors'; the fold calls it before writing back.
    func settleReach() throws {
        try pendingReach.forEach { territory, delta in
            for scope in try reachScopes(territory.isEmpty ? nil : territory) {
                try reaches.upsert(scope, initial: { ReachRecord() }) { $0.apply(delta) }
            }
        }
        pendingReach.removeAll()
    }

    /// The empty id (every company), then `territory` and its ancestors (a
    /// territory's place in the tree never changes, so it is looked up once).
    private func reachScopes(_ territory: String?) throws -> [String] {
        guard let territory else { return [""] }
        if let known = ancestry[territory] { return known }
        var scopes = [""]
        var place: String? = territory
        while let code = place, scopes.count < 64 {
            scopes.append(code)
            place = try territories.read(code) { $0.parent } ?? nil
        }
        ancestry.insert(territory, scopes)
        return scopes
    }
}
