#if canImport(Glibc)
import Glibc
#endif

/// Writes results on stdout and messages on stderr; stdout carries nothing but results.
///
/// Stdout is buffered (export writes millions of lines); stderr is written at once.
/// The CLI is single-threaded, so the buffer needs no lock.
enum Output {
    /// Whether stdout is a terminal (tables) or a pipe (plain output).
    static let stdoutIsTerminal = isatty(1) == 1
    /// Whether stderr is a terminal (progress is shown only then).
    static let stderrIsTerminal = isatty(2) == 1

    nonisolated(unsafe) private static var buffer: [UInt8] = []

    /// One line on stdout.
    static func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// One message line on stderr, prefixed with `essaim: `.
    static func error(_ text: String) {
        flush()
        writeAll(2, Array(("essaim: " + text + "\n").utf8))
    }

    /// Text on stderr as it is.
    static func note(_ text: String) {
        writeAll(2, Array(text.utf8))
    }

    /// A transient progress line on stderr, only on a terminal.
    static func progress(_ text: String) {
        guard stderrIsTerminal else { return }
        writeAll(2, Array(("\r\u{1B}[2K" + text).utf8))
    }

    /// Clears the progress line.
    static func endProgress() {
        guard stderrIsTerminal else { return }
        writeAll(2, Array("\r\u{1B}[2K".utf8))
    }

    /// Writes buffered stdout.
    static func flush() {
        guard !buffer.isEmpty else { return }
        writeAll(1, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            // A closed pipe (e.g. `essaim export | head`) ends the output quietly.
            if n <= 0 { return }
            offset += n
        }
    }
}
