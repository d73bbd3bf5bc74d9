import Foundation
import Synchronization

/// What a run did, for a person (`description`) or a script (JSON).
public struct SimulatorSummary: Sendable, Codable, Equatable {
    enum CodingKeys: String, CodingKey {
        case clusters, connectedAtEnd, allConnectedAfterSeconds, reconnectedAfterDropSeconds, connects, connectFailures, stationSwitches,
            linkDropsInjected
        case linksLost
        case refusals, schedulesReceived, deliverySeconds, downloads, downloadedBytes, resumedDownloads, sha256Mismatches, decodedAndChecked
        case decodeFailures, airingsStarted, airingsCompleted, airingsInterrupted, airingsFailed, receiptsSent, receiptsAcknowledged
        case receiptsPending, receiptsRejected, cancelsReceived, heartbeatsSent, hostileAttempts, hostileClosedByStation, errors, commands
        case liveStarts, liveStops, livePackets, liveOutOfOrder, liveLost, liveLate, liveDecodeFailures, liveFirstAudioLatest
        case liveFirstAudioEarliest, liveClustersReceiving
        case liveLagP50MS = "liveLagP50Ms"
        case liveLagP99MS = "liveLagP99Ms"
        case livePlayoutLagP50MS = "livePlayoutLagP50Ms"
        case livePlayoutLagP99MS = "livePlayoutLagP99Ms"
    }

    public var clusters = 0
    public var connectedAtEnd = 0
    /// Seconds from the start until every cluster had connected once; nil if some never did.
    public var allConnectedAfterSeconds: Double?
    /// Seconds from the last `dropAllAt` until every cluster was connected again.
    public var reconnectedAfterDropSeconds: Double?
    public var connects = 0
    public var connectFailures = 0
    /// Times a cluster turned to its other station address after failed dials.
    public var stationSwitches = 0
    public var linkDropsInjected = 0
    /// Links that ended without a close from the station: found dead by the cluster's
    /// liveness rule (an unanswered ping), or cut on the way (a FIN, a reset).
    public var linksLost = 0
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
    /// Receipts the station answered with a rejection (protocol 1.1).
    public var receiptsRejected = 0
    /// Airing ids named in `cancel` messages.
    public var cancelsReceived = 0
    public var heartbeatsSent = 0
    /// Commands received from the station, by command.
    public var commands: [String: Int] = [:]
    /// Live broadcasts: `live_start` messages taken, frames received, and what went wrong with them.
    public var liveStarts = 0
    public var liveStops = 0
    /// Frames received, counted when the cluster gets `live_stop`.
    public var livePackets = 0
    /// Frames that arrived with a lower sequence than one already received.
    public var liveOutOfOrder = 0
    /// Slots that had no frame at their play time, and frames that came after it.
    public var liveLost = 0
    public var liveLate = 0
    public var liveDecodeFailures = 0
    /// Capture-to-cluster lag: frames per whole millisecond of lag (index = ms, last bucket = 1000 ms and over).
    public var liveLagHistogram: [Int] = []
    /// Capture to playout out of the cluster's jitter buffer (what a listener hears), per ms (last bucket: 2 s and over).
    public var livePlayoutLagHistogram: [Int] = []
    /// Latest and earliest wall time (seconds since 1970) at which a cluster began to play the current broadcast.
    public var liveFirstAudioLatest: Double?
    public var liveFirstAudioEarliest: Double?
    /// Clusters that played at least one live frame.
    public var liveClustersReceiving = 0
    /// Lag percentiles over all frames, milliseconds.
    public var liveLagP50MS: Double?
    public var liveLagP99MS: Double?
    /// Capture-to-playout percentiles over all frames played, milliseconds.
    public var livePlayoutLagP50MS: Double?
    public var livePlayoutLagP99MS: Double?
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
            "connects            \(connects) (\(connectFailures) failed, \(stationSwitches) turns to the other station address), all connected after \(s(allConnectedAfterSeconds))",
            "link drops          \(linkDropsInjected) injected, all back after the last mass drop in \(s(reconnectedAfterDropSeconds)); \(linksLost) links lost on the way",
            "schedules           \(schedulesReceived) received; media delivered to all in \(s(deliverySeconds))",
            "media               \(downloads) downloads, \(downloadedBytes) bytes, \(resumedDownloads) resumed, \(sha256Mismatches) sha256 mismatches, \(decodedAndChecked) decoded and checked",
            "airings             \(airingsStarted) started, \(airingsCompleted) completed, \(airingsInterrupted) interrupted, \(airingsFailed) failed",
            "receipts            \(receiptsSent) sent, \(receiptsAcknowledged) acknowledged (\(receiptsRejected) rejected), \(receiptsPending) pending; \(cancelsReceived) airings cancelled",
            "heartbeats          \(heartbeatsSent) sent",
        ]
        if liveStarts > 0 {
            func ms(_ v: Double?) -> String { v.map { String(format: "%.0f ms", $0) } ?? "-" }
            lines.append(
                "live                \(liveStarts) starts, \(liveStops) stops, \(livePackets) frames, \(liveOutOfOrder) out of order, \(liveLost) lost, \(liveLate) late, lag p50 \(ms(liveLagP50MS)) p99 \(ms(liveLagP99MS)), to playout p50 \(ms(livePlayoutLagP50MS)) p99 \(ms(livePlayoutLagP99MS))"
            )
        }
        if !commands.isEmpty {
            lines.append("commands            " + commands.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if hostileAttempts > 0 { lines.append("hostile clients     \(hostileAttempts) attempts, \(hostileClosedByStation) closed by the station") }
        if !refusals.isEmpty {
            lines.append("refusals            " + refusals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !errors.isEmpty {
            lines.append("errors              " + errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}

/// The running tally all simulated clusters write to.
final class SimulatorCounters: Sendable {
    private let state = Mutex(SimulatorSummary())
    func update(_ body: (inout SimulatorSummary) -> Void) { state.withLock { body(&$0) } }
    func error(_ kind: String) { state.withLock { $0.errors[kind, default: 0] += 1 } }
    var snapshot: SimulatorSummary {
        state.withLock { s in
            var s = s
            func percentile(_ p: Double, of histogram: [Int]) -> Double? {
                let total = histogram.reduce(0, +)
                guard total > 0 else { return nil }
                var seen = 0
                for (ms, n) in histogram.enumerated() {
                    seen += n
                    if Double(seen) >= p * Double(total) { return Double(ms) }
                }
                return nil
            }
            s.liveLagP50MS = percentile(0.5, of: s.liveLagHistogram)
            s.liveLagP99MS = percentile(0.99, of: s.liveLagHistogram)
            s.livePlayoutLagP50MS = percentile(0.5, of: s.livePlayoutLagHistogram)
            s.livePlayoutLagP99MS = percentile(0.99, of: s.livePlayoutLagHistogram)
            return s
        }
    }
}
