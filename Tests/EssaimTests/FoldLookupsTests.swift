import Testing
@testable import Essaim

/// What a replay's or an import's decoding thread tells the fold to load
/// ahead (``FoldLookups``): only hints, so a wrong one costs time, never a result;
/// these tests keep them pointing at the records the fold really uses.
@Suite struct FoldLookupsTests {
    @Test("each look-up a decoded event names is a record of that kind its fold keeps; the runs carry one entry per event")
    func lookupsNameFoldedRecords() throws {
        let t = try TemporaryLedger()
        #expect(try t.importWorkload(events: 6_000, seed: 21).appended == 6_000)
        let entities = Entities(MemoryProjectionStore(), storeIsEmpty: true)
        var named: [(kind: RecordKind, id: String)] = []
        let pipe = t.ledger.decodedEvents(from: 1, through: 6_000)
        defer { pipe.stop() }
        while let chunk = pipe.next() {
            let (events, lookups) = try chunk.get()
            #expect(lookups.count == events.count)
            var index = 0
            try events.takeEach { event in
                var expected: [UInt64] = [], found: [UInt64] = []
                event.event.forEachFirstLookup { kind, id in
                    named.append((kind, id))
                    expected.append(UInt64(kind.rawValue) << 32 | UInt64(IDSlots.hash(id)))
                }
                lookups.forEach(in: index ..< index + 1) { found.append(UInt64($0.rawValue) << 32 | UInt64($1)) }
                #expect(found == expected, "event \(event.position)")
                entities.prefetch(lookups, at: index, stride: 1)
                index += 1
                try entities.apply(event)
            }
            // Past the last event, nothing.
            var past = 0
            lookups.forEach(in: lookups.count ..< lookups.count + 8) { _, _ in past += 1 }
            #expect(past == 0)
        }
        for kind in [RecordKind.application, .company, .mentorship] { #expect(named.contains { $0.kind == kind }, "no look-up of kind \(kind.rawValue)") }
        for (kind, id) in named {
            let record: Any? = switch kind {
            case .application: try entities.applications.get(id)
            case .company: try entities.companies.get(id)
            case .mentorship: try entities.mentorships.get(id)
            default: nil
            }
            #expect(record != nil, "kind \(kind.rawValue), id \(id)")
        }
    }

    @Test("an import's decoded chunks carry each event's look-ups and stream hash, in the events' order")
    func importChunksCarryLookups() throws {
        let t = try TemporaryLedger()
        let file = t.directory + "/workload.jsonl"
        try WorkloadGenerator(events: 5_000, seed: 22).map(\.jsonLine).joined(separator: "\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let decoder = ImportDecoder(paths: [file])
        defer { decoder.stop() }
        var events = 0, named = 0
        while let chunk = decoder.next() {
            #expect(chunk.stop == nil)
            #expect(chunk.lookups.count == chunk.events.count)
            #expect(chunk.streams.count == chunk.events.count)
            // What the appending thread reads of an event ahead, in place.
            #expect(chunk.events.peek(chunk.events.count) { _ in true } == nil)
            var ids: [EventID?] = []
            for index in 0 ..< chunk.events.count { ids.append(chunk.events.peek(index) { $0.pointee.event.id } ?? nil) }
            var index = 0
            chunk.events.takeEach { decoded in
                #expect(chunk.streams[index] == IDSlots.hash(decoded.event.event.stream), "line \(decoded.line)")
                #expect(ids[index] != nil && ids[index] == decoded.event.id)
                var expected: [UInt64] = [], found: [UInt64] = []
                decoded.event.event.forEachFirstLookup { kind, id in
                    expected.append(UInt64(kind.rawValue) << 32 | UInt64(IDSlots.hash(id)))
                }
                chunk.lookups.forEach(in: index ..< index + 1) { found.append(UInt64($0.rawValue) << 32 | UInt64($1)) }
                #expect(found == expected, "line \(decoded.line)")
                named += found.count
                index += 1
            }
            events += index
            // Taken values are not read any more.
            #expect(chunk.events.peek(0) { _ in true } == nil)
        }
        #expect(events == 5_000)
        #expect(named > 2_000)
    }
}
