// What the benchmark and crash-test executables share: messages on stderr,
// argument numbers, a monotonic clock.

#if canImport(Glibc)
import Glibc
#endif

/// The tool's name, for its messages (set once at start).
nonisolated(unsafe) public var toolName = "essaim-tool"

/// Writes `text` on stderr as it is (stdout carries the tool's results).
public func say(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// Reports a usage error on stderr and exits with status 2.
public func fail(_ message: String) -> Never {
    say("\(toolName): \(message)\n")
    exit(2)
}

/// Seconds on the monotonic clock.
public func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
