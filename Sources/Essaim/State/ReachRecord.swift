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

/// The company counts of a reach, kept by its record and summed by its pending changes.
protocol ReachCounts {
    var companies: Int { get set }
    var members: Int { get set }
    var applicants: Int { get set }
    var participants: Int { get set }
    var inSeveralNetworks: Int { get set }
}

extension ReachCounts {
    /// Adds the counts of `other` to these.
    mutating func addCounts(of other: some ReachCounts) {
        companies += other.companies
        members += other.members
        applicants += other.applicants
        participants += other.participants
        inSeveralNetworks += other.inSeveralNetworks
    }
}

/// What company changes add to the reach of the territories they lie in,
/// summed per territory while a fold runs and added to the territory's record
/// and its ancestors' when the fold writes back: once per territory rather than
/// once per change, which changed five records (territory, ancestors, all).
struct ReachDelta: ReachCounts {
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

    /// No change, keeping the room its networks took.
    mutating func removeAll() {
        (companies, members, applicants, participants, inSeveralNetworks) = (0, 0, 0, 0, 0)
        networks.removeAll()
    }

    /// Adds the changes of `other` (another territory's, summed into a scope above both).
    mutating func add(_ other: ReachDelta) {
        addCounts(of: other)
        other.networks.forEach { network, change in if change != 0 { networks[network, default: 0] += change } }
    }
}

/// The reach of a territory (its companies and those below it), or of every
/// company: the figures of `essaim query reach`, kept as companies change.
struct ReachRecord: StoredRecord, ReachCounts, Equatable {
    var companies = 0, members = 0, applicants = 0, participants = 0, inSeveralNetworks = 0
    /// Companies reached per network, in network id order.
    var networks: [(network: String, companies: Int)] = []

    init() {}

    static func == (a: ReachRecord, b: ReachRecord) -> Bool {
        (a.companies, a.members, a.applicants, a.participants, a.inSeveralNetworks) ==
            (b.companies, b.members, b.applicants, b.participants, b.inSeveralNetworks)
            && a.networks.map(\.network) == b.networks.map(\.network) && a.networks.map(\.companies) == b.networks.map(\.companies)
    }

    /// Adds what companies' changes added to the reach, keeping the networks
    /// in id order without zeros: the changes sorted, then merged into the
    /// list in one pass (every company's reach lists every network; a search
    /// and an insertion per change, for each territory below, took 4.5 % of
    /// a 5 M-event replay's folding thread).
    mutating func apply(_ delta: ReachDelta) {
        addCounts(of: delta)
        var changes: [(network: String, change: Int)] = []
        delta.networks.forEach { network, change in if change != 0 { changes.append((network, change)) } }
        guard !changes.isEmpty else { return }
        changes.sort { $0.network < $1.network }
        var merged: [(network: String, companies: Int)] = []
        merged.reserveCapacity(networks.count + changes.count)
        var next = networks.startIndex
        for (network, change) in changes {
            while next < networks.endIndex && networks[next].network < network {
                merged.append(networks[next])
                next += 1
            }
            var companies = change
            if next < networks.endIndex && networks[next].network == network {
                companies += networks[next].companies
                next += 1
            }
            if companies != 0 { merged.append((network, companies)) }
        }
        merged.append(contentsOf: networks[next...])
        networks = merged
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
    /// its ancestors'; the fold calls it before writing back. The changes are
    /// summed per scope first, so that a scope above many territories (a
    /// region, every company) is changed once.
    func settleReach() throws {
        // Each scope's territories, by index in `deltas`; one scope's sum at a time.
        var deltas: [ReachDelta] = [], below = IDMap<[Int]>()
        try pendingReach.forEach { territory, delta in
            for scope in try reachScopes(territory.isEmpty ? nil : territory) { below[scope, default: []].append(deltas.count) }
            deltas.append(delta)
        }
        var sum = ReachDelta()
        try below.forEach { scope, territories in
            sum.removeAll()
            for territory in territories { sum.add(deltas[territory]) }
            try reaches.upsert(scope, initial: { ReachRecord() }) { $0.apply(sum) }
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
