#if canImport(Glibc)
import Glibc
#endif

/// Reads `\n`-terminated lines from a file descriptor in large chunks, without
/// holding more than one chunk and one line in memory.
///
/// A line longer than `maximumLength` is not buffered whole: the reader reports
/// its length and skips to the next newline, so a 10 MiB line costs no 10 MiB.
struct LineReader {
    enum Line {
        /// The line's bytes, without the newline (and without a trailing `\r`).
        case text(ArraySlice<UInt8>)
        /// A line over the limit, with its length in bytes.
        case tooLong(Int)
    }

    private let fd: Int32
    private let maximumLength: Int
    private var buffer: [UInt8] = []
    /// What one read(2) fills (1 MiB), allocated on the first read.
    private var chunk: [UInt8] = []
    private var start = 0
    private var atEOF = false
    /// Bytes consumed so far (for progress).
    private(set) var bytesRead = 0

    init(fd: Int32, maximumLength: Int) {
        self.fd = fd
        self.maximumLength = maximumLength
    }

    /// The next line, or `nil` at the end of input.
    mutating func next() throws -> Line? {
        var overflow = 0
        while true {
            if let newline = nextNewline() {
                let line = buffer[start..<newline]
                start = newline + 1
                if overflow > 0 { return .tooLong(overflow + line.count) }
                return line.count > maximumLength ? .tooLong(line.count) : .text(Self.trimCR(line))
            }
            if atEOF {
                guard start < buffer.count || overflow > 0 else { return nil }
                let line = buffer[start...]
                start = buffer.count
                if overflow > 0 { return .tooLong(overflow + line.count) }
                return line.count > maximumLength ? .tooLong(line.count) : .text(Self.trimCR(line))
            }
            // Drop what is consumed; drop the partial line too once it is over the limit.
            if buffer.count - start > maximumLength {
                overflow += buffer.count - start
                buffer.removeAll(keepingCapacity: true)
            } else {
                buffer.removeSubrange(0..<start)
            }
            start = 0
            try fill()
        }
    }

    /// The index of the first newline from `start`: found by `memchr`, many
    /// bytes at a time (`firstIndex(of:)` took about 5 instructions a byte).
    private func nextNewline() -> Int? {
        buffer.withUnsafeBytes { bytes in
            guard start < bytes.count, let base = bytes.baseAddress,
                  let found = memchr(base + start, 0x0A, bytes.count - start) else { return nil }
            return UnsafeRawPointer(found) - base
        }
    }

    private mutating func fill() throws {
        if chunk.isEmpty { chunk = [UInt8](repeating: 0, count: 1 << 20) }
        let n = chunk.withUnsafeMutableBytes { raw in
            var got: Int
            repeat { got = read(fd, raw.baseAddress!, raw.count) } while got < 0 && errno == EINTR
            return got
        }
        if n < 0 {
            throw LedgerError(.storage, "reading input: \(String(cString: strerror(errno)))")
        }
        // Contiguous bytes: appended with one copy.
        buffer.append(contentsOf: chunk[0..<n])
        bytesRead += n
        if n == 0 { atEOF = true }
    }

    private static func trimCR(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        line.last == 0x0D ? line.dropLast() : line
    }
}
