import Foundation
import Synchronization

/// What a run did, for a person (`description`) or a script (JSON).
public struct SimulatorSummary: Sendable, Codable, Equatable {
    enum CodingKeys: String, CodingKey {
        case clusters, connectedAtEnd, allConnectedAfterSeconds, reconnectedAfterDropSeconds, connects, connectFailures, linkDropsInjected
        case refusals, schedulesReceived, deliverySeconds, downloads, downloadedBytes, resumedDownloads, sha256Mismatches, decodedAndChecked
        case decodeFailures, airingsStarted, airingsCompleted, airingsInterrupted, airingsFailed, receiptsSent, receiptsAcknowledged
        case receiptsPending, heartbeatsSent, hostileAttempts, hostileClosedByStation, errors
    }

    public var clusters = 0
    public var connectedAtEnd = 0
    /// Seconds from the start until every cluster had connected once; nil if some never did.
    public var allConnectedAfterSeconds: Double?
    /// Seconds from the last `dropAllAt` until every cluster was connected again.
    public var reconnectedAfterDropSeconds: Double?
    public var connects = 0
    public var connectFailures = 0
    public var linkDropsInjected = 0
    public var refusals: [String: Int] = [:]
    public var schedulesReceived = 0
    /// Seconds from the first schedule naming new media until the last cluster held it.
    public var deliverySeconds: Double?
    var firstMediaScheduleAt: Date?
    var lastDownloadAt: Date?
    public var downloads = 0
    public var downloadedBytes = 0
    public var resumedDownloads = 0
    public var sha256Mismatches = 0
    public var decodedAndChecked = 0
    public var decodeFailures = 0
    public var airingsStarted = 0
    public var airingsCompleted = 0
    public var airingsInterrupted = 0
    public var airingsFailed = 0
    public var receiptsSent = 0
    public var receiptsAcknowledged = 0
    public var receiptsPending = 0
    public var heartbeatsSent = 0
    /// Commands received from the station, by command.
    public var commands: [String: Int] = [:]
    public var hostileAttempts = 0
    public var hostileClosedByStation = 0
    public var errors: [String: Int] = [:]

    public init() {}
}

extension SimulatorSummary: CustomStringConvertible {
    public var description: String {
        func s(_ d: Double?) -> String { d.map { String(format: "%.2f s", $0) } ?? "-" }
        var lines = [
            "clusters            \(clusters) simulated, \(connectedAtEnd) connected at the end",
            "connects            \(connects) (\(connectFailures) failed), all connected after \(s(allConnectedAfterSeconds))",
            "link drops          \(linkDropsInjected) injected, all back after the last mass drop in \(s(reconnectedAfterDropSeconds))",
            "schedules           \(schedulesReceived) received; media delivered to all in \(s(deliverySeconds))",
            "media               \(downloads) downloads, \(downloadedBytes) bytes, \(resumedDownloads) resumed, \(sha256Mismatches) sha256 mismatches, \(decodedAndChecked) decoded and checked",
            "airings             \(airingsStarted) started, \(airingsCompleted) completed, \(airingsInterrupted) interrupted, \(airingsFailed) failed",
            "receipts            \(receiptsSent) sent, \(receiptsAcknowledged) acknowledged, \(receiptsPending) pending",
            "heartbeats          \(heartbeatsSent) sent",
        ]
        if !commands.isEmpty { lines.append("commands            " + commands.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
        if hostileAttempts > 0 { lines.append("hostile clients     \(hostileAttempts) attempts, \(hostileClosedByStation) closed by the station") }
        if !refusals.isEmpty { lines.append("refusals            " + refusals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
        if !errors.isEmpty { lines.append("errors              " + errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }
}

/// The running tally all simulated clusters write to.
final class SimulatorCounters: Sendable {
    private let state = Mutex(SimulatorSummary())
    func update(_ body: (inout SimulatorSummary) -> Void) { state.withLock { body(&$0) } }
    func error(_ kind: String) { state.withLock { $0.errors[kind, default: 0] += 1 } }
    var snapshot: SimulatorSummary { state.withLock { $0 } }
}
