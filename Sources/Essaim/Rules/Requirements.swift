// The checks the refusal rules share (`events.md`, rules 2, 3 and 6), over the
// entities named by earlier events. Each event type's own rules are in its file
// in `Events/` (`check(against:occurredAt:)`); rule 1, malformed input, is
// decoding's job.

extension Entities {
    /// Rule 2: `what` `id` that no earlier event defined.
    static func unknown(_ what: String, _ id: String) -> EventRefusal {
        EventRefusal(.unknownReference, "\(what) \(id) is not defined by any earlier event")
    }

    /// Rule 3: `id` must not be in use in `entities`.
    func requireNew<Record>(_ entities: RecordCache<Record>, _ id: String, _ what: String) throws {
        if try entities.contains(id) { throw EventRefusal(.duplicateDefinition, "\(what) \(id) is already defined") }
    }

    /// Rule 2: a defined territory, named by `field`.
    func requireTerritory(_ code: String, field: String) throws {
        guard try territories.contains(code) else { throw Self.unknown("territory (\(field))", code) }
    }

    /// Rule 2: a registered network.
    func requireNetwork(_ id: String) throws {
        guard try networks.contains(id) else { throw Self.unknown("network", id) }
    }

    /// Rule 2: a launched program.
    func requireProgram(_ id: String) throws -> ProgramRecord {
        guard let program = try programs.get(id) else { throw Self.unknown("program", id) }
        return program
    }

    /// Rule 2: an opened cohort.
    func requireCohort(_ id: String) throws {
        try requireCohort(id) { _ in }
    }

    /// Rule 2: an opened cohort, of which `read` reads what the rule needs (in
    /// place, see ``RecordCache/read(_:_:)``).
    func requireCohort<R>(_ id: String, _ read: (inout CohortRecord) throws -> R) throws -> R {
        guard let value = try cohorts.read(id, read) else { throw Self.unknown("cohort", id) }
        return value
    }

    /// Rule 2: a submitted application.
    func requireApplication(_ id: String) throws {
        try requireApplication(id) { _ in }
    }

    /// Rule 2: a submitted application, of which `read` reads what the rule
    /// needs (in place, see ``RecordCache/read(_:_:)``).
    func requireApplication<R>(_ id: String, _ read: (inout ApplicationRecord) throws -> R) throws -> R {
        guard let value = try applications.read(id, read) else { throw Self.unknown("application", id) }
        return value
    }
}

extension Entities {
    /// Rule 2: a company an earlier application or membership named.
    func requireCompany(_ id: String, field: String = "company") throws -> CompanyRecord {
        guard let company = try companies.get(id) else { throw Self.unknown(field == "company" ? "company" : "company (\(field))", id) }
        return company
    }

    /// Rule 2: a started mentorship.
    func requireMentorship(_ id: String) throws -> MentorshipRecord {
        guard let mentorship = try mentorships.get(id) else { throw Self.unknown("mentorship", id) }
        return mentorship
    }

    /// Rule 2: an opened shared position.
    func requirePosition(_ id: String) throws -> PositionRecord {
        guard let position = try positions.get(id) else { throw Self.unknown("shared position", id) }
        return position
    }

    /// Rules 5 and 10, in words: `company is not a member of Cluster Santé Alpes
    /// since 2018-12-31` (it left), or `… is not a member of …` (it never joined).
    func notMember(_ company: String, ofAnyOf networks: [String]) throws -> String {
        var phrases: [String] = []
        for network in networks {
            let name = try self.networks.get(network)?.name ?? network
            if let left = try memberships.get(RecordKind.pair(network, company))?.leftOn {
                phrases.append("\(name) since \(CivilDate(daysSinceEpoch: left))")
            } else {
                phrases.append(name)
            }
        }
        return "\(company) is not a member of " + phrases.joined(separator: " or ")
    }
}

extension ApplicationRecord {
    /// Rule 6: a committee decision (`verb`) is allowed only from the states `allowed`.
    func requireDecision(from allowed: [ApplicationStatus], _ verb: String, _ id: String) throws {
        guard allowed.contains(state) else {
            throw EventRefusal(.decisionOutOfOrder, "cannot \(verb) application \(id): it is already \(state.decisionName)")
        }
    }
}
