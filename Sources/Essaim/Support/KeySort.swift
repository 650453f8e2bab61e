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
/// key (some 15 comparisons each, through a closure), and room for half of
/// them. This one sorts by the keys' first 8 bytes, as one word: with a
/// radix sort in place (by the first byte that differs, then each bucket by
/// the next) down to a few dozen keys, which it sorts by comparing the
/// words. Each run of keys sharing those 8 bytes is then sorted by the next
/// 8, and so on; a run of a few keys, by comparing the keys. (A radix sort
/// through a copy, a byte at a time from the last, ran a quarter faster, but
/// the copy of a 1 M-event import's 740,000 held keys raised its peak
/// memory by 8 MB.)
func sortInKeyOrder<Item: KeyOrdered>(_ items: inout [Item], key: (Item) -> UnsafeRawBufferPointer) {
    guard items.count > 1 else { return }
    withoutActuallyEscaping(key) { key in
        items.withUnsafeMutableBufferPointer { items in
            KeySort(items: items, key: key).sort(0 ..< items.count, from: 0)
        }
    }
}

private struct KeySort<Item: KeyOrdered> {
    let items: UnsafeMutableBufferPointer<Item>
    let key: (Item) -> UnsafeRawBufferPointer

    /// Runs of at most this many keys are sorted by comparing them.
    static var compared: Int { 32 }
    /// Runs of at most this many keys are sorted by comparing their 8-byte
    /// words: below it, a radix pass's 256 buckets cost more.
    static var comparedByPrefix: Int { 64 }

    /// Sorts `range`, whose keys share their first `depth` bytes.
    func sort(_ range: Range<Int>, from depth: Int) {
        if range.count <= Self.compared { return compare(range) }
        var longest = 0
        for index in range {
            let key = key(items[index])
            items[index].prefix = key.count > depth ? Self.prefix(UnsafeRawBufferPointer(rebasing: key[depth...])) : 0
            longest = max(longest, key.count)
        }
        sortByPrefix(range)
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

    /// Sorts `range` by `prefix`: a radix sort in place by the most
    /// significant byte the prefixes do not all share, then each bucket by
    /// the bytes below; a bucket of up to ``comparedByPrefix`` by comparing
    /// the prefixes.
    private func sortByPrefix(_ range: Range<Int>) {
        if range.count <= Self.comparedByPrefix {
            var run = UnsafeMutableBufferPointer(rebasing: items[range])
            return run.sort { $0.prefix < $1.prefix }
        }
        var all = UInt64.max, any: UInt64 = 0
        for index in range {
            all &= items[index].prefix
            any |= items[index].prefix
        }
        let differ = all ^ any
        guard differ != 0 else { return }
        let shift = UInt64((63 - differ.leadingZeroBitCount) / 8 * 8)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * 256) { buckets in
            let (heads, ends) = (UnsafeMutableBufferPointer(rebasing: buckets[..<256]),
                                 UnsafeMutableBufferPointer(rebasing: buckets[256...]))
            ends.initialize(repeating: 0)
            for index in range { ends[Int(truncatingIfNeeded: items[index].prefix >> shift & 0xFF)] += 1 }
            var offset = range.lowerBound
            for value in 0 ..< 256 {
                heads[value] = offset
                offset += ends[value]
                ends[value] = offset
            }
            // Each item swapped into its bucket's next place until the one in
            // hand belongs to the bucket being filled.
            for value in 0 ..< 256 {
                while heads[value] < ends[value] {
                    var item = items[heads[value]]
                    var target = Int(truncatingIfNeeded: item.prefix >> shift & 0xFF)
                    while target != value {
                        swap(&item, &items[heads[target]])
                        heads[target] += 1
                        target = Int(truncatingIfNeeded: item.prefix >> shift & 0xFF)
                    }
                    items[heads[value]] = item
                    heads[value] += 1
                }
            }
            guard shift > 0 else { return }
            var start = range.lowerBound
            for value in 0 ..< 256 where ends[value] > start {
                if ends[value] - start > 1 { sortByPrefix(start ..< ends[value]) }
                start = ends[value]
            }
        }
    }
}
