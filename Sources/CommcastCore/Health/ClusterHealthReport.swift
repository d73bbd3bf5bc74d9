import Foundation

/// A cluster's health as the health service's last pass judged it: what the
/// control API shows and the provincial snapshot reports.
public struct ClusterHealthReport: Sendable, Equatable {
    public var state: HealthState
    /// Why it is not online, in words an operator reads.
    public var reasons: [String]
    /// When the current link opened.
    public var since: Date?
    public var lastHeartbeat: HeartbeatSample?

    public init(state: HealthState, reasons: [String], since: Date?, lastHeartbeat: HeartbeatSample?) {
        self.state = state
        self.reasons = reasons
        self.since = since
        self.lastHeartbeat = lastHeartbeat
    }
}
