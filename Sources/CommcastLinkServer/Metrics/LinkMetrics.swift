import Metrics

/// What the link server counts for the station's `/metrics` (docs/reliability.md,
/// "Watching a station"). Recorded through swift-metrics: `commcastd` bootstraps the
/// Prometheus backend when `[metrics]` is on, and these cost nothing otherwise.
enum LinkMetrics {
    /// Media bytes written to clusters, whole files and ranges alike.
    static func mediaServed(bytes: Int) {
        guard bytes > 0 else { return }
        Counter(label: "commcast_media_bytes_served_total").increment(by: Int64(bytes))
    }

    /// A live broadcast started, by level.
    static func liveStarted(level: String) {
        Counter(label: "commcast_live_broadcasts_total", dimensions: [("level", level)]).increment()
    }

    /// Live frames encoded, and written to cluster links (one per frame per member).
    static func liveFrames(_ frames: Int, members: Int) {
        guard frames > 0 else { return }
        Counter(label: "commcast_live_frames_total").increment(by: Int64(frames))
        Counter(label: "commcast_live_frames_sent_total").increment(by: Int64(frames * members))
    }
}
