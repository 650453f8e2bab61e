import Foundation

// The records of the built-in read models, one per entity, in the projection's
// key space: a kind letter and the entity's id. Encoded as JSON with sorted keys,
// so the same fold always writes the same bytes (incremental = replayed).

enum RecordKind: UInt8 {
    case territory = 0x54   // T
    case network = 0x4E     // N
    case program = 0x50     // P
    case cohort = 0x43      // C
    case application = 0x41 // A
    case site = 0x53        // S
    case timeline = 0x45    // E

    func key(_ id: String) -> [UInt8] { [rawValue] + Array(id.utf8) }
}

struct TerritoryRecord: Codable, Equatable {
    var name: String
    var level: String
    var parent: String?
}

struct NetworkRecord: Codable, Equatable {
    var name: String
    var programs: [String] = []
}

struct CoverageRecord: Codable, Equatable {
    var territory: String
    /// Business day (days since 1970-01-01).
    var on: Int64
}

struct ProgramRecord: Codable, Equatable {
    var name: String
    var networks: [String]
    var capacityPerCohort: Int64?
    var cohorts: [String] = []
    var coverage: [CoverageRecord] = []
}

struct SessionRecord: Codable, Equatable {
    var day: Int64
    var position: UInt64
}

struct CohortRecord: Codable, Equatable {
    var program: String
    var label: String
    var capacity: Int64?
    var sessions: [SessionRecord] = []
    /// In submission (log) order.
    var applications: [String] = []
}

/// One metric figure from an outcome, with what decides which one is latest.
struct MeasurementRecord: Codable, Equatable {
    var instant: Int64
    var position: UInt64
    var value: Int64
}

struct ApplicationRecord: Codable, Equatable {
    var cohort: String
    var company: String
    var territory: String?
    var sector: String?
    var status: String
    var selectedOn: Int64?
    var selectedPosition: UInt64?
    var sessionsAttended: Int = 0
    var baseline: [String: Int64] = [:]
    var latest: [String: MeasurementRecord] = [:]
    var milestones: [String] = []
    var segments: [String] = []

    var isParticipant: Bool { selectedOn != nil }
}

struct SiteRecord: Codable, Equatable {
    var name: String
    var network: String
    var program: String?
    var territory: String
    var openedOn: Int64?
    var plannedOn: Int64?
}

struct TimelineRecord: Codable, Equatable {
    var on: Int64
    var kind: String
    var program: String?
    var network: String?
    var territory: String
    var site: String?
    var position: UInt64
}

/// Typed access to the read-model records of a ``ProjectionStore``.
struct ReadModelRecords {
    let store: any ProjectionStore

    func get<T: Decodable>(_ kind: RecordKind, _ id: String, as type: T.Type) throws -> T? {
        try store.value(for: kind.key(id)).map { try JSONDecoder().decode(T.self, from: Data($0)) }
    }

    func put<T: Encodable>(_ kind: RecordKind, _ id: String, _ record: T) throws {
        try store.set(try encode(record), for: kind.key(id))
    }

    func encode<T: Encodable>(_ record: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array(try encoder.encode(record))
    }

    func decode<T: Decodable>(_ bytes: [UInt8], as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(bytes))
    }

    /// Reads, changes and writes back a record; does nothing when it is absent.
    func update<T: Codable>(_ kind: RecordKind, _ id: String, as type: T.Type, _ change: (inout T) -> Void) throws {
        guard var record = try get(kind, id, as: T.self) else { return }
        change(&record)
        try put(kind, id, record)
    }

    /// Every record of a kind, with its id, in id order.
    func all<T: Decodable>(_ kind: RecordKind, as type: T.Type) throws -> [(id: String, record: T)] {
        try store.entries(withPrefix: [kind.rawValue]).map { entry in
            (id: String(decoding: entry.key.dropFirst(), as: UTF8.self), record: try JSONDecoder().decode(T.self, from: Data(entry.value)))
        }
    }
}
