import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Finds out, in well under a second, whether commcastd is there to answer on its
/// control socket, and if not, why: no socket, a stale one left by a crash, a file
/// that is not a socket, or no permission. The HTTP client would otherwise keep
/// retrying a refused connection until its deadline, which an operator starting an
/// emergency broadcast cannot wait for.
public enum ControlSocketProbe {
    public enum Outcome: Equatable, Sendable {
        /// commcastd accepted a connection.
        case listening
        /// Nothing at the path.
        case missing
        /// A file that is not a socket.
        case notASocket
        /// A socket nobody listens on: commcastd stopped without removing it.
        case stale
        /// The caller may not open the socket; the socket's group, when known.
        case permissionDenied(group: String?)
        /// Anything else, by errno.
        case failed(String)
    }

    /// What answers at `path`, found by connecting once. Used by the CLI before a request,
    /// and by the daemon at start, which replaces a stale socket but never a live one.
    public static func probe(_ path: String) -> Outcome {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == EACCES ? .permissionDenied(group: nil) : .missing
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { return .notASocket }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failed(String(cString: strerror(errno))) }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return .failed("socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result == 0 { return .listening }
        switch errno {
        case ECONNREFUSED: return .stale
        case EACCES, EPERM: return .permissionDenied(group: groupName(info.st_gid))
        // A full backlog: the daemon is there but busy; let the request wait its turn.
        case EAGAIN: return .listening
        default: return .failed(String(cString: strerror(errno)))
        }
    }

    static func groupName(_ gid: gid_t) -> String? {
        guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return nil }
        return String(cString: name)
    }
}
