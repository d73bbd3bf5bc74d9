import Foundation
import TestSupport
import Testing

/// `commcast backup` while the station runs, then a restore onto a new state
/// directory as docs/reliability.md says: the restored station starts and counts the same.
@Suite("Backup and restore end to end", .serialized)
struct BackupEndToEndTests {
    @Test(.timeLimit(.minutes(2)))
    func backupWhileRunningThenRestore() async throws {
        let station = try SchedulingEndToEndTests.Station()
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        #expect(try station.commcast(["cluster", "add", "a1", "--name", "A1", "--zone", "tinh/xa-a"]).status == 0)
        let wav = try SchedulingEndToEndTests.speechWAV(station.dir, seconds: 3)
        for title in ["Một", "Hai"] {
            #expect(
                try station.commcast(["bulletin", "add", "--title", title, "--file", wav.path, "--zone", "tinh/xa-a", "--daily", "06:00"]).status == 0
            )
        }
        let before = try #require(try station.json(["bulletin", "list"]) as? [[String: Any]])
        #expect(before.count == 2)

        // Refusals name the problem: an existing file, a directory that is not there.
        let taken = station.dir.file("taken.sqlite")
        try Data("x".utf8).write(to: taken)
        let exists = try station.commcast(["backup", taken.path])
        #expect(exists.status != 0 && exists.stderr.contains("exists; expected a new file"), "\(exists.stderr)")
        let nowhere = try station.commcast(["backup", station.dir.file("no/such/dir/b.sqlite").path])
        #expect(nowhere.status == 65 && nowhere.stderr.contains("is not a directory"), "\(nowhere.stderr)")

        let copy = station.dir.file("backup.sqlite")
        let made = try station.commcast(["backup", copy.path, "--json"])
        #expect(made.status == 0, "\(made.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: made.stdout) as? [String: Any])
        #expect(result["integrity"] as? String == "ok")
        #expect(result["media_files"] as? Int == 1, "one recording, used by both bulletins")
        let listed = try String(contentsOfFile: try #require(result["media_list"] as? String), encoding: .utf8).split(separator: "\n")
        let mediaDirectory = try #require(result["media_directory"] as? String)
        #expect(listed.count == 1 && FileManager.default.fileExists(atPath: "\(mediaDirectory)/\(listed[0])"))

        // Restore as the page says: a new state directory with the copy and the media.
        let restored = try TemporaryDirectory()
        defer { restored.remove() }
        let state = restored.file("state")
        try FileManager.default.createDirectory(
            at: state.appendingPathComponent("media/\(listed[0])").deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: copy.path, toPath: state.appendingPathComponent("commcast.sqlite").path)
        try FileManager.default.copyItem(atPath: "\(mediaDirectory)/\(listed[0])", toPath: state.appendingPathComponent("media/\(listed[0])").path)
        let (config, socket) = try DaemonLifecycleTests.writeConfig(restored)
        let daemon = try DaemonProcess(config: config, socketPath: socket, directory: restored)
        defer { daemon.stop() }
        try daemon.notify.waitFor("READY=1")
        var env = ProcessInfo.processInfo.environment
        env["COMMCAST_SOCKET"] = socket
        let list = try await ExternalTools.runDetached(try BuiltProducts.path("commcast"), ["bulletin", "list", "--json"], environment: env)
        let after = try #require(try JSONSerialization.jsonObject(with: list.stdout) as? [[String: Any]], "\(list.stderr)")
        #expect(after.map { $0["id"] as? Int } == before.map { $0["id"] as? Int })
        #expect(after.map { $0["title"] as? String } == before.map { $0["title"] as? String })
        let status = try await ExternalTools.runDetached(try BuiltProducts.path("commcast"), ["status", "--json"], environment: env)
        let counts = try #require((try JSONSerialization.jsonObject(with: status.stdout) as? [String: Any])?["counts"] as? [String: Any])
        #expect(counts["bulletins"] as? Int == 2 && counts["media"] as? Int == 1 && counts["clusters"] as? Int == 1, "\(counts)")
    }
}
