#if canImport(Glibc)
    import Glibc
#endif

/// Looks up users and groups by name. The system implementation reads the user
/// database (NSS); configuration parsing takes the protocol so it can be checked
/// against a known set of accounts on any machine.
public protocol AccountDirectory: Sendable {
    /// The uid of a user name, or nil when there is no such user.
    func userID(named name: String) -> UInt32?
    /// The gid of a group name, or nil when there is no such group.
    func groupID(named name: String) -> UInt32?
    /// The user name of a uid, when known.
    func userName(for uid: UInt32) -> String?
    /// Every group a user is a member of, primary group included.
    func groupIDs(forUser name: String, primaryGroup: UInt32) -> [UInt32]
}

/// The machine's own user database, through `getpwnam`, `getgrnam` and `getgrouplist`.
public struct SystemAccountDirectory: AccountDirectory {
    public init() {}

    public func userID(named name: String) -> UInt32? {
        getpwnam(name).map { $0.pointee.pw_uid }
    }

    public func groupID(named name: String) -> UInt32? {
        getgrnam(name).map { $0.pointee.gr_gid }
    }

    public func userName(for uid: UInt32) -> String? {
        getpwuid(uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
    }

    public func groupIDs(forUser name: String, primaryGroup: UInt32) -> [UInt32] {
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primaryGroup, &groups, &count) == -1 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, primaryGroup, &groups, &count) != -1 else { return [primaryGroup] }
        }
        return Array(groups.prefix(Int(count)))
    }
}
