import CommcastCore
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the kernel's record of who connected to a Unix socket (`SO_PEERCRED`).
///
/// The kernel fills this in at `connect`, so it cannot be forged by the caller,
/// unlike anything sent in the request.
public enum PeerCredentials {
    /// Errors reading credentials.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// The peer of `channel`, with its user name and groups from `accounts`.
    public static func read(from channel: any Channel, accounts: any AccountDirectory) async throws -> PeerIdentity {
        guard let provider = channel as? any SocketOptionProvider else {
            throw Unavailable(description: "connection does not expose socket options")
        }
        let cred: KernelPeerCredentials = try await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
        ).get()
        let name = accounts.userName(for: cred.uid)
        let groups = name.map { accounts.groupIDs(forUser: $0, primaryGroup: cred.gid) } ?? [cred.gid]
        return PeerIdentity(pid: cred.pid, uid: cred.uid, gid: cred.gid, userName: name, groupIDs: groups)
    }
}

/// Mirror of Linux's `struct ucred` (`pid_t pid; uid_t uid; gid_t gid;`), which
/// Glibc's Swift module hides behind `_GNU_SOURCE`. Three 32-bit fields have the
/// same layout in Swift and C.
struct KernelPeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
