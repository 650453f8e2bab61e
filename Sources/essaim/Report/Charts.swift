/// The report's charts beyond plain bars.
extension SVG {
    /// Each group's values as dots on one axis, with its mean (diamond), median
    /// (bar) and pooled value (triangle) marked. Values are fractions (growth).
    static func dotPlot(title: String, axis: String, groups: [(label: String, values: [Double], mean: Double?, median: Double?,
                                                                 pooled: Double?)], format: (Double) -> String) -> String {
        let labelWidth = 150.0, plotWidth = 420.0, rowHeight = 46.0, top = 10.0
        let all: [Double] = groups.flatMap { g -> [Double] in g.values + [g.mean, g.median, g.pooled].compactMap { $0 } } + [0]
        var low: Double = all.min() ?? 0, high: Double = all.max() ?? 0
        if high - low < 0.1 { low -= 0.05; high += 0.05 }
        func x(_ v: Double) -> Double { labelWidth + (v - low) / (high - low) * plotWidth }
        var body = line(x(0), top, x(0), top + Double(groups.count) * rowHeight, stroke: "#bbb", dash: "3 3")
        for (g, group) in groups.enumerated() {
            let y = top + Double(g) * rowHeight + rowHeight / 2
            let color = palette[g % palette.count]
            body += text(labelWidth - 8, y + 4, group.label, anchor: "end")
            body += line(labelWidth, y, labelWidth + plotWidth, y, stroke: "#e4e4e4")
            for (i, v) in group.values.enumerated() {
                let jitter = Double(i % 5 - 2) * 3
                body += ##"<circle cx="\##(n(x(v)))" cy="\##(n(y + jitter))" r="3.5" fill="\##(color)" fill-opacity="0.7"><title>\##(escape(format(v)))</title></circle>"##
            }
            if let mean = group.mean {
                let cx = x(mean)
                body += ##"<path d="M\##(n(cx)) \##(n(y - 13))l6 6l-6 6l-6 -6Z" fill="#fff" stroke="#000" stroke-width="1.5"><title>mean \##(escape(format(mean)))</title></path>"##
            }
            if let median = group.median { body += line(x(median), y - 15, x(median), y + 15, stroke: "#000", width: 2) }
            if let pooled = group.pooled {
                let cx = x(pooled)
                body += ##"<path d="M\##(n(cx)) \##(n(y + 8))l6 10h-12Z" fill="#000"><title>pooled \##(escape(format(pooled)))</title></path>"##
            }
        }
        let bottom = top + Double(groups.count) * rowHeight
        body += line(labelWidth, bottom, labelWidth + plotWidth, bottom, stroke: "#444")
        for tick in 0...4 {
            let v = low + (high - low) * Double(tick) / 4
            body += line(x(v), bottom, x(v), bottom + 4, stroke: "#444")
            body += text(x(v), bottom + 16, format(v), anchor: "middle", size: 10)
        }
        body += text(labelWidth + plotWidth / 2, bottom + 32, axis, anchor: "middle", size: 10, fill: "#555")
        return figure(width: labelWidth + plotWidth + 30, height: bottom + 40, title: title, body)
    }

    /// A step line of a count over days (days since 1970), with years on the axis.
    static func stepLine(title: String, axis: String, points: [(day: Int64, value: Int)], yearLabel: (Int64) -> String) -> String {
        let left = 50.0, width = 480.0, height = 160.0, top = 10.0
        guard let first = points.first?.day, let last = points.last?.day else { return figure(width: 10, height: 10, title: title, "") }
        let span = Double(max(last - first, 1)), highest = Double(max(points.map(\.value).max() ?? 1, 1))
        func x(_ d: Int64) -> Double { left + Double(d - first) / span * width }
        func y(_ v: Int) -> Double { top + height - Double(v) / highest * height }
        var d = "M\(n(x(first))) \(n(y(0)))"
        var previous = 0
        for p in points {
            d += "L\(n(x(p.day))) \(n(y(previous)))L\(n(x(p.day))) \(n(y(p.value)))"
            previous = p.value
        }
        var body = ##"<path d="\##(d)" fill="none" stroke="\##(palette[0])" stroke-width="2"/>"##
        body += line(left, top + height, left + width, top + height, stroke: "#444") + line(left, top, left, top + height, stroke: "#444")
        for tick in 0...4 {
            let v = Int((highest * Double(tick) / 4).rounded())
            body += text(left - 6, y(v) + 4, String(v), anchor: "end", size: 10)
        }
        for tick in 0...4 {
            let day = first + Int64(span * Double(tick) / 4)
            body += text(x(day), top + height + 16, yearLabel(day), anchor: "middle", size: 10)
        }
        body += text(left + width / 2, top + height + 32, axis, anchor: "middle", size: 10, fill: "#555")
        return figure(width: left + width + 20, height: top + height + 40, title: title, body)
    }

    /// One stacked bar per row: its segments side by side, then what is left, on
    /// a scale of `total` (the largest row's capacity).
    static func stackedBars(title: String, axis: String, rows: [(label: String, segments: [(name: String, value: Double)],
                                                                    capacity: Double)], format: (Double) -> String) -> String {
        let labelWidth = 230.0, barWidth = 330.0, rowHeight = 34.0, top = 8.0
        let total = max(rows.map(\.capacity).max() ?? 1, 1)
        var names: [String] = []
        for row in rows { for s in row.segments where !names.contains(s.name) { names.append(s.name) } }
        var body = ""
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * rowHeight
            body += text(labelWidth - 8, y + 19, row.label.count > 36 ? String(row.label.prefix(35)) + "…" : row.label, anchor: "end")
            var x = labelWidth
            for s in row.segments {
                let w = barWidth * s.value / total
                body += rect(x, y + 6, w, rowHeight - 12, fill: palette[names.firstIndex(of: s.name)! % palette.count],
                             title: "\(s.name): \(format(s.value))")
                x += w
            }
            let free = row.capacity - row.segments.reduce(0) { $0 + $1.value }
            if free > 0 {
                body += ##"<rect x="\##(n(x))" y="\##(n(y + 6))" width="\##(n(barWidth * free / total))" height="\##(n(rowHeight - 12))" fill="none" stroke="#999" stroke-dasharray="3 2"><title>\##(escape(format(free)))</title></rect>"##
            }
        }
        let bottom = top + Double(rows.count) * rowHeight
        body += text(labelWidth + barWidth / 2, bottom + 14, axis, anchor: "middle", size: 10, fill: "#555")
        var legendY = bottom + 30
        for (k, name) in names.enumerated() {
            body += rect(labelWidth, legendY - 9, 10, 10, fill: palette[k % palette.count]) + text(labelWidth + 16, legendY, name, size: 10)
            legendY += 15
        }
        return figure(width: labelWidth + barWidth + 30, height: legendY + 4, title: title, body)
    }

    /// A grid of rows × columns, a filled cell where `filled` says so.
    static func grid(title: String, columns: [String], rows: [String], filled: (Int, Int) -> Bool, legend: String) -> String {
        let labelWidth = 170.0, cell = 16.0, top = 40.0
        var body = ""
        for (c, column) in columns.enumerated() {
            let x = labelWidth + Double(c) * cell + cell / 2
            body += ##"<text transform="translate(\##(n(x + 3)) \##(n(top - 4))) rotate(-60)" font-size="9" fill="#222">\##(escape(column))</text>"##
        }
        for (r, row) in rows.enumerated() {
            let y = top + Double(r) * cell
            body += text(labelWidth - 6, y + 12, row, anchor: "end", size: 10)
            for c in columns.indices {
                let x = labelWidth + Double(c) * cell
                body += filled(r, c) ? rect(x + 1, y + 1, cell - 2, cell - 2, fill: palette[0])
                    : ##"<rect x="\##(n(x + 1))" y="\##(n(y + 1))" width="\##(n(cell - 2))" height="\##(n(cell - 2))" fill="#fff" stroke="#ccc"/>"##
            }
        }
        let bottom = top + Double(rows.count) * cell
        body += text(labelWidth, bottom + 16, legend, size: 10, fill: "#555")
        return figure(width: max(labelWidth + Double(columns.count) * cell + 40, labelWidth + Double(legend.count) * 6), height: bottom + 24,
                      title: title, body)
    }

    /// Dated entries on one time axis, one row each, coloured by kind.
    static func timeline(title: String, entries: [(day: Int64, kind: Int, label: String)], kinds: [String],
                         dayLabel: (Int64) -> String) -> String {
        let left = 20.0, width = 240.0, rowHeight = 16.0, top = 24.0
        guard let first = entries.map(\.day).min(), let last = entries.map(\.day).max() else {
            return figure(width: 10, height: 10, title: title, "")
        }
        let span = Double(max(last - first, 1))
        var body = text(left, 12, dayLabel(first), size: 10) + text(left + width, 12, dayLabel(last), anchor: "end", size: 10)
        body += line(left, top - 6, left + width, top - 6, stroke: "#444")
        for (i, e) in entries.enumerated() {
            let y = top + Double(i) * rowHeight
            let x = left + Double(e.day - first) / span * width
            body += line(left, y, left + width, y, stroke: "#f0f0f0")
            body += ##"<circle cx="\##(n(x))" cy="\##(n(y))" r="4.5" fill="\##(palette[e.kind % palette.count])"/>"##
            body += text(left + width + 12, y + 4, dayLabel(e.day) + " — " + e.label, size: 10)
        }
        var legendY = top + Double(entries.count) * rowHeight + 8
        for (k, kind) in kinds.enumerated() {
            body += ##"<circle cx="\##(n(left + 5))" cy="\##(n(legendY - 4))" r="4.5" fill="\##(palette[k % palette.count])"/>"##
            body += text(left + 16, legendY, kind, size: 10)
            legendY += 15
        }
        return figure(width: left + width + 420, height: legendY + 4, title: title, body)
    }
}
