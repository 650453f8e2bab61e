import Essaim

/// What a report covers: one program, one network, one territory, or the whole ledger.
enum ReportScope {
    case program(String), network(String), territory(String), ledger

    /// The growth and survival scope; the whole ledger counts companies located in France.
    var growthScope: GrowthReport.Scope? {
        switch self {
        case let .program(id): .program(id)
        case let .network(id): .network(id)
        case let .territory(code): .territory(code)
        case .ledger: .territory("FR")
        }
    }

    /// The `essaim query` options that select the same scope.
    var queryArguments: String {
        switch self {
        case let .program(id): "--program \(id)"
        case let .network(id): "--network \(id)"
        case let .territory(code): "--territory \(code)"
        case .ledger: "--territory FR"
        }
    }
}

/// One cell of a data table: what people read, and the query's JSON value
/// behind it (`field` is its path in the query's JSON) for checks.
struct DataCell {
    var text: String
    var field: String?
    var value: JSONValue?

    init(_ text: String, field: String? = nil, _ value: JSONValue? = nil) {
        self.text = text
        self.field = field
        self.value = value
    }
}

/// Builds the report's HTML from one state of the ledger's read models: every
/// figure is a query's figure, and each chart's data table names the query.
struct ReportBuilder {
    let models: ReadModels
    let scope: ReportScope
    let lang: ReportLanguage

    // MARK: Pieces

    func table(query: String, headers: [String], rows: [[DataCell]]) -> String {
        var html = #"<details><summary>\#(lang(Words.data))</summary><table data-query="\#(SVG.escape(query))"><thead><tr>"#
        html += headers.map { "<th>\(SVG.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>" + row.map { cell in
                let data = cell.field.map { #" data-field="\#(SVG.escape($0))" data-value="\#(SVG.escape((cell.value ?? .null).serialized))""# } ?? ""
                return "<td\(data)>\(SVG.escape(cell.text))</td>"
            }.joined() + "</tr>"
        }
        return html + "</tbody></table></details>"
    }

    func section(_ id: String, _ title: String, _ body: String) -> String {
        #"<section id="\#(id)"><h2>\#(SVG.escape(title))</h2>\#(body)</section>"#
    }

    func integer(_ value: Int, field: String) -> DataCell { DataCell(lang.integer(value), field: field, .integer(Int64(value))) }
    func integer(_ value: Int64, field: String) -> DataCell { DataCell(lang.integer(value), field: field, .integer(value)) }
    func ratio(_ value: Double?, field: String) -> DataCell { DataCell(lang.percent(value), field: field, value.map(JSONValue.number) ?? .null) }

    // MARK: Sections

    func growthSections(_ g: GrowthReport, query: String) -> [String] {
        var out: [String] = []
        let f = g.funnel
        guard f.applications > 0 else { return out }
        let funnelRows: [(String, Int, String)] = [
            (lang(Words.applications), f.applications, "funnel.applications"), (lang(Words.participants), f.participants, "funnel.participants"),
            (lang(Words.rejected), f.rejected, "funnel.rejected"), (lang(Words.waitlisted), f.waitlisted, "funnel.waitlisted"),
            (lang(Words.withdrawn), f.withdrawn, "funnel.withdrawn"), (lang(Words.pending), f.pending, "funnel.pending"),
        ]
        out.append(section("funnel", lang(Words.funnel),
            SVG.bars(title: lang(Words.funnel), axis: lang(Words.count),
                     rows: funnelRows.map { ($0.0, Double($0.1), lang.integer($0.1)) })
            + table(query: query, headers: ["", lang(Words.count)],
                    rows: funnelRows.map { [DataCell($0.0), integer($0.1, field: $0.2)] }
                        + [[DataCell(lang(Words.selectionRate)), ratio(f.selectionRate, field: "funnel.selectionRate")]])))

        var growthBody = ""
        var rows: [[DataCell]] = []
        for (i, metric) in g.metrics.enumerated() where metric.growth.participants > 0 || g.comparison.metrics[i].growth.participants > 0 {
            let name = Words.metricNames[metric.name].map { lang($0) } ?? metric.name
            let groups = [(lang(Words.participants), metric.growth, "metrics.\(metric.name)"),
                          (lang(Words.comparisonGroup), g.comparison.metrics[i].growth, "comparison.metrics.\(metric.name)")]
                .filter { $0.1.participants > 0 }
            growthBody += SVG.dotPlot(title: "\(lang(Words.growth)) — \(name)", axis: "\(name): \(lang(Words.growthAxis))",
                                      groups: groups.map { ($0.0, $0.1.values, $0.1.mean, $0.1.median, $0.1.pooled) },
                                      format: { lang.percent($0) })
            for (label, m, path) in groups {
                rows.append([DataCell(name), DataCell(label), integer(m.participants, field: path + ".participants"),
                             ratio(m.mean, field: path + ".mean"), ratio(m.median, field: path + ".median"),
                             ratio(m.min, field: path + ".min"), ratio(m.max, field: path + ".max"), ratio(m.pooled, field: path + ".pooled")])
            }
        }
        if !rows.isEmpty {
            out.append(section("growth", lang(Words.growth), growthBody + table(
                query: query, headers: ["", lang(Words.group), lang(Words.counted), lang(Words.mean), lang(Words.median),
                                        lang(Words.minimum), lang(Words.maximum), lang(Words.pooled)], rows: rows)))
        }

        let jobGroups = [(lang(Words.participants), g.jobs, "jobs"), (lang(Words.comparisonGroup), g.comparison.jobs, "comparison.jobs")]
            .filter { $0.1.participants > 0 }
        if !jobGroups.isEmpty {
            var bars: [(String, Double, String)] = []
            for (label, j, _) in jobGroups {
                bars += [("\(label) — \(lang(Words.created))", Double(j.created), lang.integer(j.created)),
                         ("\(label) — \(lang(Words.maintained))", Double(j.maintained), lang.integer(j.maintained)),
                         ("\(label) — \(lang(Words.total))", Double(j.total), lang.integer(j.total))]
            }
            out.append(section("jobs", lang(Words.jobs), SVG.bars(title: lang(Words.jobs), axis: lang(Words.jobsAxis), rows: bars,
                                                               color: { SVG.palette[$0 / 3 % SVG.palette.count] })
                + table(query: query, headers: [lang(Words.group), lang(Words.counted), lang(Words.created), lang(Words.maintained), lang(Words.total)],
                        rows: jobGroups.map { label, j, path in
                            [DataCell(label), integer(j.participants, field: path + ".participants"), integer(j.created, field: path + ".created"),
                             integer(j.maintained, field: path + ".maintained"), integer(j.total, field: path + ".total")]
                        })))
        }

        if g.overall.converted > 0 || !g.bySegment.isEmpty {
            let conversions = [(lang(Words.all), g.overall, "conversion.overall")]
                + g.bySegment.map { ($0.segment, $0.conversion, "conversion.bySegment.\($0.segment)") }
            out.append(section("conversion", "\(lang(Words.conversion)) — \(g.milestone)",
                SVG.bars(title: "\(lang(Words.conversion)) — \(g.milestone)", axis: lang(Words.rate),
                         rows: conversions.map { ($0.0, $0.1.rate ?? 0, lang.percent($0.1.rate)) }, maximum: 1)
                + table(query: query, headers: [lang(Words.segment), lang(Words.participants), lang(Words.converted), lang(Words.rate)],
                        rows: conversions.map { label, c, path in
                            [DataCell(label), integer(c.participants, field: path + ".participants"),
                             integer(c.converted, field: path + ".converted"), ratio(c.rate, field: path + ".rate")]
                        })))
        }
        return out
    }

    func survivalSection(_ s: Survival, query: String) -> String? {
        guard s.rates.contains(where: { $0.eligible > 0 }) else { return nil }
        let title = "\(lang(Words.survival)) (\(lang.date(s.referenceDay)))"
        return section("survival", lang(Words.survival),
            SVG.bars(title: title, axis: lang(Words.rate),
                     rows: s.rates.map { (lang.years($0.years), $0.rate ?? 0, lang.percent($0.rate)) }, maximum: 1)
            + table(query: query, headers: [lang(Words.afterStart), lang(Words.eligible), lang(Words.survived), lang(Words.rate)],
                    rows: s.rates.enumerated().map { i, r in
                        [integer(r.years, field: "rates.\(i).years"), integer(r.eligible, field: "rates.\(i).eligible"),
                         integer(r.survived, field: "rates.\(i).survived"), ratio(r.rate, field: "rates.\(i).rate")]
                    } + [[DataCell(lang(Words.companies)), integer(s.companies, field: "companies"), DataCell(""), DataCell("")]]))
    }

    /// A grid per cohort (the latest six), members against sessions.
    func attendanceSection(_ cohorts: [String], bounds: String) throws -> String? {
        var body = ""
        for id in cohorts.suffix(6) {
            let r = try models.roster(cohort: id)
            guard !r.members.isEmpty, !r.sessions.isEmpty else { continue }
            let columns = r.sessions.map { lang.date($0.on) }
            let present = r.sessions.map { Set($0.attendees) }
            body += "<h3>\(SVG.escape(lang(Words.cohort))) \(SVG.escape(r.label)) (\(SVG.escape(id)))</h3>"
            body += SVG.grid(title: "\(lang(Words.attendance)) — \(r.label)", columns: columns,
                             rows: r.members.map { "\($0.company)" }, filled: { present[$1].contains(r.members[$0].application) },
                             legend: lang(Words.present))
            body += table(query: "roster --cohort \(id)\(bounds)", headers: ["", lang(Words.attended), lang(Words.rate)],
                          rows: r.members.enumerated().map { i, m in
                              [DataCell(m.company), integer(m.sessionsAttended, field: "members.\(i).sessionsAttended"),
                               ratio(m.attendanceRate, field: "members.\(i).attendanceRate")]
                          })
        }
        return body.isEmpty ? nil : section("attendance", lang(Words.attendance), body)
    }

    func networkSections(_ network: String, bounds: String) throws -> [String] {
        var out: [String] = []
        let m = try models.members(network: network)
        if !m.members.isEmpty {
            // Active members over time, from each member's latest spell (since, left on).
            var changes: [Int64: Int] = [:]
            for member in m.members {
                changes[member.since.daysSinceEpoch, default: 0] += 1
                if let left = member.leftOn { changes[left.daysSinceEpoch, default: 0] -= 1 }
            }
            var running = 0
            let points = changes.sorted { $0.key < $1.key }.map { day, delta -> (day: Int64, value: Int) in
                running += delta
                return (day, running)
            }
            out.append(section("members", "\(lang(Words.members)) — \(m.name)",
                SVG.stepLine(title: "\(lang(Words.membersOverTime)) — \(m.name)", axis: lang(Words.membersOverTime), points: points,
                             yearLabel: { String(CivilDate(daysSinceEpoch: $0).components.year) })
                + table(query: "members --network \(network)\(bounds)",
                        headers: [lang(Words.capacity), lang(Words.active), lang(Words.joined), lang(Words.left)],
                        rows: [[DataCell(m.memberCapacity.map { lang.integer($0) } ?? "—", field: "memberCapacity", m.memberCapacity.map(JSONValue.integer) ?? .null),
                                integer(m.active, field: "active"), integer(m.joined, field: "joined"), integer(m.left, field: "left")]])))
        }
        let mentoring = try models.mentoring(network: network)
        if mentoring.mentorships > 0 {
            out.append(section("mentoring", lang(Words.mentoring),
                SVG.bars(title: "\(lang(Words.mentoring)) — \(lang(Words.minutes))", axis: lang(Words.minutes),
                         rows: mentoring.byTheme.map { ($0.theme, Double($0.totals.minutes), lang.integer($0.totals.minutes)) })
                + table(query: "mentoring --network \(network)\(bounds)",
                        headers: [lang(Words.theme), lang(Words.mentorships), lang(Words.minutes)],
                        rows: mentoring.byTheme.map { t in
                            [DataCell(t.theme), integer(t.totals.mentorships, field: "byTheme.\(t.theme).mentorships"),
                             integer(t.totals.minutes, field: "byTheme.\(t.theme).minutes")]
                        } + [[DataCell(lang(Words.reciprocal)), integer(mentoring.reciprocalPairs, field: "reciprocalPairs"), DataCell("")]])))
        }
        if let positions = try positionsSection(network: network, bounds: bounds) { out.append(positions) }
        return out
    }

    func positionsSection(network: String?, bounds: String) throws -> String? {
        let p = try models.sharedPositions(network: network)
        guard !p.positions.isEmpty else { return nil }
        let query = "positions" + (network.map { " --network \($0)" } ?? "") + bounds
        return section("positions", lang(Words.positions),
            SVG.stackedBars(title: lang(Words.positions), axis: lang(Words.shareAxis),
                            rows: p.positions.map { ("\($0.title) (\($0.position))", $0.holders.map { ($0.company, Double($0.sharePercent)) },
                                                     Double($0.capacityPercent)) },
                            format: { lang.integer(Int64($0)) + " %" })
            + table(query: query, headers: ["", lang(Words.capacity), lang(Words.total)],
                    rows: p.positions.enumerated().map { i, e in
                        [DataCell(e.position), integer(e.capacityPercent, field: "positions.\(i).capacityPercent"),
                         integer(e.allocatedPercent, field: "positions.\(i).allocatedPercent")]
                    }))
    }

    func reachSection(territory: String?, bounds: String) throws -> String? {
        let r = try models.reach(territory: territory)
        guard r.companies > 0 else { return nil }
        let query = "reach" + (territory.map { " --territory \($0)" } ?? "") + bounds
        return section("reach", lang(Words.reach),
            SVG.bars(title: lang(Words.reach), axis: lang(Words.companies),
                     rows: r.networks.map { ($0.network, Double($0.companies), lang.integer($0.companies)) })
            + table(query: query, headers: ["", lang(Words.count)],
                    rows: [[DataCell(lang(Words.companies)), integer(r.companies, field: "companies")],
                           [DataCell(lang(Words.members)), integer(r.members, field: "members")],
                           [DataCell(lang(Words.applicants)), integer(r.applicants, field: "applicants")],
                           [DataCell(lang(Words.participants)), integer(r.participants, field: "participants")],
                           [DataCell(lang(Words.inSeveral)), integer(r.inSeveralNetworks, field: "inSeveralNetworks")]]))
    }

    func timelineSection(_ filter: ExpansionTimeline.Filter, query: String) throws -> String? {
        let t = try models.expansionTimeline(filter)
        guard !t.timeline.isEmpty else { return nil }
        let kinds = ["program-launched", "program-extended", "site-opened", "site-planned"]
        return section("expansion", lang(Words.timeline),
            SVG.timeline(title: lang(Words.timeline),
                         entries: t.timeline.map { e in
                             (e.on.daysSinceEpoch, kinds.firstIndex(of: e.kind) ?? 0,
                              [e.site ?? e.program, e.territory].compactMap { $0 }.joined(separator: ", "))
                         },
                         kinds: Words.kinds.map { lang($0) }, dayLabel: { lang.date(CivilDate(daysSinceEpoch: $0)) })
            + table(query: query, headers: ["", "", ""],
                    rows: t.timeline.enumerated().map { i, e in
                        [DataCell(e.on.description, field: "timeline.\(i).on", .string(e.on.description)),
                         DataCell(e.kind, field: "timeline.\(i).kind", .string(e.kind)),
                         DataCell(e.territory, field: "timeline.\(i).territory", .string(e.territory))]
                    }))
    }
}
