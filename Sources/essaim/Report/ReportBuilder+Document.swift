import Essaim

extension ReportBuilder {
    /// The whole HTML document: header, the sections the scope has data for, the
    /// map, the definitions. `digest` is the ledger's at ``ReadModels/position``.
    func document(digest: LedgerDigest, generatedAt: Instant) throws -> String {
        let bounds = models.bounds
        var boundsArguments = ""
        if let asOf = bounds.asOf { boundsArguments += " --as-of \(asOf)" }
        if let position = bounds.atPosition { boundsArguments += " --at-position \(position)" }
        if let knownAt = bounds.knownAt { boundsArguments += " --known-at \(knownAt)" }
        var sections: [String] = []
        if let growthScope = scope.growthScope, let g = try? models.growth(growthScope) {
            let query = "growth \(scope.queryArguments)\(boundsArguments)"
            sections += growthSections(g, query: query)
            if let s = try? models.survival(growthScope), let survival = survivalSection(s, query: "survival \(scope.queryArguments)\(boundsArguments)") {
                sections.append(survival)
            }
        }
        switch scope {
        case let .program(id):
            if let attendance = try attendanceSection(try models.cohorts(program: id), bounds: boundsArguments) { sections.append(attendance) }
            if let timeline = try timelineSection(.program(id), query: "expansion --program \(id)\(boundsArguments)") { sections.append(timeline) }
        case let .network(id):
            let cohorts = try models.programs(network: id).flatMap { try models.cohorts(program: $0) }
            if let attendance = try attendanceSection(cohorts, bounds: boundsArguments) { sections.append(attendance) }
            sections += try networkSections(id, bounds: boundsArguments)
            if let timeline = try timelineSection(.network(id), query: "expansion --network \(id)\(boundsArguments)") { sections.append(timeline) }
        case let .territory(code):
            if let reach = try reachSection(territory: code, bounds: boundsArguments) { sections.append(reach) }
        case .ledger:
            if let reach = try reachSection(territory: nil, bounds: boundsArguments) { sections.append(reach) }
            if let positions = try positionsSection(network: nil, bounds: boundsArguments) { sections.append(positions) }
            if let timeline = try timelineSection(.all, query: "expansion\(boundsArguments)") { sections.append(timeline) }
        }
        if let map = try mapSection() { sections.append(map) }
        return html(header: header(digest: digest, generatedAt: generatedAt), sections: sections)
    }

    var scopeTitle: String {
        switch scope {
        case let .program(id): "\(lang(Words.program)) \(id)"
        case let .network(id): "\(lang(Words.network)) \(id)"
        case let .territory(code): "\(lang(Words.territory)) \(code)"
        case .ledger: lang(Words.wholeLedger)
        }
    }

    func header(digest: LedgerDigest, generatedAt: Instant) -> String {
        let b = models.bounds
        var bounds: [String] = []
        if let asOf = b.asOf { bounds.append("\(lang(Words.asOf)) \(lang.date(asOf))") }
        if let position = b.atPosition { bounds.append("\(lang(Words.atPosition)) \(lang.integer(Int64(position)))") }
        if let knownAt = b.knownAt { bounds.append("\(lang(Words.knownAt)) \(lang.date(knownAt))") }
        let period = lang.date(b.asOf ?? generatedAt.utcDate)
        return """
            <header><h1>\(SVG.escape(lang(Words.report))) — \(SVG.escape(scopeTitle))</h1>
            <p class="period">\(SVG.escape(lang(Words.asOf))) \(SVG.escape(period))</p>
            <p class="provenance">\(SVG.escape(lang(Words.madeFrom))) <span data-position="\(digest.position)">\(lang.integer(Int64(digest.position)))</span>, \(SVG.escape(lang(Words.digest))) <code data-digest="\(digest)">\(digest.hash.prefix(8).map { String($0, radix: 16).leftZeroPadded(2) }.joined())…</code>.
            \(SVG.escape(lang(Words.proveIt))) <code>essaim verify --expect \(digest)</code></p>
            <p class="generated">\(SVG.escape(lang(Words.generated))) \(SVG.escape(generatedAt.description)) · \(SVG.escape(lang(Words.bounds)))\(lang == .fr ? " :" : ":") \(SVG.escape(bounds.isEmpty ? lang(Words.noBounds) : bounds.joined(separator: ", ")))</p></header>
            """
    }

    func html(header: String, sections: [String]) -> String {
        """
        <!DOCTYPE html>
        <html lang="\(lang.rawValue)"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(SVG.escape(lang(Words.report))) — \(SVG.escape(scopeTitle))</title>
        <style>
        body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222; max-width: 820px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; border-bottom: 2px solid #0072B2; padding-bottom: 0.2em; margin-top: 2em; }
        h3 { font-size: 1em; } .period { font-size: 1.1em; margin-top: 0; } .provenance, .generated { font-size: 0.85em; color: #444; }
        code { font-size: 0.9em; background: #f3f3f3; padding: 0 0.2em; word-break: break-all; }
        svg { display: block; max-width: 100%; height: auto; margin: 0.8em 0; }
        table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; } th, td { border: 1px solid #ddd; padding: 0.2em 0.5em; text-align: right; }
        td:first-child, th:first-child { text-align: left; } details summary { cursor: pointer; color: #0072B2; font-size: 0.9em; }
        .outside li { font-size: 0.9em; } footer { margin-top: 3em; font-size: 0.85em; color: #333; } footer dt { font-weight: bold; margin-top: 0.6em; }
        @page { size: A4; margin: 14mm; }
        @media print { body { max-width: none; margin: 0; } section { break-before: page; } h2 { break-after: avoid; } svg { break-inside: avoid; } footer { break-before: page; } }
        </style></head><body>
        \(header)
        \(sections.joined(separator: "\n"))
        \(definitions)
        </body></html>

        """
    }

    /// How each indicator is computed, in the contract's words.
    var definitions: String {
        let items: [(Word, Word)] = [
            (Words.selectionRate, Word("participants (candidatures sélectionnées, même si elles ont abandonné ensuite) divisés par les candidatures.",
                                       "participants (applications selected, even if they withdrew later) over applications.")),
            (Words.growth, Word("pour chaque participant et chaque indicateur, dernière valeur déclarée divisée par la valeur à la candidature, moins 1 (valeur à la candidature strictement positive) ; la croissance agrégée est la somme des dernières valeurs sur la somme des valeurs de départ, moins 1.",
                                "for each participant and metric, the latest figure over the baseline declared at application, minus 1 (baseline above 0); the pooled growth is the sum of latest figures over the sum of baselines, minus 1.")),
            (Words.comparisonGroup, Word("candidatures jamais sélectionnées ayant reçu une décision (refusées, ou en liste d'attente), avec leurs derniers chiffres de suivi.",
                                         "applications never selected that have a decision (rejected, or waitlisted), with their latest follow-up figures.")),
            (Words.jobs, Word("avec B l'effectif à la candidature et L le dernier : créés = Σ max(0, L − B), maintenus = Σ min(B, L), total = Σ L (IRIS+ PI3687, PI5691, PI4874).",
                              "with B the baseline headcount and L the latest: created = Σ max(0, L − B), maintained = Σ min(B, L), total = Σ L (IRIS+ PI3687, PI5691, PI4874).")),
            (Words.survival, Word("une entreprise démarre à la plus tardive de sa date de création et du début de son accompagnement ; elle est éligible à N ans quand son N-ième anniversaire (le 28 février pour un 29 février) précède la date de référence, et survit si aucune cessation n'est datée au plus tard ce jour-là.",
                                  "a company starts on the later of its creation and the start of its support; it is eligible at N years when its N-th anniversary (28 February for a 29 February) is on or before the reference day, and survived when no closure is dated on or before it.")),
            (Words.reach, Word("chaque entreprise est comptée une fois, qu'elle soit adhérente ou candidate d'un ou de plusieurs réseaux.",
                               "each company counts once, whether it is a member or an applicant of one network or several.")),
            (Words.attendance, Word("séances suivies sur les séances de la promotion tenues depuis la sélection.",
                                    "sessions attended over the cohort's sessions held since the selection.")),
        ]
        return "<footer><h2>\(SVG.escape(lang(Words.definitions)))</h2><dl>"
            + items.map { "<dt>\(SVG.escape(lang($0.0)))</dt><dd>\(SVG.escape(lang($0.1)))</dd>" }.joined() + "</dl></footer>"
    }

    // MARK: Map

    func mapSection() throws -> String? {
        // France's tree (when the ledger defines it) and every territory with activity.
        let france = (try? models.territoryExpansion(code: "FR"))?.territories ?? []
        let tree = france + (try models.territoryExpansion().territories)
        var parent: [String: String] = [:], level: [String: String] = [:], name: [String: String] = [:]
        for t in tree {
            parent[t.code] = t.parent
            level[t.code] = t.level
            name[t.code] = t.name
        }
        func department(_ code: String) -> String? {
            var current: String? = code
            while let c = current {
                if level[c] == "department" { return c }
                current = parent[c]
            }
            return nil
        }
        let mapped = Set(FranceMap.departments.map(\.code))
        var participants: [String: Int] = [:]
        var outside: [String: [String]] = [:]
        func place(_ territory: String, _ note: String) -> String? {
            if let d = department(territory), mapped.contains(d) { return d }
            outside[territory, default: []].append(note)
            return nil
        }
        switch scope {
        case .program, .network:
            var cohorts: [String] = []
            if case let .program(id) = scope { cohorts = try models.cohorts(program: id) }
            if case let .network(id) = scope { cohorts = try models.programs(network: id).flatMap { try models.cohorts(program: $0) } }
            for cohort in cohorts {
                for m in try models.roster(cohort: cohort).members {
                    if let t = m.territory, let d = place(t, lang(Words.participants)) { participants[d, default: 0] += 1 }
                }
            }
        case let .territory(code):
            for t in try models.territoryExpansion(code: code).territories where t.level == "department" { participants[t.code] = t.participants }
        case .ledger:
            for t in france where t.level == "department" { participants[t.code] = t.participants }
        }
        let filter: ExpansionTimeline.Filter
        switch scope {
        case let .program(id): filter = .program(id)
        case let .network(id): filter = .network(id)
        default: filter = .all
        }
        var sites: [(department: String, opened: Bool, label: String)] = []
        let timeline = try models.expansionTimeline(filter).timeline
        let opened = Set(timeline.filter { $0.kind == "site-opened" }.compactMap(\.site))
        for e in timeline where e.kind == "site-opened" || (e.kind == "site-planned" && !opened.contains(e.site ?? "")) {
            let isOpened = e.kind == "site-opened"
            let label = "\(e.site ?? "") — \(name[e.territory] ?? e.territory)"
            if case let .territory(code) = scope, !isWithin(e.territory, code, parent) { continue }
            if let d = place(e.territory, lang(isOpened ? Words.opened : Words.planned) + " " + (e.site ?? "")) {
                sites.append((d, isOpened, label))
            }
        }
        if case let .network(id) = scope {
            for p in try models.sharedPositions(network: id).positions { _ = place(p.territory, "\(lang(Words.positions)): \(p.title)") }
        }
        guard participants.values.contains(where: { $0 > 0 }) || !sites.isEmpty || !outside.isEmpty else { return nil }
        var regionOf: [String: String] = [:]
        for d in FranceMap.departments.map(\.code) { regionOf[d] = parent[d] }
        let svg = FranceMap.svg(title: "\(lang(Words.map)) — \(lang(Words.mapParticipants))", participants: participants, region: regionOf,
                                sites: sites, legend: { "\(lang.integer($0)) \(lang(Words.participants))" },
                                openedLabel: lang(Words.opened), plannedLabel: lang(Words.planned))
        var body = svg
        if !outside.isEmpty {
            body += "<div class=\"outside\"><h3>\(SVG.escape(lang(Words.outside)))</h3><ul>"
                + outside.sorted { $0.key < $1.key }.map { code, notes in
                    "<li>\(SVG.escape(name[code] ?? code)) (\(SVG.escape(code))): \(SVG.escape(notes.joined(separator: ", ")))</li>"
                }.joined() + "</ul></div>"
        }
        body += table(query: "", headers: [lang(Words.department), lang(Words.participants)],
                      rows: participants.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map {
                          [DataCell("\(name[$0.key] ?? $0.key) (\($0.key))"), DataCell(lang.integer($0.value))]
                      })
        return section("map", lang(Words.map), body)
    }

    private func isWithin(_ code: String, _ ancestor: String, _ parent: [String: String]) -> Bool {
        var current: String? = code
        while let c = current {
            if c == ancestor { return true }
            current = parent[c]
        }
        return false
    }
}

extension String {
    func leftZeroPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
