/// A synthetic but realistic stream of valid events, for benchmarks and load tests.
///
/// The world it writes: France's territory tree (18 régions, 101 départements,
/// two communes each), then networks that register over a few years, each with
/// one to four programs (capacity 12, some with eligibility rules). Every program
/// opens a yearly cohort: about three applications per seat before the deadline,
/// a committee that selects 12, waitlists some and rejects the rest, an
/// occasional withdrawal replaced from the waitlist, monthly sessions attended by
/// most active participants, and yearly outcomes (revenue, export revenue,
/// headcount, milestones) for three years. Networks plan and open sites in new
/// départements and extend programs to new territories. They also live their
/// own life: companies join (some networks cap their members) and leave, some
/// of them former applicants; members mentor each other on themes, with monthly
/// sessions, for about a year; one network in three shares a position among
/// its members. A third of the applicants never selected answer a follow-up a
/// year on, and about one participant company in eight closes a few years later.
///
/// Events come out in business-time order across all programs, and every prefix
/// of the stream passes the refusal rules, so the stream can stop at any count.
/// The same `seed` always gives the same events (ids included).
public struct WorkloadGenerator: Sequence, IteratorProtocol {
    /// Events still to produce.
    public private(set) var remaining: Int
    private var random: SplitMix64
    private var queue = Heap()
    private var sequence: UInt64 = 0
    private var programs: [ProgramPlan] = []
    private var cohorts: [String: CohortState] = [:]
    private var territories: [(code: String, level: TerritoryLevel, parent: String?, name: String)] = []
    private var departments: [String] = []
    private var communes: [String] = []
    private var networks: [Int: NetworkLife] = [:]
    private var mentorships: [String: (sessionsLeft: Int, network: Int)] = [:]
    private var closed: Set<String> = []

    /// A generator of `events` events from `seed`.
    public init(events: Int, seed: UInt64) {
        remaining = Swift.max(0, events)
        random = SplitMix64(seed: seed)
        buildTerritories()
        plan(events: remaining)
    }

    /// The next event, or `nil` after `events` of them.
    public mutating func next() -> NewEvent? {
        while remaining > 0, let item = queue.pop() {
            if let event = produce(item) {
                remaining -= 1
                return event
            }
        }
        return nil
    }

    // MARK: Plan

    private static let start = CivilDate(year: 2010, month: 1, day: 4)!.daysSinceEpoch

    private struct ProgramPlan {
        var id: String
        var network: Int
        var index: Int
        var kind: ProgramKind
        var eligibility: Eligibility?
        var capacity: Int64
        var territories: [String]
        var cohortYear = 0
    }

    private final class CohortState {
        let id: String
        let program: Int
        let capacity: Int
        var applications: [String] = []
        var status: [String: ApplicationStatus] = [:]
        var selected: [String] = []
        var sessions = 0
        var baseline: [String: Figures] = [:]
        var companies: [String: String] = [:]

        init(id: String, program: Int, capacity: Int) {
            self.id = id
            self.program = program
            self.capacity = capacity
        }

        var active: [String] { selected.filter { status[$0] == .active } }
    }

    private enum Item {
        case territory(Int)
        case network(Int)
        case launch(Int)
        case extend(Int)
        case site(network: Int, index: Int, opened: Bool, territory: String)
        case openCohort(Int)
        case submit(cohort: String, index: Int, deadline: Int64)
        case committee(String)
        case withdraw(String)
        case replace(String)
        case session(String)
        case outcomes(cohort: String, year: Int, index: Int)
        case membership(network: Int)
        case mentorship(network: Int)
        case mentoringSession(String)
        case openPosition(network: Int)
        case share(network: Int)
        case closePosition(network: Int)
        case followUps(cohort: String, index: Int)
        case closure(company: String)
    }

    /// What the generator keeps of a network's own life, so that every event it
    /// writes passes the rules.
    private final class NetworkLife {
        let id: String
        let capacity: Int?
        var members: [Company] = []
        var former: [Company] = []
        var joined = 0
        var mentorships = 0
        var position: (id: String, capacity: Int64, holders: [String: Int64], open: Bool)?
        /// Companies that applied to the network's programs (some join it later).
        var applicants: [Company] = []

        init(id: String, capacity: Int?) {
            self.id = id
            self.capacity = capacity
        }
    }

    private struct Scheduled {
        var day: Int64
        var sequence: UInt64
        var item: Item
    }

    /// A binary min-heap on (day, sequence): business-time order, ties in scheduling order.
    private struct Heap {
        private var items: [Scheduled] = []

        var isEmpty: Bool { items.isEmpty }

        private func less(_ a: Int, _ b: Int) -> Bool {
            (items[a].day, items[a].sequence) < (items[b].day, items[b].sequence)
        }

        mutating func push(_ element: Scheduled) {
            items.append(element)
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard less(child, parent) else { break }
                items.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() -> Scheduled? {
            guard !items.isEmpty else { return nil }
            items.swapAt(0, items.count - 1)
            let top = items.removeLast()
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < items.count && less(left, smallest) { smallest = left }
                if right < items.count && less(right, smallest) { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
            return top
        }
    }

    private mutating func schedule(_ day: Int64, _ item: Item) {
        sequence += 1
        queue.push(Scheduled(day: day, sequence: sequence, item: item))
    }

    private mutating func buildTerritories() {
        territories.append(("FR", .country, nil, "France"))
        for (region, name, members) in FranceTerritories.regions {
            territories.append((region, .region, "FR", name))
            for member in members {
                let number = String(member.prefix { $0 != " " })
                let code = "FR-" + number
                territories.append((code, .department, region, String(member.dropFirst(number.count + 1))))
                departments.append(code)
                for k in 1...2 {
                    let commune = number.count == 3 ? number + String(k * 7) : number + "0" + String(10 + k * 17)
                    territories.append((commune, .commune, code, "Commune \(commune)"))
                    communes.append(commune)
                }
            }
        }
        for index in territories.indices { schedule(Self.start, .territory(index)) }
    }

    /// About 120 events per program and year at full speed: enough programs that
    /// the stream spans a dozen business years.
    private mutating func plan(events: Int) {
        let programCount = Swift.max(1, events / 1_300)
        var network = 0
        var index = 0
        for p in 0..<programCount {
            if p == 0 || random.below(10) < 3 + index * 2 {
                // Start a new network.
                if p > 0 { network += 1 }
                index = 0
                schedule(Self.start + 7 + Int64(random.below(4 * 365)), .network(network))
            } else {
                index += 1
            }
            let kinds: [ProgramKind] = [.club, .peerBoard, .mentoringCircle, .entrepreneurshipHub, .club, .peerBoard]
            let kind = kinds[random.below(kinds.count)]
            let eligibility: Eligibility? = switch random.below(4) {
            case 0: Eligibility(minCompanyAgeYears: 3, minRevenueEur: 300_000, minHeadcount: 3)
            case 1: Eligibility(minRevenueEur: 1_000_000)
            default: nil
            }
            programs.append(ProgramPlan(id: "n\(network)-p\(index)", network: network, index: index, kind: kind,
                                        eligibility: kind == .entrepreneurshipHub ? nil : eligibility,
                                        capacity: 12, territories: [departments[random.below(departments.count)]]))
        }
        for (p, program) in programs.enumerated() {
            // A network's programs launch after it registers: a year apart.
            let launch = Self.start + 4 * 365 + 60 + Int64(program.index * 365) + Int64(random.below(300))
            schedule(launch, .launch(p))
            schedule(launch + 30, .openCohort(p))
            if random.below(3) == 0 { schedule(launch + 400 + Int64(random.below(1500)), .extend(p)) }
            if program.index == 0 {
                for site in 0..<(1 + random.below(3)) {
                    let territory = departments[random.below(departments.count)]
                    let planned = launch + 200 + Int64(site * 500 + random.below(200))
                    schedule(planned, .site(network: program.network, index: site, opened: false, territory: territory))
                    if random.below(4) != 0 {
                        schedule(planned + 90 + Int64(random.below(200)),
                                 .site(network: program.network, index: site, opened: true, territory: territory))
                    }
                }
            }
        }
    }

    // MARK: Produce

    private mutating func event(_ day: Int64, _ event: DomainEvent, time: String? = nil) -> NewEvent {
        let date = CivilDate(daysSinceEpoch: day)
        let occurredAt = time.flatMap { OccurredAt(date.description + $0) } ?? OccurredAt(date)
        var id: [UInt8] = []
        for _ in 0..<2 {
            var word = random.next()
            for _ in 0..<8 {
                id.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        id[6] = id[6] & 0x0F | 0x40
        id[8] = id[8] & 0x3F | 0x80
        let metadata: [String: String]? = random.below(20) == 0 ? ["source": "crm-sync", "actor": "secretariat"] : nil
        return NewEvent(id: EventID(bytes: id), occurredAt: occurredAt, event: event, metadata: metadata)
    }

    private mutating func produce(_ scheduled: Scheduled) -> NewEvent? {
        let day = scheduled.day
        switch scheduled.item {
        case let .territory(index):
            let t = territories[index]
            return event(day, .territoryDefined(TerritoryDefined(code: t.code, name: t.name, level: t.level, parent: t.parent)))
        case let .network(n):
            let kinds: [NetworkKind] = [.association, .competitivenessCluster, .cluster, .chamber, .employersFederation, .techCommunity]
            let territory = random.below(3) == 0 ? FranceTerritories.regions[random.below(13)].code : departments[random.below(departments.count)]
            let capacity: Int? = random.below(4) == 0 ? 20 + random.below(60) : nil
            networks[n] = NetworkLife(id: "n\(n)", capacity: capacity)
            schedule(day + 30 + Int64(random.below(30)), .membership(network: n))
            schedule(day + 200 + Int64(random.below(100)), .mentorship(network: n))
            if random.below(3) == 0 { schedule(day + 400 + Int64(random.below(400)), .openPosition(network: n)) }
            return event(day, .networkRegistered(NetworkRegistered(
                network: "n\(n)", name: Names.network(&random), kind: kinds[random.below(kinds.count)], territory: territory,
                memberCapacity: capacity.map(Int64.init))))
        case let .launch(p):
            let program = programs[p]
            return event(day, .programLaunched(ProgramLaunched(
                program: program.id, name: Names.program(program.kind, &random), kind: program.kind, networks: ["n\(program.network)"],
                territories: program.territories, capacityPerCohort: program.capacity,
                sectors: random.below(3) == 0 ? [Names.sectors[random.below(Names.sectors.count)]] : nil,
                eligibility: program.eligibility, free: true, confidential: random.below(2) == 0 ? true : nil)))
        case let .extend(p):
            let territory = random.below(2) == 0 ? communes[random.below(communes.count)] : departments[random.below(departments.count)]
            programs[p].territories.append(territory)
            return event(day, .programExtended(ProgramExtended(program: programs[p].id, territories: [territory])))
        case let .site(network, index, opened, territory):
            let site = "n\(network)-s\(index)", name = "Antenne \(territory.dropFirst(3))", owner = "n\(network)"
            let program = random.below(2) == 0 ? "n\(network)-p0" : nil
            return event(day, opened
                ? .siteOpened(SiteOpened(site: site, name: name, network: owner, territory: territory, program: program))
                : .sitePlanned(SitePlanned(site: site, name: name, network: owner, territory: territory, program: program)))
        case let .openCohort(p):
            let program = programs[p]
            let year = CivilDate(daysSinceEpoch: day).description.prefix(4)
            programs[p].cohortYear += 1
            let id = "\(program.id)-c\(programs[p].cohortYear)"
            let deadline = day + 60
            let cohort = CohortState(id: id, program: p, capacity: Int(program.capacity))
            cohorts[id] = cohort
            let applicants = Int(program.capacity) * 3 + random.below(7) - 3
            for i in 0..<applicants { schedule(day + 1 + Int64(random.below(60)), .submit(cohort: id, index: i, deadline: deadline)) }
            schedule(deadline + 15, .committee(id))
            for month in 1...11 { schedule(deadline + 15 + Int64(month * 30), .session(id)) }
            if random.below(3) == 0 { schedule(deadline + 15 + Int64(60 + random.below(200)), .withdraw(id)) }
            for year in 1...3 { schedule(deadline + 15 + Int64(year * 365), .outcomes(cohort: id, year: year, index: 0)) }
            schedule(deadline + 20 + 365, .followUps(cohort: id, index: 0))
            schedule(day + 365, .openCohort(p))
            return event(day, .cohortOpened(CohortOpened(
                program: program.id, cohort: id, label: "Promotion \(year)", applicationDeadline: CivilDate(daysSinceEpoch: deadline),
                committeeOn: CivilDate(daysSinceEpoch: deadline + 15))))
        case let .submit(id, index, _):
            guard let cohort = cohorts[id] else { return nil }
            let program = programs[cohort.program]
            let application = "\(id)-a\(index)"
            let eligibility = program.eligibility
            let age = Int64(eligibility?.minCompanyAgeYears ?? 0) + Int64(random.below(12))
            let founded = CivilDate(daysSinceEpoch: day - age * 366 - Int64(random.below(300)))
            let revenue = (eligibility?.minRevenueEur ?? 50_000) + Int64(random.below(4_000)) * 1_000
            let headcount = (eligibility?.minHeadcount ?? 1) + Int64(random.below(40))
            let baseline = Figures(revenueEur: revenue, exportRevenueEur: random.below(3) == 0 ? nil : revenue / Int64(3 + random.below(10)),
                                   headcount: headcount)
            let (person, email) = Names.leader(&random)
            cohort.applications.append(application)
            cohort.status[application] = .pending
            cohort.baseline[application] = baseline
            let segments: [String]? = random.below(5) == 0 ? [Names.segments[random.below(Names.segments.count)]] : nil
            let company = Company(id: String(300_000_000 + random.below(600_000_000)), name: Names.company(&random),
                                  sector: Names.sectors[random.below(Names.sectors.count)],
                                  territory: random.below(8) == 0 ? nil : communes[random.below(communes.count)], foundedOn: founded)
            if let life = networks[program.network], random.below(10) == 0, life.applicants.count < 200 { life.applicants.append(company) }
            cohort.companies[application] = company.id
            return event(day, .applicationSubmitted(ApplicationSubmitted(
                application: application, cohort: id, company: company,
                leader: Leader(name: person, email: email), baseline: baseline, segments: segments)))
        case let .committee(id):
            // One decision per event: the committee comes back the same day until none is pending.
            guard let cohort = cohorts[id], let next = cohort.applications.first(where: { cohort.status[$0] == .pending }) else { return nil }
            schedule(day, .committee(id))
            let active = cohort.active.count
            if active < cohort.capacity && random.below(3) != 0 || active < cohort.capacity / 2 {
                cohort.status[next] = .active
                cohort.selected.append(next)
                return event(day, .candidateSelected(CandidateSelected(application: next)))
            }
            if random.below(4) == 0 {
                cohort.status[next] = .waitlisted
                return event(day, .candidateWaitlisted(CandidateWaitlisted(application: next)))
            }
            cohort.status[next] = .rejected
            return event(day, .candidateRejected(CandidateRejected(application: next, reason: random.below(2) == 0 ? "hors critères" : nil)))
        case let .withdraw(id):
            guard let cohort = cohorts[id], let leaving = cohort.active.last else { return nil }
            cohort.status[leaving] = .withdrawn
            schedule(day + 7, .replace(id))
            return event(day, .participantWithdrew(ParticipantWithdrew(application: leaving, reason: "cessation d'activité")))
        case let .replace(id):
            guard let cohort = cohorts[id], cohort.active.count < cohort.capacity,
                  let next = cohort.applications.first(where: { cohort.status[$0] == .waitlisted }) else { return nil }
            cohort.status[next] = .active
            cohort.selected.append(next)
            return event(day, .candidateSelected(CandidateSelected(application: next)))
        case let .session(id):
            guard let cohort = cohorts[id] else { return nil }
            cohort.sessions += 1
            let attendees = cohort.active.filter { _ in random.below(100) < 85 }
            let kinds: [SessionKind] = [.meeting, .coaching, .peerExchange, .training, .mentoring]
            return event(day, .sessionHeld(SessionHeld(
                session: "\(id)-s\(cohort.sessions)", cohort: id, kind: kinds[random.below(kinds.count)], attendees: attendees,
                durationMinutes: [45, 90, 120, 180][random.below(4)], facilitators: random.below(2) == 0 ? [Names.facilitator(&random)] : nil,
                mode: random.below(4) == 0 ? .remote : .inPerson)),
                time: random.below(4) == 0 ? "T18:30:00+01:00" : nil)
        case let .outcomes(id, year, index):
            // One participant per event: the next one is scheduled the same day.
            guard let cohort = cohorts[id], index < cohort.selected.count else { return nil }
            let participant = cohort.selected[index]
            if index + 1 < cohort.selected.count {
                schedule(day, .outcomes(cohort: id, year: year, index: index + 1))
            } else if year == 3 {
                cohorts[id] = nil
            }
            let baseline = cohort.baseline[participant] ?? Figures()
            // About one company in eight closes within a few years of its third year.
            if year == 3, let company = cohort.companies[participant], random.below(8) == 0 {
                schedule(day + Int64(random.below(900)), .closure(company: company))
            }
            let growth = 1 + Double(year) * Double(random.below(60) - 15) / 100
            let metrics = Figures(revenueEur: baseline.revenueEur.map { Int64(Double($0) * growth) },
                                  exportRevenueEur: baseline.exportRevenueEur.map { Int64(Double($0) * growth * 1.1) },
                                  headcount: baseline.headcount.map { Swift.max(1, $0 + Int64(random.below(6)) - 1) })
            let milestone = programs[cohort.program].kind == .entrepreneurshipHub ? "company-created" : "contract-signed"
            return event(day, .outcomeRecorded(OutcomeRecorded(
                application: participant, metrics: metrics, milestone: random.below(6) == 0 ? milestone : nil)))
        case let .membership(n):
            guard let life = networks[n] else { return nil }
            schedule(day + 15 + Int64(random.below(40)), .membership(network: n))
            let full = life.capacity.map { life.members.count >= $0 } ?? false
            if !life.members.isEmpty && (full || random.below(6) == 0) {
                let leaving = life.members.remove(at: random.below(life.members.count))
                life.former.append(leaving)
                return event(day, .memberLeft(MemberLeft(network: life.id, company: leaving.id,
                                                         reason: random.below(3) == 0 ? "non-renouvellement" : nil)))
            }
            guard !full else { return nil }
            let company: Company
            if !life.former.isEmpty && random.below(8) == 0 {
                company = life.former.remove(at: random.below(life.former.count))
            } else if !life.applicants.isEmpty && random.below(4) == 0 {
                company = life.applicants.removeLast()
            } else {
                life.joined += 1
                company = Company(id: "\(life.id)-m\(life.joined)", name: Names.company(&random),
                                  sector: Names.sectors[random.below(Names.sectors.count)],
                                  territory: random.below(6) == 0 ? nil : communes[random.below(communes.count)])
            }
            life.members.append(company)
            return event(day, .memberJoined(MemberJoined(network: life.id, company: company)))
        case let .mentorship(n):
            guard let life = networks[n] else { return nil }
            schedule(day + 60 + Int64(random.below(120)), .mentorship(network: n))
            guard life.members.count >= 2 else { return nil }
            let mentor = random.below(life.members.count)
            let mentee = (mentor + 1 + random.below(life.members.count - 1)) % life.members.count
            life.mentorships += 1
            let id = "\(life.id)-mt\(life.mentorships)"
            let sessions = 2 + random.below(5)
            mentorships[id] = (sessions, n)
            schedule(day + 20 + Int64(random.below(20)), .mentoringSession(id))
            let themes = ["réglementaire", "export", "financement", "recrutement", "qualité", "numérique"]
            return event(day, .mentorshipStarted(MentorshipStarted(
                mentorship: id, network: life.id, mentor: life.members[mentor].id, mentee: life.members[mentee].id,
                theme: random.below(5) == 0 ? nil : themes[random.below(themes.count)],
                plannedMinutes: random.below(2) == 0 ? Int64(60 * (3 + random.below(8))) : nil)))
        case let .mentoringSession(id):
            guard let state = mentorships[id] else { return nil }
            if state.sessionsLeft == 0 {
                mentorships[id] = nil
                return event(day, .mentorshipEnded(MentorshipEnded(mentorship: id, reason: random.below(2) == 0 ? "objectifs atteints" : nil)))
            }
            mentorships[id] = (state.sessionsLeft - 1, state.network)
            schedule(day + 25 + Int64(random.below(15)), .mentoringSession(id))
            return event(day, .mentoringSessionHeld(MentoringSessionHeld(
                session: "\(id)-s\(state.sessionsLeft)", mentorship: id, durationMinutes: Int64([45, 60, 90, 120][random.below(4)]),
                mode: random.below(3) == 0 ? .remote : .inPerson)))
        case let .openPosition(n):
            guard let life = networks[n] else { return nil }
            let capacity: Int64 = random.below(3) == 0 ? 200 : 100
            life.position = ("\(life.id)-poste", capacity, [:], true)
            for k in 0..<(3 + random.below(4)) { schedule(day + 15 + Int64(k * 120 + random.below(90)), .share(network: n)) }
            schedule(day + 3 * 365 + Int64(random.below(700)), .closePosition(network: n))
            return event(day, .sharedPositionOpened(SharedPositionOpened(
                position: "\(life.id)-poste", network: life.id, title: "Chargé d'affaires export",
                territory: departments[random.below(departments.count)], capacityPercent: capacity == 100 ? nil : capacity)))
        case let .share(n):
            guard let life = networks[n], let position = life.position, position.open else { return nil }
            if let holder = position.holders.keys.sorted().first, position.holders.count >= 3 || random.below(4) == 0 {
                life.position?.holders[holder] = nil
                return event(day, .sharedPositionLeft(SharedPositionLeft(position: position.id, company: holder)))
            }
            let allocated = position.holders.values.reduce(0, +)
            let share = Int64([20, 25, 30, 40][random.below(4)])
            guard allocated + share <= position.capacity,
                  let joiner = life.members.first(where: { position.holders[$0.id] == nil }) else { return nil }
            life.position?.holders[joiner.id] = share
            return event(day, .sharedPositionJoined(SharedPositionJoined(position: position.id, company: joiner.id, sharePercent: share)))
        case let .followUps(id, index):
            // A third of the applicants never selected answer a follow-up a year on, one per event.
            guard let cohort = cohorts[id] else { return nil }
            let group = cohort.applications.filter { [.rejected, .waitlisted].contains(cohort.status[$0]) }
            guard index < group.count else { return nil }
            schedule(day, .followUps(cohort: id, index: index + 1))
            guard random.below(3) == 0 else { return nil }
            let baseline = cohort.baseline[group[index]] ?? Figures()
            let growth = 1 + Double(random.below(50) - 15) / 100
            return event(day, .followUpRecorded(FollowUpRecorded(application: group[index], metrics: Figures(
                revenueEur: baseline.revenueEur.map { Int64(Double($0) * growth) },
                headcount: baseline.headcount.map { Swift.max(0, $0 + Int64(random.below(4)) - 1) }))))
        case let .closure(company):
            guard closed.insert(company).inserted else { return nil }
            return event(day, .companyClosed(CompanyClosed(company: company, reason: random.below(2) == 0 ? "liquidation judiciaire" : nil)))
        case let .closePosition(n):
            guard let life = networks[n], let position = life.position, position.open else { return nil }
            life.position?.open = false
            return event(day, .sharedPositionClosed(SharedPositionClosed(position: position.id, reason: "fin du financement")))
        }
    }
}

/// A small, fast, seedable generator (SplitMix64): the same seed, the same numbers,
/// in every process and on every machine (what the workload and the crash test need).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<n` (`n` > 0).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
