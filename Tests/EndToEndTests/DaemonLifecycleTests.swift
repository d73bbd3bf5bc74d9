import CommcastControlAPI
import CommcastCore
import Foundation
import TestSupport
import Testing

/// The real `commcastd` driven by the real `commcast`, as systemd and an operator would.
@Suite("commcastd end to end", .serialized)
struct DaemonLifecycleTests {
    static func writeConfig(_ dir: TemporaryDirectory, extra: String = "", link: String = "", logLevel: String = "info") throws -> (URL, String) {
        let socket = dir.file("run/control.sock").path
        let text = """
            [daemon]
            state_directory = "\(dir.file("state").path)"
            log_level = "\(logLevel)"
            [link]
            listen_address = "127.0.0.1"
            port = 0
            \(link)
            [web]
            port = 0
            [control]
            socket_path = "\(socket)"
            \(extra)
            """
        let url = dir.file("commcastd.toml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return (url, socket)
    }

    static func commcast(_ args: [String], asUser user: String? = nil) throws -> ExternalTools.Result {
        let cli = try BuiltProducts.path("commcast")
        if let user {
            return try ExternalTools.run(
                "setpriv", ["--reuid=\(user)", "--regid=\(user == "nobody" ? "nogroup" : user)", "--clear-groups", cli] + args,
                timeout: .seconds(60))
        }
        return try ExternalTools.run(cli, args, timeout: .seconds(60))
    }

    @Test func startServeReloadAndStopLikeSystemd() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (config, socket) = try Self.writeConfig(dir)
        let daemon = try DaemonProcess(
            config: config, socketPath: socket, directory: dir,
            extraEnvironment: ["WATCHDOG_USEC": "400000"])
        defer { daemon.stop() }

        try daemon.notify.waitFor("READY=1")

        // status, JSON: counts of an empty store, our own identity.
        let json = try Self.commcast(["status", "--json", "--socket", socket])
        #expect(json.status == 0, "\(json.stderr)")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let status = try decoder.decode(StatusResponse.self, from: json.stdout)
        #expect(status.version == "0.1.0")
        // The only rows: at most the start-up status snapshot and yesterday's statistics, for the province.
        var counts = status.counts
        #expect((0...2).contains(counts.outboxPending))
        counts.outboxPending = 0
        #expect(counts == StoreCounts())
        #expect(status.storePath == dir.file("state/commcast.sqlite").path)
        #expect(status.caller?.uid == getuid())
        #expect(status.caller?.pid != getpid(), "the caller is the CLI process, not the test")
        #expect(FileManager.default.fileExists(atPath: status.storePath))

        // status, table.
        let table = try Self.commcast(["status", "--socket", socket])
        #expect(table.status == 0)
        #expect(table.stdoutText.contains("commcastd 0.1.0"))
        #expect(table.stdoutText.contains("reports pending"))

        // The socket has the configured mode.
        let attributes = try FileManager.default.attributesOfItem(atPath: socket)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)

        // Watchdog at half of WATCHDOG_USEC.
        try daemon.notify.waitFor("WATCHDOG=1", timeout: .seconds(10))

        // A second daemon on the same socket refuses to steal it.
        let second = try ExternalTools.run(try BuiltProducts.path("commcastd"), ["--config", config.path], timeout: .seconds(60))
        #expect(second.status != 0)
        #expect(second.stderr.contains("already"), "\(second.stderr)")

        // SIGHUP with a changed file: RELOADING=1 then READY=1, change applied.
        _ = try Self.writeConfig(dir, logLevel: "debug")
        let seen = daemon.notify.messages.count
        daemon.signal(SIGHUP)
        try daemon.notify.waitFor("RELOADING=1", after: seen)
        try daemon.notify.waitFor("READY=1", after: seen)
        #expect(daemon.log.contains("configuration reloaded"))

        // SIGHUP with a broken file: rejected, daemon keeps serving.
        try "[daemon]\nlog_level = \"shouting\"\n".write(to: config, atomically: true, encoding: .utf8)
        let seen2 = daemon.notify.messages.count
        daemon.signal(SIGHUP)
        try daemon.notify.waitFor("READY=1", after: seen2)
        #expect(daemon.log.contains("configuration rejected"))
        #expect(daemon.log.contains("daemon.log_level"))
        #expect(try Self.commcast(["status", "--socket", socket]).status == 0)

        // SIGHUP with a file the TOML library aborts on (found by fuzzing): read by a
        // child first, refused with the reason, and the station goes on.
        try "[tts]\ncommand = [\"espeak-ng\", }\n".write(to: config, atomically: true, encoding: .utf8)
        let seen3 = daemon.notify.messages.count
        daemon.signal(SIGHUP)
        try daemon.notify.waitFor("READY=1", after: seen3)
        #expect(daemon.log.contains("the TOML parser crashed on this file"), "\(daemon.log)")
        #expect(try Self.commcast(["status", "--socket", socket]).status == 0)

        // SIGTERM: STOPPING=1, clean exit, socket removed.
        daemon.signal(SIGTERM)
        try daemon.notify.waitFor("STOPPING=1")
        #expect(daemon.waitForExit() == 0, "log:\n\(daemon.log)")
        #expect(!FileManager.default.fileExists(atPath: socket))

        // And the CLI says so, with the 'unavailable' exit code.
        let down = try Self.commcast(["status", "--socket", socket])
        #expect(down.status == 69)
        #expect(down.stderr.contains("not running"))
    }

    @Test func stateSurvivesRestart() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (config, socket) = try Self.writeConfig(dir)
        for round in 0..<2 {
            let daemon = try DaemonProcess(config: config, socketPath: socket, directory: dir)
            defer { daemon.stop() }
            try daemon.notify.waitFor("READY=1")
            #expect(try Self.commcast(["status", "--socket", socket]).status == 0)
            if round == 0 {
                // kill -9: no graceful path; the next start must still come up on the same files.
                daemon.signal(SIGKILL)
                _ = daemon.waitForExit()
            } else {
                #expect(daemon.log.contains("database migrated") == false, "a second start does not migrate again")
            }
        }
    }

    @Test(.enabled(if: getuid() == 0, "needs root to act as another user"))
    func socketPermissionsAndPeerCredentialsDecide() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // nobody may connect (socket group nogroup, mode 0660) but is not on the allow lists.
        let (config, socket) = try Self.writeConfig(dir, extra: "socket_group = \"nogroup\"\nsocket_mode = \"0660\"")
        try FileManager.default.createDirectory(
            atPath: dir.file("run").path, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755])
        let daemon = try DaemonProcess(config: config, socketPath: socket, directory: dir)
        defer { daemon.stop() }
        try daemon.notify.waitFor("READY=1")

        let refused = try Self.commcast(["status", "--socket", socket], asUser: "nobody")
        #expect(refused.status == 77, "\(refused.stderr)")
        #expect(refused.stderr.contains("nobody (uid 65534)"))
        #expect(daemon.log.contains("control API call refused"))

        // Allow nobody by name, reload, and the same call succeeds.
        _ = try Self.writeConfig(dir, extra: "socket_group = \"nogroup\"\nsocket_mode = \"0660\"\nallowed_users = [\"nobody\"]")
        let seen = daemon.notify.messages.count
        daemon.signal(SIGHUP)
        try daemon.notify.waitFor("READY=1", after: seen)
        let allowed = try Self.commcast(["status", "--json", "--socket", socket], asUser: "nobody")
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdoutText.contains("\"uid\" : 65534"))
    }

    @Test(.enabled(if: getuid() == 0, "needs root to act as another user"))
    func socketModeKeepsOthersOut() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (config, socket) = try Self.writeConfig(dir, extra: "socket_mode = \"0600\"")
        try FileManager.default.createDirectory(
            atPath: dir.file("run").path, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755])
        let daemon = try DaemonProcess(config: config, socketPath: socket, directory: dir)
        defer { daemon.stop() }
        try daemon.notify.waitFor("READY=1")
        let refused = try Self.commcast(["status", "--socket", socket], asUser: "nobody")
        #expect(refused.status == 77)
        #expect(refused.stderr.contains("permission denied"), "\(refused.stderr)")
    }

    @Test func checkConfigNamesEveryProblem() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bad = dir.file("bad.toml")
        try "[ingest]\nbitrate_kbps = 1000\ncomplexity = 12\nvolume = 3\n".write(to: bad, atomically: true, encoding: .utf8)
        let result = try ExternalTools.run(try BuiltProducts.path("commcastd"), ["--check-config", bad.path])
        #expect(result.status == 78)
        #expect(result.stderr.contains("3 problems"))
        #expect(result.stderr.contains("ingest.bitrate_kbps = 1000"))
        #expect(result.stderr.contains("ingest.complexity = 12"))
        #expect(result.stderr.contains("ingest.volume"))

        let (good, _) = try Self.writeConfig(dir)
        let ok = try ExternalTools.run(try BuiltProducts.path("commcastd"), ["--check-config", good.path])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdoutText.contains("OK"))
    }
}
