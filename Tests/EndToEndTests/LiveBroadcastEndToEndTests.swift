import CommcastStore
import Foundation
import GRDB
import Logging
import TestSupport
import Testing

/// `commcast live` against the daemon and simulated clusters (docs/live.md).
@Suite("Live broadcast", .serialized)
struct LiveBroadcastEndToEndTests {
    /// An emergency broadcast while a bulletin plays on 100 clusters: every cluster
    /// stops the bulletin, plays the live audio within 1 s of the command, gets every
    /// packet in order, and plays the next bulletin afterwards.
    @Test(.timeLimit(.minutes(4)))
    func emergencyInterruptsABulletinEverywhereAndTheScheduleResumes() async throws {
        // Packets are judged late against a 100 ms jitter buffer: no other heavy test beside it.
        try await ExclusiveTests.cpuHeavy.exclusive { try await emergencyOnAHundredClusters() }
    }

    func emergencyOnAHundredClusters() async throws {
        let station = try SchedulingEndToEndTests.Station(extra: "[live]\njitter_ms = 100")
        defer { station.stop() }
        // No quiet hours in this commune, so the bulletins air whatever time the test runs.
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        let credentials = try station.importClusters(SchedulingEndToEndTests.Station.clusterRows(100))

        // A 12-second bulletin that the broadcast will cut, and a 4-second one after it.
        // Twelve seconds of lead let 100 clusters connect and fetch it on a loaded
        // machine (it takes 2–4 s); the second starts well after the 5 s broadcast ends.
        let long = try SchedulingEndToEndTests.speechWAV(station.dir, seconds: 12)
        let short = try SchedulingEndToEndTests.speechWAV(station.dir, seconds: 4)
        let firstAt = Date().addingTimeInterval(12)
        let first = try Self.addBulletin(station, "Lịch tiêm chủng", long, at: firstAt)
        let second = try Self.addBulletin(station, "Thông báo sau", short, at: firstAt.addingTimeInterval(16))
        let address = try ClusterLinkEndToEndTests.linkAddress(station)
        let sim = Task {
            try await ExternalTools.runDetached(
                try BuiltProducts.path("commcast-sim"),
                [
                    "--station", address, "--credentials", credentials.path, "--json", "--duration", "110", "--until-completed", "100",
                    "--reconnect-jitter", "1",
                ], timeout: .seconds(150))
        }

        let db = try CommcastDatabase(path: station.dir.file("state/commcast.sqlite").path, logger: Logger(label: "test"))
        try await waitUntil("all 100 clusters play the first bulletin", deadline: .seconds(60)) {
            try await db.pool.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM airings WHERE bulletin_id = ? AND outcome = 'started'", arguments: [first])
            } == 100
        }

        // Without the emergency role the broadcast is refused, and nothing airs.
        let tone = try Self.speechFile(station.dir, seconds: 5)
        let refused = try await ExternalTools.offCooperativePool {
            try station.commcast(["live", "--file", tone.path], token: SchedulingEndToEndTests.lanToken)
        }
        #expect(refused.status == 77, "\(refused.stderr)")
        #expect(refused.stderr.contains("emergency role"))

        let commandAt = Date()
        let live = try await ExternalTools.offCooperativePool {
            try station.commcast(
                ["live", "--file", tone.path, "--zone", "tinh/xa-a", "--title", "Bão số 9"], token: SchedulingEndToEndTests.rescueToken)
        }
        #expect(live.status == 0, "\(live.stderr)")
        #expect(live.stdoutText.contains("ended: end of source"), "\(live.stdoutText)")
        #expect(live.stderr.contains("on air to 100 clusters (100 connected)"), "\(live.stderr)")
        let packetsText = live.stdoutText.split(separator: ";").last?.split(separator: " ").first.map(String.init) ?? ""
        let packets = try #require(Int(packetsText), "\(live.stdoutText)")
        #expect(packets == 250, "5 s of audio is 250 packets of 20 ms")

        let result = try await sim.value
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stdoutText)")
        #expect(summary["live_starts"] as? Int == 100)
        #expect(summary["live_stops"] as? Int == 100)
        #expect(summary["live_clusters_receiving"] as? Int == 100)
        #expect(summary["live_packets"] as? Int == 100 * packets, "every cluster got every packet")
        #expect(summary["live_out_of_order"] as? Int == 0)
        #expect(summary["live_lost"] as? Int == 0)
        #expect(summary["live_late"] as? Int == 0)
        #expect(summary["live_decode_failures"] as? Int == 0)
        let lastFirstAudio = try #require(summary["live_first_audio_latest"] as? Double)
        #expect(lastFirstAudio - commandAt.timeIntervalSince1970 <= 1.0, "the last cluster played live audio within 1 s of the command")
        #expect(summary["airings_interrupted"] as? Int == 100)
        #expect(summary["airings_completed"] as? Int == 100, "the schedule resumed: the second bulletin aired everywhere")

        // The station recorded each interruption once, and the next bulletin as aired
        // (airings a replan withdrew before they were due stay on record as `withdrawn`).
        let outcomes = try await db.pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT bulletin_id, outcome, reason, COUNT(*) AS n FROM airings WHERE outcome <> 'withdrawn' GROUP BY bulletin_id, outcome, reason"
            )
            .map { "\($0["bulletin_id"] as Int64) \($0["outcome"] as String) \($0["reason"] as String? ?? "-") \($0["n"] as Int)" }
        }
        #expect(outcomes.sorted() == ["\(first) interrupted live 100", "\(second) completed - 100"], "\(outcomes)")
        let audited = try await db.pool.read { try String.fetchAll($0, sql: "SELECT action FROM audit_log WHERE action LIKE 'live_%' ORDER BY id") }
        #expect(audited == ["live_started", "live_stopped"])
        let reported = try await db.pool.read { try String.fetchAll($0, sql: "SELECT kind FROM report_outbox WHERE kind LIKE 'live_%' ORDER BY id") }
        #expect(reported == ["live_started", "live_stopped"])
    }

    /// A source that stops sending ends the broadcast; a listener that joins the Ogg
    /// stream mid-way hears the same audio; clusters that drop and return during the
    /// broadcast get it again.
    @Test(.timeLimit(.minutes(3)))
    func silentSourceLateListenerAndReturningClusters() async throws {
        let station = try SchedulingEndToEndTests.Station(extra: "[live]\nsource_timeout_seconds = 3")
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents"]).status == 0)
        let credentials = try station.importClusters(SchedulingEndToEndTests.Station.clusterRows(10))
        let address = try ClusterLinkEndToEndTests.linkAddress(station)
        let simStart = Date()
        let sim = Task {
            try await ExternalTools.runDetached(
                try BuiltProducts.path("commcast-sim"),
                [
                    "--station", address, "--credentials", credentials.path, "--json", "--duration", "30",
                    "--reconnect-jitter", "0.5", "--drop-all-at", "6",
                ], timeout: .seconds(60))
        }
        try await waitUntil("all 10 clusters connected", deadline: .seconds(30)) {
            (try station.json(["status"]) as? [String: Any])?["clusters_connected"] as? Int == 10
        }
        #expect(Date().timeIntervalSince(simStart) < 5, "the broadcast must be on air when the links drop at 6 s")

        // 12 s of audio on stdin, then the source goes quiet without closing. (With 6 s,
        // and once with 9 s beside other tests, a listener started late on a loaded machine
        // heard too little: the 3 s it must hear is about the stream, not about how fast
        // ffmpeg starts.)
        let source = TestSignals.speechLike(seconds: 12, sampleRate: 48_000)
        let cli = Process()
        cli.executableURL = URL(fileURLWithPath: try BuiltProducts.path("commcast"))
        cli.arguments = ["live", "--stdin", "--level", "emergency"]
        cli.environment = ProcessInfo.processInfo.environment.merging(["COMMCAST_SOCKET": station.socket]) { $1 }
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        cli.standardInput = input
        cli.standardOutput = output
        cli.standardError = errors
        try cli.run()
        var raw = Data(capacity: source.count * 2)
        for sample in source { withUnsafeBytes(of: Int16(max(-1, min(1, sample)) * 32767).littleEndian) { raw.append(contentsOf: $0) } }
        // The pipe holds 64 KB and the command reads in real time: write from another thread.
        let writer = input.fileHandleForWriting
        let rawAudio = raw
        DispatchQueue.global().async { writer.write(rawAudio) }

        // A listener joins the stream a second in.
        var streamPath = ""
        try await waitUntil("the broadcast is on air", deadline: .seconds(10)) {
            guard let s = try? station.json(["live", "show"]) as? [String: Any], s["ended_at"] == nil, (s["packets"] as? Int ?? 0) >= 50 else {
                return false
            }
            streamPath = s["stream_path"] as? String ?? ""
            return true
        }
        let listened = station.dir.file("listener.raw")
        let listener = try await ExternalTools.runDetached(
            "ffmpeg",
            [
                "-nostdin", "-v", "error", "-i", "http://\(address)\(streamPath)", "-f", "f32le", "-ac", "1", "-ar", "48000", "-y", listened.path,
            ], timeout: .seconds(40))
        #expect(listener.status == 0, "\(listener.stderr)")

        let exited = try await ExternalTools.offCooperativePool { () -> Int32 in
            cli.waitUntilExit()
            return cli.terminationStatus
        }
        input.fileHandleForWriting.closeFile()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(exited == 0, "\(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        #expect(said.contains("ended: source silent"), "\(said)")

        // What the late listener heard is the source from some point on.
        let heard = try Data(contentsOf: listened).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(heard.count > 48_000 * 3, "the listener heard at least 3 s")
        let (correlation, offset) = Self.bestEnvelopeMatch(heard: heard, source: source)
        #expect(correlation > 0.9, "envelope correlation \(correlation)")
        #expect(offset >= 48_000 / 2, "the listener joined mid-stream, \(offset) samples in")

        let result = try await sim.value
        let summary = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stdoutText)")
        #expect(summary["live_starts"] as? Int == 20, "each cluster got live_start again after it returned")
        #expect(summary["live_stops"] as? Int == 10)
        #expect(summary["live_out_of_order"] as? Int == 0)
        #expect(summary["live_decode_failures"] as? Int == 0)
        #expect((summary["live_packets"] as? Int ?? 0) > 10 * 150, "clusters kept receiving after they returned")
        #expect(station.daemon.log.contains("reason=\"source silent\""))
    }

    static func addBulletin(_ station: SchedulingEndToEndTests.Station, _ title: String, _ file: URL, at date: Date) throws -> Int64 {
        let at = SchedulingEndToEndTests.stationTime(date)
        let added = try station.json(["bulletin", "add", "--title", title, "--file", file.path, "--zone", "tinh/xa-a", "--at", at]) as? [String: Any]
        return Int64(try #require(added?["id"] as? Int))
    }

    static func speechFile(_ dir: TemporaryDirectory, seconds: Double) throws -> URL {
        let url = dir.file("live-\(Int(seconds)).wav")
        try WAVWriter.make(channels: [TestSignals.speechLike(seconds: seconds, sampleRate: 48_000)], sampleRate: 48_000, format: .pcm16).write(
            to: url)
        return url
    }

    /// Where in `source` the `heard` audio starts, by the 10 ms loudness envelope, and how well it matches.
    static func bestEnvelopeMatch(heard: [Float], source: [Float]) -> (correlation: Double, offsetSamples: Int) {
        func envelope(_ x: [Float]) -> [Double] {
            stride(from: 0, to: x.count - 480, by: 480).map { i in sqrt(x[i..<i + 480].reduce(0) { $0 + Double($1 * $1) } / 480) }
        }
        let h = envelope(heard)
        let s = envelope(source)
        var best = (correlation: -1.0, offsetSamples: 0)
        for lag in 0..<max(1, s.count - 100) {
            let n = min(h.count, s.count - lag)
            guard n >= 100 else { break }
            let a = Array(h[0..<n])
            let b = Array(s[lag..<lag + n])
            let ma = a.reduce(0, +) / Double(n)
            let mb = b.reduce(0, +) / Double(n)
            var num = 0.0
            var da = 0.0
            var db = 0.0
            for i in 0..<n {
                num += (a[i] - ma) * (b[i] - mb)
                da += (a[i] - ma) * (a[i] - ma)
                db += (b[i] - mb) * (b[i] - mb)
            }
            let r = num / max(1e-12, sqrt(da * db))
            if r > best.correlation { best = (r, lag * 480) }
        }
        return best
    }
}

extension LiveBroadcastEndToEndTests {
    /// The microphone path through real ALSA: a `file` PCM whose capture side reads a
    /// 440 Hz tone (no sound card needed), stopped with Ctrl-C.
    @Test(.timeLimit(.minutes(2)))
    func microphoneThroughALSAAndCtrlC() async throws {
        let station = try SchedulingEndToEndTests.Station()
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents"]).status == 0)
        #expect(try station.commcast(["cluster", "add", "a1", "--name", "Cụm 1", "--zone", "tinh/xa-a"]).status == 0)
        let address = try ClusterLinkEndToEndTests.linkAddress(station)

        // ALSA reads ~/.asoundrc: HOME points the command at the fixture.
        let home = station.dir.file("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let tone = (0..<48_000 * 30).map { Int16(16_000 * sin(2 * Double.pi * 440 * Double($0) / 48_000)) }
        try tone.withUnsafeBytes { Data($0) }.write(to: station.dir.file("mic.raw"))
        try """
        pcm.testmic {
            type file
            slave.pcm "null"
            file "/dev/null"
            infile "\(station.dir.file("mic.raw").path)"
            format "raw"
        }
        """.write(to: home.appendingPathComponent(".asoundrc"), atomically: true, encoding: .utf8)

        let cli = Process()
        cli.executableURL = URL(fileURLWithPath: try BuiltProducts.path("commcast"))
        cli.arguments = ["live", "--mic", "--device", "testmic", "--zone", "tinh/xa-a"]
        cli.environment = ProcessInfo.processInfo.environment.merging(["COMMCAST_SOCKET": station.socket, "HOME": home.path]) { $1 }
        let output = Pipe()
        let errors = Pipe()
        cli.standardOutput = output
        cli.standardError = errors
        try cli.run()

        var streamPath = ""
        try await waitUntil("the microphone is on air", deadline: .seconds(15)) {
            guard let s = try? station.json(["live", "show"]) as? [String: Any], s["ended_at"] == nil else { return false }
            streamPath = s["stream_path"] as? String ?? ""
            return true
        }
        let listened = station.dir.file("mic-listener.raw")
        let listener = Task {
            try await ExternalTools.runDetached(
                "ffmpeg",
                [
                    "-nostdin", "-v", "error", "-i", "http://\(address)\(streamPath)", "-f", "f32le", "-ac", "1", "-ar", "48000", "-y", listened.path,
                ], timeout: .seconds(40))
        }
        // ffmpeg's start-up on a loaded machine can take seconds: wait for it to listen,
        // then for two seconds of audio, before ending the broadcast.
        try await waitUntil("the stream listener is connected", deadline: .seconds(30)) {
            ((try? station.json(["live", "show"]) as? [String: Any])?["listeners"] as? Int ?? 0) >= 1
        }
        let connectedAt = ((try? station.json(["live", "show"]) as? [String: Any])?["packets"] as? Int) ?? 0
        try await waitUntil("two seconds went out", deadline: .seconds(15)) {
            ((try? station.json(["live", "show"]) as? [String: Any])?["packets"] as? Int ?? 0) >= connectedAt + 100
        }
        kill(cli.processIdentifier, SIGINT)
        let exited = try await ExternalTools.offCooperativePool { () -> Int32 in
            cli.waitUntilExit()
            return cli.terminationStatus
        }
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(exited == 0, "\(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        #expect(said.contains("ended: stopped by"), "\(said)")
        #expect(try await listener.value.status == 0)

        // The listener heard the tone: 440 Hz by zero crossings, at the level captured
        // (leaving out the first and last 100 ms: codec start-up, and the end-of-stream gap).
        let heard = try Data(contentsOf: listened).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }.dropFirst(4_800).dropLast(4_800)
        #expect(heard.count > 48_000)
        let crossings = zip(heard, heard.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
        let hertz = Double(crossings) / 2 / (Double(heard.count) / 48_000)
        #expect(abs(hertz - 440) < 10, "\(hertz) Hz")
        let rms = sqrt(heard.reduce(0) { $0 + Double($1 * $1) } / Double(heard.count))
        #expect(abs(20 * log10(rms / (16_000.0 / 32_768 / 2.0.squareRoot()))) < 2, "level within 2 dB of the tone: rms \(rms)")
        let audited = try station.json(["audit", "--limit", "5"]) as? [[String: Any]] ?? []
        #expect(audited.contains { $0["action"] as? String == "live_stopped" })
    }
}

extension LiveBroadcastEndToEndTests {
    /// A relay of an MP3 stream from a real HTTP server: on the air in its hours, replaced
    /// by an emergency and back after it, off after a stretch of silence, each logged.
    @Test(.timeLimit(.minutes(3)))
    func relayAirsYieldsToAnEmergencyAndStopsOnSilence() async throws {
        let media = try TemporaryDirectory()
        defer { media.remove() }
        // 5 s of speech, then 8 s of silence, as MP3.
        let signal = TestSignals.speechLike(seconds: 5, sampleRate: 48_000) + Array(repeating: 0, count: 48_000 * 8)
        try WAVWriter.make(channels: [signal], sampleRate: 48_000, format: .pcm16).write(to: media.file("radio.wav"))
        let mp3 = try ExternalTools.run(
            "ffmpeg", ["-nostdin", "-v", "error", "-i", media.file("radio.wav").path, "-b:a", "64k", media.file("radio.mp3").path])
        #expect(mp3.status == 0, "\(mp3.stderr)")
        let server = Process()
        server.executableURL = URL(fileURLWithPath: try #require(ExternalTools.which("python3")))
        server.arguments = ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", media.url.path]
        let serverOut = Pipe()
        server.standardOutput = serverOut
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate() }
        let banner = String(decoding: serverOut.fileHandleForReading.availableData, as: UTF8.self)
        let serverPort = try #require(banner.split(separator: " ").firstIndex(of: "port").map { banner.split(separator: " ")[$0 + 1] }, "\(banner)")

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        func hhmm(_ d: Date) -> String { String(format: "%02d:%02d", calendar.component(.hour, from: d), calendar.component(.minute, from: d)) }
        let hours = "\(hhmm(Date().addingTimeInterval(-120)))-\(hhmm(Date().addingTimeInterval(600)))"
        let station = try SchedulingEndToEndTests.Station(
            extra: """
                [[relay]]
                name = "Đài tỉnh"
                url = "http://127.0.0.1:\(serverPort)/radio.mp3"
                zones = ["tinh/xa-a"]
                hours = "\(hours)"
                silence_seconds = 3
                """, schedule: "quiet_hours = \"none\"")
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents"]).status == 0)
        #expect(try station.commcast(["cluster", "add", "a1", "--name", "Cụm 1", "--zone", "tinh/xa-a"]).status == 0)

        func current() -> [String: Any] { (try? station.json(["live", "show"]) as? [String: Any]) ?? [:] }
        try await waitUntil("the relay is on the air", deadline: .seconds(20)) {
            current()["level"] as? String == "relay" && current()["ended_at"] == nil && (current()["packets"] as? Int ?? 0) > 25
        }
        let relayID = try #require(current()["live_id"] as? String)

        // An emergency takes over; the relay comes back after it.
        let tone = try Self.speechFile(station.dir, seconds: 2)
        let emergency = try await ExternalTools.offCooperativePool { try station.commcast(["live", "--file", tone.path, "--zone", "tinh/xa-a"]) }
        // Its one cluster never connects in this test, so nobody heard it, and the command says so.
        #expect(emergency.status == 69, "\(emergency.stderr)")
        #expect(emergency.stderr.contains("nobody heard the broadcast"), "\(emergency.stderr)")
        try await waitUntil("the relay is back on the air", deadline: .seconds(20)) {
            current()["level"] as? String == "relay" && current()["ended_at"] == nil && current()["live_id"] as? String != relayID
        }
        // It ends itself when the stream goes silent.
        try await waitUntil("the relay stopped on silence", deadline: .seconds(30)) {
            current()["level"] as? String == "relay" && current()["end_reason"] as? String == "silence for 3 s"
        }
        #expect(station.daemon.log.contains("relay on the air"))
        let db = try CommcastDatabase(path: station.dir.file("state/commcast.sqlite").path, logger: Logger(label: "test"))
        let ends = try await db.pool.read { try String.fetchAll($0, sql: "SELECT details FROM audit_log WHERE action = 'live_stopped' ORDER BY id") }
        #expect(ends.count == 3, "\(ends)")
        #expect(ends.first?.contains("replaced by an emergency broadcast") == true, "\(ends)")
        #expect(ends.last?.contains("silence for 3 s") == true, "\(ends)")
    }
}

extension LiveBroadcastEndToEndTests {
    /// Quiet hours hold back a priority broadcast but not an emergency, and
    /// `commcast live stop` ends the one on air.
    @Test(.timeLimit(.minutes(2)))
    func quietHoursHoldPriorityAndLiveStopEndsTheBroadcast() async throws {
        let station = try SchedulingEndToEndTests.Station(schedule: "quiet_hours = \"00:00-23:59\"")
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents"]).status == 0)
        #expect(try station.commcast(["cluster", "add", "a1", "--name", "Cụm 1", "--zone", "tinh/xa-a"]).status == 0)
        let speech = try Self.speechFile(station.dir, seconds: 30)

        // Half a second of random bytes on stdin is not audio: refused before anything airs.
        let noise = Data((0..<48_000).map { _ in UInt8.random(in: 0...255) })
        let environment = ProcessInfo.processInfo.environment.merging(["COMMCAST_SOCKET": station.socket]) { $1 }
        let refused = try ExternalTools.run(try BuiltProducts.path("commcast"), ["live", "--stdin"], environment: environment, stdin: noise)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("full-scale noise") && refused.stderr.contains("nothing was broadcast"), "\(refused.stderr)")
        #expect(try station.commcast(["live", "show"]).status != 0, "no broadcast since the daemon started")

        let priority = try station.commcast(["live", "--file", speech.path, "--level", "priority"])
        #expect(priority.status == 65, "\(priority.stderr)")
        #expect(priority.stderr.contains("quiet hours (00:00–23:59)"), "\(priority.stderr)")

        let emergency = Task {
            try await ExternalTools.runDetached(
                try BuiltProducts.path("commcast"), ["live", "--file", speech.path],
                environment: ProcessInfo.processInfo.environment.merging(["COMMCAST_SOCKET": station.socket]) { $1 })
        }
        try await waitUntil("the emergency is on air", deadline: .seconds(15)) {
            let s = (try? station.json(["live", "show"]) as? [String: Any]) ?? [:]
            return s["level"] as? String == "emergency" && s["ended_at"] == nil
        }
        let stop = try station.commcast(["live", "stop"])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(stop.stdoutText.contains("stopped after"), "\(stop.stdoutText)")
        let ended = try await emergency.value
        // Its one cluster never connected: the operator is told at the start and at the end.
        #expect(ended.status == 69, "\(ended.stderr)")
        #expect(ended.stderr.contains("none of the 1 targeted clusters is connected now"), "\(ended.stderr)")
        #expect(ended.stderr.contains("nobody heard the broadcast"), "\(ended.stderr)")
        #expect(ended.stdoutText.contains("ended: stopped by"), "\(ended.stdoutText)")
        #expect(try station.commcast(["live", "stop"]).status == 65, "nothing left on air")
    }
}
