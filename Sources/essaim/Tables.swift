import Essaim

/// One cell of a table or CSV row.
enum Cell {
    case text(String?)
    case number(Int64?)
    case ratio(Double?)

    /// For people: ratios as percentages, missing values as `—`.
    var display: String {
        switch self {
        case let .text(s): return s ?? "—"
        case let .number(n): return n.map(String.init) ?? "—"
        case let .ratio(x):
            guard let x else { return "—" }
            let percent = (x * 1000).rounded() / 10
            return (percent == percent.rounded() ? String(Int(percent)) : String(percent)) + " %"
        }
    }

    /// For spreadsheets: ratios as fractions at full precision, missing values empty.
    var csv: String {
        let raw: String
        switch self {
        case let .text(s): raw = s ?? ""
        case let .number(n): raw = n.map(String.init) ?? ""
        case let .ratio(x): raw = x.map { $0.description } ?? ""
        }
        guard raw.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return raw }
        return "\"" + raw.replacingAll("\"", with: "\"\"") + "\""
    }
}

/// A titled table: a header row and data rows.
struct Table {
    var title: String?
    var headers: [String]
    var rows: [[Cell]]

    /// Aligned columns for a terminal; numbers right-aligned.
    func rendered() -> String {
        let cells = rows.map { $0.map(\.display) }
        let widths = headers.indices.map { i in ([headers[i]] + cells.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ values: [String], alignRight: [Bool]) -> String {
            values.indices.map { i in
                alignRight[i] ? values[i].leftPadded(widths[i]) : values[i].rightPadded(widths[i])
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        let numeric = headers.indices.map { i in rows.allSatisfy { if case .text = $0[i] { false } else { true } } && !rows.isEmpty }
        var out: [String] = []
        if let title { out.append(title) }
        out.append(line(headers, alignRight: numeric))
        out.append(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  "))
        out += cells.map { line($0, alignRight: numeric) }
        if rows.isEmpty { out.append("(none)") }
        return out.joined(separator: "\n")
    }

    /// CSV with a header row.
    func csv() -> String {
        ([headers.map { Cell.text($0).csv }.joined(separator: ",")] + rows.map { $0.map(\.csv).joined(separator: ",") })
            .joined(separator: "\n")
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }

    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
