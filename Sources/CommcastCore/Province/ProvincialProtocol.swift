import Foundation

/// The wire format spoken with the provincial source information system. The
/// official interface is not public, so everything format-specific sits behind
/// this one protocol: another province's adapter is another conforming type, and
/// the reporter, the outbox and the intake stay as they are.
public protocol ProvincialProtocol: Sendable {
    /// A short name for logs and `commcast report status`, e.g. `commcast-v1`.
    var name: String { get }

    /// The HTTP request body and headers for one batch of reports, oldest first.
    func encodeBatch(_ events: [ReportEvent], station: String, sentAt: Date) throws -> ProvincialRequest

    /// Whether the receiver took the batch, from its HTTP status and body.
    func verdict(status: Int, body: Data) -> ReportBatchVerdict

    /// A bulletin the province sent down, checked field by field.
    func decodeBulletin(_ body: Data) throws(ValueError) -> ProvinceBulletin
}

/// An HTTP request body with its headers (the transport adds the token).
public struct ProvincialRequest: Sendable {
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(headers: [(name: String, value: String)], body: Data) {
        self.headers = headers
        self.body = body
    }
}

/// What the receiver said about a batch.
public enum ReportBatchVerdict: Sendable, Equatable {
    /// Every event in the batch is stored at the receiver (or was already).
    case delivered
    /// Nothing may be assumed; the same events go again after a backoff.
    case retry(String)
}

/// A bulletin from the province, as the intake acts on it.
public struct ProvinceBulletin: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        /// Audio in any format ffmpeg reads; ingested like an uploaded recording.
        case audio(Data)
        /// Text read by the station's synthetic voice.
        case text(String)
    }

    /// The province's own id; a bulletin sent twice with one id is taken once.
    public var provinceId: String
    public var title: String
    public var level: BulletinLevel
    public var zones: [String]
    public var content: Content
    /// When the province wants it aired (normal and priority); now when absent.
    public var airAt: Date?

    public init(provinceId: String, title: String, level: BulletinLevel, zones: [String], content: Content, airAt: Date?) {
        self.provinceId = provinceId
        self.title = title
        self.level = level
        self.zones = zones
        self.content = content
        self.airAt = airAt
    }
}
