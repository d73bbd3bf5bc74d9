import CommcastCore

/// `GET /v1/status`: what `commcast status` prints.
public struct StatusResponse: Sendable, Codable, Equatable {
    /// Daemon version.
    public var version: String
    /// When the daemon started, seconds since 1970 (UTC).
    public var startedAt: Double
    /// Seconds since start.
    public var uptimeSeconds: Double
    /// SQLite database file.
    public var storePath: String
    /// Content-addressed media directory.
    public var mediaPath: String
    /// Row counts of the main tables.
    public var counts: StoreCounts
    /// The caller as the daemon sees it, so an operator can check their identity.
    public var caller: PeerIdentity?
    /// Where clusters connect (`host:port`), once the link listens.
    public var linkAddress: String?
    /// Clusters connected now.
    public var clustersConnected: Int?
    /// Heartbeats received since the daemon started.
    public var heartbeatsReceived: Int?
    /// Where the web console listens (`host:port`), and whether over HTTPS. (Spelled
    /// `Tls`, not `TLS`: `console_tls` must decode back through snake case.)
    public var consoleAddress: String?
    public var consoleTls: Bool?
    /// Receipts the station refused since it started (each answered, logged with why).
    public var receiptsRejected: Int?
    /// The ALSA device `commcast live --mic` uses when none is named (`live.microphone`).
    public var liveMicrophone: String?
    /// Whether the link serves TLS, so stream URLs are https://.
    public var linkTls: Bool?
    /// Where Prometheus scrapes `/metrics` (`host:port`), when `[metrics]` is on.
    public var metricsAddress: String?

    public init(
        version: String, startedAt: Double, uptimeSeconds: Double, storePath: String,
        mediaPath: String, counts: StoreCounts, caller: PeerIdentity?, linkAddress: String? = nil, clustersConnected: Int? = nil,
        heartbeatsReceived: Int? = nil
    ) {
        self.version = version
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.storePath = storePath
        self.mediaPath = mediaPath
        self.counts = counts
        self.caller = caller
        self.linkAddress = linkAddress
        self.clustersConnected = clustersConnected
        self.heartbeatsReceived = heartbeatsReceived
    }
}
