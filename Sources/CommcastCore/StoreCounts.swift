/// Row counts of the main tables at one moment, as `status` reports them.
public struct StoreCounts: Sendable, Codable, Equatable {
    public var zones: Int
    public var clusters: Int
    public var operators: Int
    public var bulletins: Int
    public var media: Int
    public var airings: Int
    /// Report events not yet delivered to the province.
    public var outboxPending: Int

    public init(
        zones: Int = 0, clusters: Int = 0, operators: Int = 0, bulletins: Int = 0,
        media: Int = 0, airings: Int = 0, outboxPending: Int = 0
    ) {
        self.zones = zones
        self.clusters = clusters
        self.operators = operators
        self.bulletins = bulletins
        self.media = media
        self.airings = airings
        self.outboxPending = outboxPending
    }
}
