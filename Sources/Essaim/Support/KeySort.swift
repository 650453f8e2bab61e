/// An item sorted by ``sortInKeyOrder(_:key:)``, with room for the sort's
/// scratch: 8 bytes of its key.
protocol KeyOrdered {
    /// Set by the sort: 8 bytes of the key, big-endian, zero-padded.
    var prefix: UInt64 { get set }
}

/// Sorts `items` in the order LMDB gives their keys (``Swift/UnsafeRawBufferPointer/keyOrder(_:)``:
/// bytes compared unsigned, a prefix first). No two items may have the same key.
///
/// A comparison sort of a write-back's records took about 650 instructions a
/// key (some 15 comparisons each, through a closure), 400 with this one. It
/// sorts by the keys' first 8 bytes, as one word: with a radix sort (a pass
/// per byte, last first, skipping any byte every key shares), or for a few
/// hundred keys by comparing the words. Each run of keys sharing those 8
/// bytes is then sorted by the next 8, and so on; a run of a few keys, by
/// comparing the keys. It takes a scratch copy of `items`.
func sortInKeyOrder<Item: KeyOrdered>(_ items: inout [Item], key: (Item) -> UnsafeRawBufferPointer) {
    guard items.count > 1 else { return }
    var spare = items
    withoutActuallyEscaping(key) { key in
        items.withUnsafeMutableBufferPointer { items in
            spare.withUnsafeMutableBufferPointer { spare in
                KeySort(items: items, spare: spare, key: key).sort(0 ..< items.count, from: 0)
            }
        }
    }
}

private struct KeySort<Item: KeyOrdered> {
    let items: UnsafeMutableBufferPointer<Item>
    /// As large as `items`: where a radix pass moves them.
    let spare: UnsafeMutableBufferPointer<Item>
    let key: (Item) -> UnsafeRawBufferPointer

    /// Runs of at most this many keys are sorted by comparing them.
    static var compared: Int { 32 }
    /// Runs of at most this many keys are sorted by comparing their 8-byte
    /// words: below it, a radix sort's 2,048 counts cost more.
    static var comparedByPrefix: Int { 512 }

    /// Sorts `range`, whose keys share their first `depth` bytes.
    func sort(_ range: Range<Int>, from depth: Int) {
        if range.count <= Self.compared { return compare(range) }
        var longest = 0
        for index in range {
            let key = key(items[index])
            items[index].prefix = key.count > depth ? Self.prefix(UnsafeRawBufferPointer(rebasing: key[depth...])) : 0
            longest = max(longest, key.count)
        }
        if range.count <= Self.comparedByPrefix {
            var run = UnsafeMutableBufferPointer(rebasing: items[range])
            run.sort { $0.prefix < $1.prefix }
        } else {
            radix(range)
        }
        // Runs sharing the 8 bytes: by the next 8 while some key has more, else
        // (keys that differ only in zeros past their end) by comparing them.
        var start = range.lowerBound
        while start < range.upperBound {
            var end = start + 1
            while end < range.upperBound && items[end].prefix == items[start].prefix { end += 1 }
            if end - start > 1 {
                if longest > depth + 8 {
                    sort(start ..< end, from: depth + 8)
                } else {
                    compare(start ..< end)
                }
            }
            start = end
        }
    }

    /// The first 8 bytes, big-endian, zero-padded: bytes whose words differ
    /// sort as their words do.
    static func prefix(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        if bytes.count >= 8 { return UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)) }
        var prefix: UInt64 = 0
        for byte in bytes { prefix = prefix << 8 | UInt64(byte) }
        return prefix << (8 * UInt64(8 - bytes.count))
    }

    /// Sorts `range` by comparing keys.
    private func compare(_ range: Range<Int>) {
        var run = UnsafeMutableBufferPointer(rebasing: items[range])
        run.sort { key($0).keyOrder(key($1)) < 0 }
    }

    /// Sorts `range` by `prefix`, least significant byte first.
    private func radix(_ range: Range<Int>) {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 8 * 256) { counts in
            counts.initialize(repeating: 0)
            for index in range {
                var prefix = items[index].prefix
                for byte in 0 ..< 8 {
                    counts[byte << 8 | Int(truncatingIfNeeded: prefix & 0xFF)] += 1
                    prefix >>= 8
                }
            }
            var (source, target) = (items, spare)
            for byte in 0 ..< 8 {
                let shift = UInt64(8 * byte)
                func digit(_ item: Item) -> Int { byte << 8 | Int(truncatingIfNeeded: item.prefix >> shift & 0xFF) }
                // A byte every key shares orders nothing.
                if counts[digit(source[range.lowerBound])] == range.count { continue }
                var offset = range.lowerBound
                for value in byte << 8 ..< (byte + 1) << 8 {
                    (counts[value], offset) = (offset, offset + counts[value])
                }
                for index in range {
                    let item = source[index], digit = digit(item)
                    target[counts[digit]] = item
                    counts[digit] += 1
                }
                swap(&source, &target)
            }
            if source.baseAddress != items.baseAddress {
                for index in range { items[index] = source[index] }
            }
        }
    }
}
