import Foundation

/// One fact for the province, as it waits in the outbox: written in the same
/// transaction as the event it reports, delivered in `sequence` order, and
/// de-duplicated at the receiver by `key` (docs/provincial-api.md).
public struct ReportEvent: Sendable, Equatable {
    /// The outbox row id: strictly increasing, so delivery order is creation order.
    public var sequence: Int64
    /// Unique per fact; the same fact always gets the same key, however often it is sent.
    public var key: String
    public var kind: ReportKind
    public var at: Date
    /// The payload as stored: a JSON object.
    public var payloadJSON: String

    public init(sequence: Int64, key: String, kind: ReportKind, at: Date, payloadJSON: String) {
        self.sequence = sequence
        self.key = key
        self.kind = kind
        self.at = at
        self.payloadJSON = payloadJSON
    }
}

/// What a report is about. New kinds may be added; a receiver ignores kinds it does not know.
public struct ReportKind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let clusterStatus = ReportKind(rawValue: "cluster_status")
    public static let statusSnapshot = ReportKind(rawValue: "status_snapshot")
    public static let bulletin = ReportKind(rawValue: "bulletin")
    public static let airing = ReportKind(rawValue: "airing")
    public static let liveStarted = ReportKind(rawValue: "live_started")
    public static let liveStopped = ReportKind(rawValue: "live_stopped")
    public static let dailyStatistics = ReportKind(rawValue: "daily_statistics")
    public static let provinceBulletinOutcome = ReportKind(rawValue: "province_bulletin_outcome")
}

/// The JSON coding every report payload uses: snake_case keys, ISO 8601 times in UTC.
public enum ReportJSON {
    public static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    public static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    /// A payload as the JSON text stored in the outbox.
    public static func text(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
