import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A Unix datagram socket that plays systemd's part: the daemon under test is
/// given its path as `NOTIFY_SOCKET` and we read what it announces.
public final class NotifySocketListener: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    /// Every message received so far, in order.
    public private(set) var messages: [String] = []

    public init(path: String) throws {
        self.path = path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw ExternalTools.Failure("socket: errno \(errno)") }
        guard bindUnixSocket(fd, to: path) == 0 else { throw ExternalTools.Failure("bind \(path): errno \(errno)") }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Waits until a message containing `needle` arrives (or has arrived since
    /// `after` messages were seen), up to `timeout`. Returns that message.
    @discardableResult
    public func waitFor(_ needle: String, after: Int = 0, timeout: Duration = .seconds(30)) throws -> String {
        let deadline = ContinuousClock.now + timeout
        var index = after
        while true {
            while index < messages.count {
                if messages[index].contains(needle) { return messages[index] }
                index += 1
            }
            let remaining = deadline - .now
            guard remaining > .zero else {
                throw ExternalTools.Failure("no '\(needle)' on NOTIFY_SOCKET within \(timeout); got \(messages)")
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            if poll(&pfd, 1, ms) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { messages.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
            }
        }
    }
}
