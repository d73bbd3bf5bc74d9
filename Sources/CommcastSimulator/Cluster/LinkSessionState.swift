import HummingbirdWSClient

/// A cluster's side of its link: open or not, the session the station gave it, and
/// how to write to it.
struct LinkSessionState {
    /// The bearer token for media downloads; nil while the link is down.
    private(set) var session: String?
    private(set) var heartbeatSeconds = 30
    private(set) var outbound: WebSocketOutboundWriter?
    private(set) var connected = false
    private(set) var connectedOnce = false
    /// Links welcomed so far; a mass drop is over when every cluster's count has grown.
    private(set) var welcomes = 0
    /// Grows whenever the link ends: a 4G outage breaks downloads too.
    private(set) var generation = 0
    /// The next heartbeat's sequence number.
    private(set) var heartbeatSequence = 0
    /// The current link is being closed by an injected drop, not lost.
    private(set) var droppedOnPurpose = false
    /// The station address being dialled or linked to (the first, or the standby).
    var station: String?

    mutating func welcomed(session: String, heartbeatSeconds: Int, outbound: WebSocketOutboundWriter) {
        self.session = session
        self.heartbeatSeconds = heartbeatSeconds
        self.outbound = outbound
        connected = true
        connectedOnce = true
        droppedOnPurpose = false
        welcomes += 1
    }

    /// The link ended: no session, no writer, and downloads over it are broken.
    mutating func ended() {
        connected = false
        outbound = nil
        session = nil
        generation += 1
    }

    /// An injected drop: the cluster considers itself offline at once; returns the writer to close.
    mutating func dropping() -> WebSocketOutboundWriter? {
        connected = false
        droppedOnPurpose = true
        return outbound
    }

    mutating func nextHeartbeatSequence() -> Int {
        heartbeatSequence += 1
        return heartbeatSequence
    }
}
