import Foundation
import TestSupport
import Testing

/// Files an operator names on the command line are judged before anything is sent:
/// a directory, a device, an empty file or a missing one is named for what it is.
@Suite("commcast input files")
struct CommandInputFileTests {
    @Test("bulletin add --file and cluster import say what is wrong with the file they were given")
    func filesAreNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let empty = dir.file("empty.wav")
        try Data().write(to: empty)
        let cli = try BuiltProducts.path("commcast")
        // No daemon at this socket: the file is judged first, so the answer is about the file.
        let socket = dir.file("none.sock").path
        let cases: [([String], Int32, String)] = [
            (
                ["bulletin", "add", "--title", "x", "--file", dir.url.path, "--zone", "tinh", "--daily", "06:00"], 66,
                "is a directory; expected a file"
            ),
            (["bulletin", "add", "--title", "x", "--file", "/dev/null", "--zone", "tinh", "--daily", "06:00"], 66, "is not a regular file"),
            (["bulletin", "add", "--title", "x", "--file", empty.path, "--zone", "tinh", "--daily", "06:00"], 65, "is empty"),
            (["bulletin", "add", "--title", "x", "--file", dir.file("nope.wav").path, "--zone", "tinh", "--daily", "06:00"], 66, "does not exist"),
            (["cluster", "import", dir.url.path], 66, "the CSV \(dir.url.path): is a directory"),
        ]
        for (args, status, says) in cases {
            let result = try ExternalTools.run(cli, args + ["--socket", socket], timeout: .seconds(60))
            #expect(result.status == status, "\(args): \(result.stderr)")
            #expect(result.stderr.contains(says), "\(args): \(result.stderr)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain") && !result.stderr.contains("permission"), "\(args): \(result.stderr)")
        }
    }
}
