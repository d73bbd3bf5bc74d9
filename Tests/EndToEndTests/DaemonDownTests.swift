import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The CLI with no daemon to answer: every way the socket can be wrong is told
/// at once, with exit 69, instead of a client retrying until its deadline. An
/// emergency broadcast is the command that can least afford to wait.
@Suite("commcast with the daemon down")
struct DaemonDownTests {
    /// A Unix socket file nobody listens on, as a crashed daemon leaves it.
    static func staleSocket(at path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        let bound = bindUnixSocket(fd, to: path)
        try #require(bound == 0, "bind: errno \(errno)")
    }

    @Test(
        "no socket, a stale socket and a file that is not a socket each fail at once with the cause and exit 69",
        arguments: ["missing", "stale", "file"])
    func daemonDown(_ kind: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("control.sock").path
        switch kind {
        case "stale": try Self.staleSocket(at: path)
        case "file": try "not a socket".write(toFile: path, atomically: true, encoding: .utf8)
        default: break
        }
        let cli = try BuiltProducts.path("commcast")
        for args in [["status"], ["live", "--stdin", "--level", "emergency"], ["schedule"]] {
            let began = ContinuousClock.now
            let result = try ExternalTools.run(cli, args + ["--socket", path], timeout: .seconds(60))
            let took = ContinuousClock.now - began
            #expect(result.status == 69, "\(args): \(result.stderr)")
            let expected = ["missing": "no control socket", "stale": "left from an earlier run", "file": "is not a socket"][kind]!
            #expect(result.stderr.contains(expected), "\(args): \(result.stderr)")
            // Not a speed measurement: the old client hung for about 90 s here.
            #expect(took < .seconds(10), "\(args) took \(took)")
        }
    }
}
