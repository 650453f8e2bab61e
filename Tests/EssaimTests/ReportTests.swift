import Foundation
import Testing
@testable import Essaim

/// `essaim report`: one self-contained HTML file whose figures are the queries'
/// figures, rendered by a real browser (headless Chromium).
@Suite(.serialized) struct ReportTests {
    /// The fixtures in a ledger, and a directory for reports.
    static func world() throws -> (directory: String, ledger: String) {
        try QueryCommandTests.fixtureLedger()
    }

    static func report(_ ledger: String, _ arguments: [String], in directory: String, name: String) throws -> String {
        let path = directory + "/" + name
        let result = try CommandLineTests.run(["--ledger", ledger, "report"] + arguments + ["--output", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == path + "\n")
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    static func sections(_ html: String) -> [String] {
        html.matches(of: #/<section id="([a-z]+)">/#).map { String($0.1) }
    }

    @Test("self-contained: no script, no external reference; the sections its scope has data for; position and digest stated")
    func structure() throws {
        let (directory, ledger) = try Self.world()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let library = try Ledger.open(at: ledger, configuration: LedgerConfiguration(readOnly: true))
        let digest = try library.verify().digest
        for (arguments, expected) in [
            (["--network", "medicalps"], ["funnel", "growth", "jobs", "survival", "attendance", "members", "mentoring", "positions", "expansion", "map"]),
            (["--program", "alexis-poles"], ["funnel", "jobs", "conversion", "survival", "attendance", "expansion", "map"]),
            (["--program", "medicen-stratexio"], ["funnel", "growth", "jobs", "survival", "attendance", "expansion", "map"]),
            (["--territory", "FR-37"], ["funnel", "reach", "map"]),
            ([], ["funnel", "growth", "jobs", "conversion", "survival", "reach", "positions", "expansion", "map"]),
        ] {
            let html = try Self.report(ledger, arguments + ["--lang", "en"], in: directory, name: "r.html")
            #expect(Self.sections(html) == expected, "\(arguments)")
            #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("src=") && !html.contains("@import"))
            #expect(!html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"), "\(arguments)")
            #expect(html.contains(#"data-position="\#(digest.position)""#) && html.contains("essaim verify --expect \(digest)"))
            #expect(html.contains("@media print") && html.contains("<title>"))
        }
        // The digest the report states is one verify accepts.
        let expect = try CommandLineTests.run(["--ledger", ledger, "verify", "--expect", digest.description])
        #expect(expect.status == 0)
    }

    @Test("every figure in the data tables is the JSON of the query its table names")
    func numbersAreTheQueries() throws {
        let (directory, ledger) = try Self.world()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var checked = 0
        for arguments in [["--network", "medicalps"], ["--program", "alexis-poles"], [], ["--program", "medicen-stratexio", "--as-of", "2018-06-30"]] {
            let html = try Self.report(ledger, arguments, in: directory, name: "n.html")
            for table in html.matches(of: #/<table data-query="([^"]+)">(.*?)</table>/#) {
                let query = String(table.1).replacingOccurrences(of: "&quot;", with: "\"")
                guard !query.isEmpty else { continue }
                let result = try CommandLineTests.run(["--ledger", ledger, "query"] + query.split(separator: " ").map(String.init) + ["--format", "json"])
                #expect(result.status == 0, "\(query): \(result.stderr)")
                let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
                for cell in table.2.matches(of: #/data-field="([^"]+)" data-value="([^"]*)"/#) {
                    var value: Any? = json
                    for key in cell.1.split(separator: ".") {
                        if let items = value as? [Any], let index = Int(key) { value = index < items.count ? items[index] : nil }
                        else { value = (value as? [String: Any])?[String(key)] }
                    }
                    let shown = try JSONSerialization.jsonObject(with: Data(String(cell.2).replacingOccurrences(of: "&quot;", with: "\"").utf8),
                                                                 options: .fragmentsAllowed)
                    #expect((value as? NSObject)?.isEqual(shown) == true, "\(query) \(cell.1): \(String(describing: value)) vs \(shown)")
                    checked += 1
                }
            }
        }
        #expect(checked > 100)
    }

    @Test("French or English: words, numbers and dates in the language's style; LANG chooses without --lang")
    func languages() throws {
        let (directory, ledger) = try Self.world()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let french = try Self.report(ledger, ["--program", "alexis-poles", "--lang", "fr"], in: directory, name: "fr.html")
        #expect(french.contains(#"<html lang="fr">"#) && french.contains("Candidatures et décisions") && french.contains("30\u{202F}%"))
        let english = try Self.report(ledger, ["--program", "alexis-poles", "--lang", "en"], in: directory, name: "en.html")
        #expect(english.contains(#"<html lang="en">"#) && english.contains("Applications and decisions") && english.contains("30%"))
        let path = directory + "/env.html"
        #expect(try CommandLineTests.run(["--ledger", ledger, "report", "--output", path], environment: ["LANG": "fr_FR.UTF-8"]).status == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains(#"<html lang="fr">"#))
        // Without --output: a file named after the scope and the date, in the current directory.
        let named = try CommandLineTests.run(["--ledger", ledger, "report", "--program", "alexis-poles", "--as-of", "2024-12-31"],
                                             directory: directory)
        #expect(named.stdout == "essaim-report-program-alexis-poles-2024-12-31.html\n")
        #expect(FileManager.default.fileExists(atPath: directory + "/essaim-report-program-alexis-poles-2024-12-31.html"))
        #expect(try CommandLineTests.run(["--ledger", ledger, "report", "--lang", "de"]).status == 2)
        #expect(try CommandLineTests.run(["--ledger", ledger, "report", "--program", "nope"]).status == 1)
    }

    @Test("an empty ledger, or one without France, gives a report with its header and definitions only")
    func emptyLedger() throws {
        let (directory, ledger) = try CommandLineTests.initialised()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var html = try Self.report(ledger, [], in: directory, name: "empty.html")
        #expect(Self.sections(html).isEmpty && html.contains(#"data-position="0""#) && html.contains("<footer>"))
        try CommandLineTests.run(["--ledger", ledger, "import", "-"], stdin: line("TerritoryDefined", #"{"code":"BE","name":"Belgique","level":"country"}"#))
        html = try Self.report(ledger, [], in: directory, name: "be.html")
        #expect(Self.sections(html).isEmpty && html.contains(#"data-position="1""#))
    }

    @Test("a report as of a date equals the report of a ledger holding only the events up to that date")
    func asOfEqualsTruncatedLedger() throws {
        let (directory, ledger) = try Self.world()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let asOf = "2018-06-30"
        let full = try Self.report(ledger, ["--as-of", asOf, "--lang", "en"], in: directory, name: "full.html")
        // A second ledger with the events that occurred by then.
        let library = try Ledger.open(at: ledger, configuration: LedgerConfiguration(readOnly: true))
        let cut = CivilDate(asOf)!.nextDay.startInstant
        let lines = try library.events().filter { $0.occurredAt.instant < cut }.map(\.jsonLine)
        let other = directory + "/cut.ledger"
        let copy = try Ledger.create(at: other, configuration: LedgerConfiguration(durable: false))
        try copy.importJSONLines(lines.joined(separator: "\n"))
        let truncated = try Self.report(other, ["--as-of", asOf, "--lang", "en"], in: directory, name: "cut.html")
        func body(_ html: String) -> Substring { html[html.range(of: "</header>")!.upperBound...] }
        #expect(body(full) == body(truncated))
        #expect(full != truncated)   // the headers differ: position and digest
    }

    // MARK: A real browser

    static var chromium: String? {
        for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return nil
    }

    static func browser(_ arguments: [String]) throws -> CommandLineTests.Result {
        guard let chromium else {
            Issue.record("Chromium is needed for the report's browser tests: run tools/setup --tests (or tools/test)")
            return CommandLineTests.Result(status: -1, stdout: "", stderr: "")
        }
        return try CommandLineTests.run(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                                         "--disable-dev-shm-usage"] + arguments, executable: chromium)
    }

    @Test("Chromium renders the reports: a screenshot that is not blank, every chart with a size, a PDF of several A4 pages")
    func rendering() throws {
        let (directory, ledger) = try Self.world()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let html = try Self.report(ledger, ["--lang", "fr"], in: directory, name: "ledger.html")
        let page = "file://" + directory + "/ledger.html"
        // A screenshot of the first screen: not blank.
        let png = directory + "/ledger.png"
        _ = try Self.browser(["--window-size=1000,1400", "--screenshot=" + png, page])
        let image = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(image.count > 20_000 && image.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(Set(image.dropFirst(100).prefix(20_000)).count > 200)
        // After layout, every chart has a size: a copy with a script that writes them into the DOM.
        let probe = directory + "/probe.html"
        try html.replacingOccurrences(of: "</body>", with: """
            <script>document.querySelectorAll('svg').forEach(s => { const r = s.getBoundingClientRect(); \
            s.setAttribute('data-rendered', Math.round(r.width) + 'x' + Math.round(r.height)); });</script></body>
            """).write(toFile: probe, atomically: true, encoding: .utf8)
        let dom = try Self.browser(["--dump-dom", "--virtual-time-budget=2000", "file://" + probe])
        let sizes = dom.stdout.matches(of: #/data-rendered="(\d+)x(\d+)"/#).map { (Int($0.1)!, Int($0.2)!) }
        #expect(sizes.count == html.matches(of: #/<svg /#).count && sizes.count >= 8)
        #expect(sizes.allSatisfy { $0.0 > 50 && $0.1 > 20 }, "\(sizes)")
        // Printed: several pages.
        let pdf = directory + "/ledger.pdf"
        _ = try Self.browser(["--print-to-pdf=" + pdf, "--no-pdf-header-footer", page])
        let document = try Data(contentsOf: URL(fileURLWithPath: pdf))
        let text = String(decoding: document, as: UTF8.self)
        #expect(document.starts(with: Array("%PDF".utf8)))
        #expect(text.matches(of: #/\/Type\s*\/Page[^s]/#).count > 1)
    }
}
