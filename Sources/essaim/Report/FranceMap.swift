/// The map of France's départements: shaded by participants, régions outlined,
/// opened sites as dots and planned sites as rings. Outlines in `FranceMap+Data.swift`.
enum FranceMap {
    /// Five shades of blue from light to dark (sequential, readable in grey too).
    static let shades = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]

    /// The map. `participants` and `region` are by département code; sites are
    /// (département, opened) pairs.
    static func svg(title: String, participants: [String: Int], region: [String: String],
                    sites: [(department: String, opened: Bool, label: String)], legend: (Int) -> String,
                    openedLabel: String, plannedLabel: String) -> String {
        let highest = max(participants.values.max() ?? 0, 1)
        func shade(_ count: Int) -> String {
            guard count > 0 else { return "#ffffff" }
            return shades[min(shades.count - 1, 1 + (count - 1) * (shades.count - 1) / highest)]
        }
        var defs = "", fills = "", masks = "", outlines = ""
        for d in departments {
            defs += ##"<path id="d\##(d.code)" d="\##(d.path)"/>"##
            let count = participants[d.code] ?? 0
            fills += ##"<use href="#d\##(d.code)" fill="\##(shade(count))" stroke="#9a9a9a" stroke-width="0.5"><title>\##(SVG.escape(d.code)): \##(count)</title></use>"##
        }
        // A région's outline: its départements drawn with a wide stroke, masked to
        // what lies outside them, so only the ring around their union shows.
        let regions = Dictionary(grouping: departments.filter { region[$0.code] != nil }, by: { region[$0.code]! })
        for (name, members) in regions.sorted(by: { $0.key < $1.key }) {
            let id = "r" + name.filter { $0.isLetter || $0.isNumber }
            let uses = members.map { ##"<use href="#d\##($0.code)"/>"## }.joined()
            masks += ##"<mask id="\##(id)" maskUnits="userSpaceOnUse" x="0" y="0" width="640" height="640"><rect width="640" height="640" fill="#fff"/><g fill="#000">\##(uses)</g></mask>"##
            outlines += ##"<g mask="url(#\##(id))" fill="none" stroke="#333" stroke-width="3">\##(uses)</g>"##
        }
        var markers = ""
        var seen: [String: Int] = [:]
        for site in sites {
            guard let d = departments.first(where: { $0.code == site.department }) else { continue }
            let k = seen[site.department, default: 0]
            seen[site.department] = k + 1
            let x = Double(d.x) + Double(k % 3) * 7 - 7, y = Double(d.y) + Double(k / 3) * 7
            markers += site.opened
                ? ##"<circle cx="\##(SVG.n(x))" cy="\##(SVG.n(y))" r="3.5" fill="#D55E00" stroke="#fff" stroke-width="1"><title>\##(SVG.escape(site.label))</title></circle>"##
                : ##"<circle cx="\##(SVG.n(x))" cy="\##(SVG.n(y))" r="3.5" fill="none" stroke="#D55E00" stroke-width="1.8"><title>\##(SVG.escape(site.label))</title></circle>"##
        }
        var key = ""
        let steps = Array(Set([0, 1, (highest + 1) / 2, highest])).sorted()
        for (i, value) in steps.enumerated() {
            key += SVG.rect(470, 20 + Double(i) * 16, 12, 12, fill: shade(value)) + SVG.text(488, 30 + Double(i) * 16, legend(value), size: 10)
        }
        let below = 20 + Double(steps.count) * 16 + 6
        key += ##"<circle cx="476" cy="\##(SVG.n(below))" r="3.5" fill="#D55E00"/>"## + SVG.text(488, below + 4, openedLabel, size: 10)
        key += ##"<circle cx="476" cy="\##(SVG.n(below + 16))" r="3.5" fill="none" stroke="#D55E00" stroke-width="1.8"/>"##
            + SVG.text(488, below + 20, plannedLabel, size: 10)
        return SVG.figure(width: 600, height: 600, title: title, "<defs>\(defs)\(masks)</defs>\(fills)\(outlines)\(markers)\(key)")
    }
}
