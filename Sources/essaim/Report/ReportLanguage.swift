import Essaim

/// The language of a report: its words, and numbers and dates in its style
/// (`12,3 %` and `3 déc. 2024` in French, `12.3%` and `3 Dec 2024` in English).
enum ReportLanguage: String, CaseIterable {
    case fr, en

    /// `--lang`, else French when `LANG` starts with `fr`, else English.
    static func choose(_ option: String?, environment: String?) -> ReportLanguage {
        if let option, let language = ReportLanguage(rawValue: option) { return language }
        return environment?.hasPrefix("fr") == true ? .fr : .en
    }

    /// `word` in this language.
    func callAsFunction(_ word: Word) -> String { self == .fr ? word.fr : word.en }

    /// A whole number with thousands grouped: `12 345` / `12,345`.
    func integer(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { grouped += self == .fr ? "\u{202F}" : "," }
            grouped.append(c)
        }
        return (value < 0 ? "−" : "") + grouped
    }

    func integer(_ value: Int) -> String { integer(Int64(value)) }

    /// A fraction as a percentage with one decimal: `12,3 %` / `12.3%`; `—` for none.
    func percent(_ value: Double?) -> String {
        guard let value else { return "—" }
        let tenths = (value * 1000).rounded()
        let sign = tenths < 0 ? "−" : ""
        let magnitude = abs(tenths)
        let text = "\(Int(magnitude) / 10)" + (Int(magnitude) % 10 == 0 ? "" : (self == .fr ? "," : ".") + "\(Int(magnitude) % 10)")
        return sign + text + (self == .fr ? "\u{202F}%" : "%")
    }

    /// `3 ans après le démarrage` / `1 year after they started`.
    func years(_ n: Int) -> String {
        self == .fr ? "\(n) \(n > 1 ? "ans" : "an") après le démarrage" : "\(n) \(n == 1 ? "year" : "years") after they started"
    }

    /// A day: `3 déc. 2024` / `3 Dec 2024`.
    func date(_ day: CivilDate?) -> String {
        guard let day else { return "—" }
        let c = day.components
        let months = self == .fr
            ? ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
            : ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(c.day) \(months[c.month - 1]) \(c.year)"
    }
}

/// A phrase in both languages.
struct Word {
    let fr: String
    let en: String

    init(_ fr: String, _ en: String) {
        self.fr = fr
        self.en = en
    }
}
