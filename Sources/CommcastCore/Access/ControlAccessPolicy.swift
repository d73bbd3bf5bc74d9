/// Decides who may use the control socket.
///
/// Two locks in series: the socket file's mode and group (checked by the kernel at
/// `connect`), then this policy on the peer credentials. The second lock matters
/// when an administrator loosens the file mode by mistake, and it is what later
/// maps a caller to an operator.
public struct ControlAccessPolicy: Sendable, Equatable {
    /// Users allowed regardless of group.
    public var allowedUIDs: Set<UInt32>
    /// Members of these groups are allowed.
    public var allowedGIDs: Set<UInt32>
    /// The daemon's own uid, always allowed (systemd's `ExecReload`, health checks).
    public var daemonUID: UInt32

    public init(allowedUIDs: Set<UInt32> = [], allowedGIDs: Set<UInt32> = [], daemonUID: UInt32) {
        self.allowedUIDs = allowedUIDs
        self.allowedGIDs = allowedGIDs
        self.daemonUID = daemonUID
    }

    /// The outcome of a check, with the reason a refused caller is told.
    public enum Decision: Sendable, Equatable {
        case allowed
        case denied(reason: String)
    }

    /// Checks one caller.
    public func decide(_ peer: PeerIdentity) -> Decision {
        if peer.uid == 0 || peer.uid == daemonUID || allowedUIDs.contains(peer.uid) {
            return .allowed
        }
        let groups = Set(peer.groupIDs).union([peer.gid])
        if !allowedGIDs.isDisjoint(with: groups) {
            return .allowed
        }
        let who = peer.userName.map { "\($0) (uid \(peer.uid))" } ?? "uid \(peer.uid)"
        return .denied(reason: "\(who) is not in control.allowed_users or a member of control.allowed_groups")
    }
}
