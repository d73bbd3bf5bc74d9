import CommcastLink
import Foundation
import NIOSSL

/// What `commcast-sim` runs: which clusters, against which station, with which faults.
public struct SimulatorOptions: Sendable {
    /// `host:port` of the station's link.
    public var station: String
    /// `host:port` of a standby station the clusters dial when `station` cannot be
    /// reached (docs/protocol.md, "A second station address"); nil: none.
    public var standbyStation: String?
    /// Failed dials in a row after which a cluster turns to its other station address.
    public var dialsBeforeSwitching = 3
    /// One credential per simulated cluster.
    public var clusters: [ClusterCredential]
    /// Stop after this long.
    public var duration: Duration
    /// Stop early once this many airings have been completed and acknowledged.
    public var stopAfterCompleted: Int?

    // Faults.
    /// Each link drops after a random time with this mean (exponential); nil: never.
    public var dropMeanSeconds: Double?
    /// Every link drops at these offsets from the start (a tower goes down).
    public var dropAllAt: [Double]
    /// Added before each message a cluster sends.
    public var delay: Duration
    /// Share of sent heartbeats and receipts that are lost (receipts are resent until acknowledged).
    public var lossPercent: Double
    /// The clusters' clocks are off by this much.
    public var clockSkewSeconds: Double
    /// Downloads are throttled to this many KiB/s per cluster; nil: unthrottled.
    public var downloadKiBps: Int?
    /// Share of downloads that arrive corrupted (caught by the sha256 check and fetched again).
    public var corruptPercent: Double
    /// Extra misbehaving clients that keep sending malformed, oversized or forged hellos.
    public var hostileClients: Int
    /// Reconnects wait a random 0…this many seconds (docs/protocol.md).
    public var reconnectJitterSeconds: Double
    /// After a close for a credential the station will not take (4401, 4403, 4404,
    /// 4410, 4426), the cluster waits this long before it dials again.
    public var slowRetrySeconds: Double = 300
    /// Rules of docs/protocol.md this simulator breaks on purpose, so that the cluster
    /// conformance runner can be shown to catch them.
    public var violations: Set<ProtocolViolation> = []
    /// Share of clusters that decode the live audio they play; the rest check frames
    /// and timing only. 100 in tests; a load benchmark lowers it so that the
    /// simulator's Opus decoding does not take the cores the station needs.
    public var liveDecodePercent: Double = 100
    /// Where each cluster writes what it played of each live broadcast, as
    /// `CLUSTER-LIVEID.wav` (48 kHz mono), for a test to measure; nil: nowhere.
    public var liveAudioDirectory: String?
    /// The cluster's liveness rule (docs/protocol.md, C-16): a WebSocket ping every this
    /// many seconds; one unanswered by the next means the link is dead, and the cluster
    /// closes it and dials again. The station's `heartbeat_seconds` is the right value.
    public var linkTimeoutSeconds: Double = 30
    /// Faults a proxy between the clusters and the station puts on every link and
    /// download (latency, jitter, a bandwidth cap, stalls, resets); nil: no proxy
    /// unless an outage, a FIN or a reset is asked for.
    public var faults: FaultProxy.Faults?
    /// Outages (nothing moves either way): seconds after the start, and how long.
    public var outages: [(at: Double, seconds: Double)] = []
    /// When every link gets a FIN and then silence, seconds after the start.
    public var finAt: [Double] = []
    /// When every link is reset, seconds after the start.
    public var resetAt: [Double] = []

    /// Whether the run goes through a fault proxy.
    public var usesProxy: Bool { faults != nil || !outages.isEmpty || !finAt.isEmpty || !resetAt.isEmpty }
    /// PEM file of the CA (or self-signed certificate) to trust: the station speaks
    /// wss:// and https://. Nil: plain ws:// and http://.
    public var tlsTrustRoots: String?

    /// TLS settings for the link and downloads, when the station uses TLS.
    public var tlsConfiguration: TLSConfiguration? {
        tlsTrustRoots.map { path in
            var c = TLSConfiguration.makeClientConfiguration()
            c.trustRoots = .file(path)
            return c
        }
    }

    /// The station addresses a cluster holds, the first first.
    var stations: [String] { [station] + (standbyStation.map { [$0] } ?? []) }
    /// `ws://host:port/v1/link` or `wss://…` of `station`.
    func linkURL(_ station: String) -> String { "\(tlsTrustRoots == nil ? "ws" : "wss")://\(station)/v1/link" }
    /// `http://host:port/v1/media/` or `https://…` of `station`.
    func mediaBase(_ station: String) -> String { "\(tlsTrustRoots == nil ? "http" : "https")://\(station)/v1/media/" }
    /// The first station's link URL.
    var linkURL: String { linkURL(station) }

    public init(
        station: String, clusters: [ClusterCredential], duration: Duration = .seconds(60), stopAfterCompleted: Int? = nil,
        dropMeanSeconds: Double? = nil, dropAllAt: [Double] = [], delay: Duration = .zero, lossPercent: Double = 0,
        clockSkewSeconds: Double = 0, downloadKiBps: Int? = nil, corruptPercent: Double = 0, hostileClients: Int = 0,
        reconnectJitterSeconds: Double = 2, tlsTrustRoots: String? = nil
    ) {
        self.station = station
        self.clusters = clusters
        self.duration = duration
        self.stopAfterCompleted = stopAfterCompleted
        self.dropMeanSeconds = dropMeanSeconds
        self.dropAllAt = dropAllAt
        self.delay = delay
        self.lossPercent = lossPercent
        self.clockSkewSeconds = clockSkewSeconds
        self.downloadKiBps = downloadKiBps
        self.corruptPercent = corruptPercent
        self.hostileClients = hostileClients
        self.reconnectJitterSeconds = reconnectJitterSeconds
        self.tlsTrustRoots = tlsTrustRoots
    }

    /// Reads `id,credential[,fingerprint]` lines as written by `commcast cluster import --credentials`.
    public static func credentials(csv text: String) throws -> [ClusterCredential] {
        var result: [ClusterCredential] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("id,") || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",").map { String($0) }
            guard fields.count >= 2 else { throw SimulatorError("line \(i + 1): expected id,credential") }
            let credential: ClusterCredential
            do { credential = try ClusterCredential(parsing: fields[1]) } catch {
                throw SimulatorError("line \(i + 1): \(error)")
            }
            guard credential.clusterID == fields[0] else {
                throw SimulatorError("line \(i + 1): the credential is for \(credential.clusterID), not \(fields[0])")
            }
            result.append(credential)
        }
        return result
    }
}

/// A simulator problem in words.
public struct SimulatorError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A cluster rule the simulator can break on purpose (`commcast-sim --violate`).
public enum ProtocolViolation: String, Sendable, CaseIterable {
    /// Ignores `cancel`: a cancelled airing plays on (breaks C-05 and C-06).
    case ignoreCancel = "ignore-cancel"
    /// Reads a schedule as 1.0's page did: stops a playing airing it no longer holds (breaks C-07).
    case stopOnReplan = "stop-on-replan"
}
