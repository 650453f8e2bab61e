import ArgumentParser
import Essaim

#if canImport(Glibc)
import Glibc
#endif

extension EssaimCommand {
    /// `essaim import FILE…`: validates and appends JSON Lines, all or nothing.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Validate and append JSON Lines events, all-or-nothing per invocation.",
            discussion: """
                Every line is checked against the refusal rules in order; the first refused \
                line is reported (file, line, event type and id, rule) and nothing is stored. \
                Events whose id is already stored with the same content are skipped and \
                counted as duplicates. `-` reads standard input.

                Examples:
                  essaim import Fixtures/territories-fr.jsonl Fixtures/seeds.jsonl
                  essaim --ledger a.ledger export | essaim --ledger b.ledger import -
                """)

        @OptionGroup var ledger: LedgerOptions

        @Argument(help: ArgumentHelp("JSON Lines files to import; `-` for standard input.", valueName: "file"))
        var files: [String]

        func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one file, or - for standard input") }
            if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
        }

        func run() throws {
            let target = try ledger.openLog()
            var spooled: String?
            defer { if let spooled { unlink(spooled) } }
            let paths = try files.map { file -> String in
                guard file == "-" else { return file }
                // Spooled to a file so that the import can be re-read if the map must grow.
                let path = try StandardInput.spool()
                spooled = path
                return path
            }
            let started = Clock.now()
            let report: AppendReport
            do {
                report = try target.importFiles(paths) { progress in
                    let percent = progress.totalBytes.map { $0 > 0 ? " (\(progress.bytes * 100 / $0) %)" : "" } ?? ""
                    Output.progress("importing: \(progress.lines) lines\(percent)")
                }
                Output.endProgress()
            } catch var refusal as EventRefusal {
                Output.endProgress()
                if refusal.source == spooled { refusal.source = "-" }
                throw refusal
            }
            let seconds = Clock.now() - started
            var summary = "imported \(report.appended) events, \(report.duplicates) duplicates"
            if report.erasedDuplicates > 0 {
                summary += " (\(report.erasedDuplicates) of them with personal data erased since: not restored)"
            }
            if let first = report.firstPosition, let last = report.lastPosition {
                summary += " (positions \(first)–\(last))"
            }
            Output.line(summary)
            if Output.stderrIsTerminal && report.appended > 10_000 {
                Output.note("\(Int(Double(report.appended) / max(seconds, 1e-9))) events/s\n")
            }
        }
    }
}

/// Reading standard input.
enum StandardInput {
    /// Copies standard input to a private temporary file and returns its path.
    static func spool() throws -> String {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(directory)/essaim-stdin-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw CommandFailure(message: "cannot create a temporary file in \(directory)") }
        defer { close(fd) }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { unlink(path); throw CommandFailure(message: "reading standard input failed") }
            if n == 0 { break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + written, n - written) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { unlink(path); throw CommandFailure(message: "cannot spool standard input to \(path)") }
                written += w
            }
        }
        return path
    }
}

/// Wall-clock time in seconds, for rates.
enum Clock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
