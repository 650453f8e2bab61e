/// Small builders of inline SVG charts: every chart has a title for screen
/// readers, labelled axes, and colours from a colour-blind-safe palette (Okabe–Ito).
enum SVG {
    /// Okabe–Ito: distinguishable with every common colour-vision deficiency.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

    /// Escapes text for HTML and SVG.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A number for SVG coordinates: one decimal at most.
    static func n(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// An `<svg>` element of `width` × `height` with a title and a description.
    static func figure(width: Double, height: Double, title: String, _ content: String) -> String {
        ##"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 \##(n(width)) \##(n(height))" width="\##(n(width))" height="\##(n(height))"><title>\##(escape(title))</title>\##(content)</svg>"##
    }

    static func text(_ x: Double, _ y: Double, _ content: String, anchor: String = "start", size: Double = 11,
                     weight: String? = nil, fill: String = "#222") -> String {
        let bold = weight.map { ##" font-weight="\##($0)""## } ?? ""
        return ##"<text x="\##(n(x))" y="\##(n(y))" text-anchor="\##(anchor)" font-size="\##(n(size))" fill="\##(fill)"\##(bold)>\##(escape(content))</text>"##
    }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, title: String? = nil) -> String {
        let tip = title.map { "<title>\(escape($0))</title>" } ?? ""
        return ##"<rect x="\##(n(x))" y="\##(n(y))" width="\##(n(max(w, 0)))" height="\##(n(max(h, 0)))" fill="\##(fill)">\##(tip)</rect>"##
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#888", width: Double = 1,
                     dash: String? = nil) -> String {
        let dashed = dash.map { ##" stroke-dasharray="\##($0)""## } ?? ""
        return ##"<line x1="\##(n(x1))" y1="\##(n(y1))" x2="\##(n(x2))" y2="\##(n(y2))" stroke="\##(stroke)" stroke-width="\##(n(width))"\##(dashed)/>"##
    }

    /// Horizontal bars, one per row, with the value written after each bar.
    /// `axis` names what the bars measure.
    static func bars(title: String, axis: String, rows: [(label: String, value: Double, text: String)], maximum: Double? = nil,
                     color: (Int) -> String = { palette[$0 % palette.count] }) -> String {
        let labelWidth = 190.0, barWidth = 360.0, rowHeight = 24.0, top = 8.0
        let largest = max(maximum ?? rows.map(\.value).max() ?? 0, 1e-12)
        var body = ""
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * rowHeight
            body += text(labelWidth - 8, y + 15, row.label, anchor: "end")
            let w = barWidth * max(row.value, 0) / largest
            body += rect(labelWidth, y + 4, w, rowHeight - 8, fill: color(i), title: "\(row.label): \(row.text)")
            body += text(labelWidth + w + 6, y + 15, row.text)
        }
        let bottom = top + Double(rows.count) * rowHeight
        body += line(labelWidth, top, labelWidth, bottom, stroke: "#444")
        body += text(labelWidth + barWidth / 2, bottom + 18, axis, anchor: "middle", size: 10, fill: "#555")
        return figure(width: labelWidth + barWidth + 90, height: bottom + 26, title: title, body)
    }
}
