/// Who is on the other end of the control socket, as the kernel reports it
/// (`SO_PEERCRED`) plus the groups the user database gives that user.
public struct PeerIdentity: Sendable, Equatable, Codable {
    /// Process id of the caller at connect time.
    public var pid: Int32
    /// Effective user id.
    public var uid: UInt32
    /// Effective primary group id.
    public var gid: UInt32
    /// User name, when the user database knows the uid.
    public var userName: String?
    /// Every group the user belongs to (primary and supplementary).
    public var groupIDs: [UInt32]

    enum CodingKeys: String, CodingKey {
        // Spelled so that snake_case conversion yields `group_ids`, not `group_i_ds`.
        case pid, uid, gid, userName
        case groupIDs = "groupIds"
    }

    public init(pid: Int32, uid: UInt32, gid: UInt32, userName: String? = nil, groupIDs: [UInt32] = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.userName = userName
        self.groupIDs = groupIDs
    }
}
