import AsyncHTTPClient
import CommcastCore
import CommcastStore
import Crypto
import Foundation
import Logging
import NIOCore
import TestSupport
import Testing

/// Reporting to the province and bulletins from it (docs/provincial-api.md), with
/// the province a real HTTP server in the test process.
@Suite("Province reporting and inbox end to end", .serialized)
struct ProvinceEndToEndTests {
    static let token = "tinh-binh-phuoc-token"

    /// A station whose daemon can be killed and started again on the same files.
    final class ReportingStation: @unchecked Sendable {
        let dir: TemporaryDirectory
        let config: URL
        let socket: String
        var daemon: DaemonProcess?

        init(reportURL: String, batchSize: Int) throws {
            dir = try TemporaryDirectory()
            let tokenFile = dir.file("province.token")
            try ProvinceEndToEndTests.token.write(to: tokenFile, atomically: true, encoding: .utf8)
            (config, socket) = try DaemonLifecycleTests.writeConfig(
                dir,
                extra: """
                    [province]
                    report_url = "\(reportURL)"
                    station_id = "xa-a"
                    token_file = "\(tokenFile.path)"
                    batch_size = \(batchSize)
                    interval_seconds = 1
                    max_backoff_seconds = 2
                    """)
            try FileManager.default.createDirectory(at: dir.file("state"), withIntermediateDirectories: true)
        }

        /// The station's database, opened (and migrated) by the test.
        func database() throws -> CommcastDatabase {
            try CommcastDatabase(path: dir.file("state/commcast.sqlite").path, logger: Logger(label: "test"))
        }

        func start() throws {
            let d = try DaemonProcess(config: config, socketPath: socket, directory: dir)
            daemon = d
            try d.notify.waitFor("READY=1")
        }

        func reportStatus() throws -> [String: Any] {
            var env = ProcessInfo.processInfo.environment
            env["COMMCAST_SOCKET"] = socket
            let r = try ExternalTools.run(
                try BuiltProducts.path("commcast"), ["report", "status", "--json"], environment: env, timeout: .seconds(60))
            guard r.status == 0 else { throw ExternalTools.Failure("report status exited \(r.status): \(r.stderr)") }
            return try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        }

        func stop() {
            daemon?.stop()
            dir.remove()
        }
    }

    /// Every report in the outbox, in order, and how many still wait.
    static func outbox(_ db: CommcastDatabase) throws -> (keys: [String], pending: Int) {
        try db.pool.read { db in
            (
                try String.fetchAll(db, sql: "SELECT idempotency_key FROM report_outbox ORDER BY id"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report_outbox WHERE delivered_at IS NULL") ?? -1
            )
        }
    }

    /// What the receiver stored is exactly the outbox, in order, each event once.
    static func expectDeliveredInOrder(_ receiver: ProvinceReceiver, _ db: CommcastDatabase) throws {
        let (keys, pending) = try outbox(db)
        let stored = receiver.snapshot.stored
        #expect(pending == 0)
        #expect(stored.map(\.key) == keys, "the receiver holds every report once, in outbox order")
        #expect(stored.map(\.seq) == stored.map(\.seq).sorted() && Set(stored.map(\.seq)).count == stored.count)
    }

    @Test(.timeLimit(.minutes(3)))
    func provinceDownFailingSlowAndDroppingThenEverythingArrivesOnce() async throws {
        // A port with nobody on it yet: the province is down.
        let probe = try await ProvinceReceiver.start(token: Self.token)
        let port = probe.port
        await probe.stop()
        let station = try ReportingStation(reportURL: "http://127.0.0.1:\(port)/commcast/v1/events", batchSize: 50)
        defer { station.stop() }
        let db = try station.database()
        try station.start()
        for i in 0..<400 {
            try db.enqueueReport(key: "test:\(i)", kind: ReportKind(rawValue: "test"), payload: ["i": i], at: Date())
        }

        try await waitUntil("three failed attempts while the province is down", deadline: .seconds(90)) {
            (try station.reportStatus()["consecutive_failures"] as? Int ?? 0) >= 3
        }
        let down = try station.reportStatus()
        #expect((down["backlog"] as? Int ?? 0) >= 400)
        #expect((down["last_error"] as? String)?.isEmpty == false)

        // Back, but answering 500s, then accepting batches and dropping the connection
        // before the reply, then slowly.
        let receiver = try await ProvinceReceiver.start(port: port, token: Self.token)
        defer { Task { await receiver.stop() } }
        receiver.script([.fail500, .fail500, .dropAfterAccept, .slow(.seconds(3)), .dropAfterAccept, .fail500])
        try await receiver.wait(for: "the scripted misbehaviour to be used up") { $0.requests >= 6 }
        #expect(try station.reportStatus()["last_error"] as? String != nil)
        try await waitUntil("the backlog to drain", deadline: .seconds(90)) { try Self.outbox(db).pending == 0 }

        try Self.expectDeliveredInOrder(receiver, db)
        let r = receiver.snapshot
        #expect(r.duplicates >= 50, "batches taken before a dropped reply came again and were dropped by key (\(r.duplicates))")
        #expect(r.unauthorized == 0 && r.malformed == 0)
        #expect(r.stored.contains { $0.kind == "status_snapshot" }, "the startup status snapshot is reported")
        let status = try station.reportStatus()
        #expect(status["backlog"] as? Int == 0 && status["consecutive_failures"] as? Int == 0)
        #expect(status["last_success_at"] != nil)
    }

    @Test(.timeLimit(.minutes(3)))
    func killDashNineMidBatchLosesAndDoublesNothing() async throws {
        let receiver = try await ProvinceReceiver.start(token: Self.token)
        defer { Task { await receiver.stop() } }
        let station = try ReportingStation(reportURL: "http://127.0.0.1:\(receiver.port)/commcast/v1/events", batchSize: 100)
        defer { station.stop() }
        // The backlog is there before the daemon starts: its first batch is full.
        let db = try station.database()
        for i in 0..<250 {
            try db.enqueueReport(key: "test:\(i)", kind: ReportKind(rawValue: "test"), payload: ["i": i], at: Date())
        }
        receiver.script([.hold])
        try station.start()
        try await receiver.wait(for: "the first batch to arrive and be held") { $0.requests == 1 && $0.stored.count == 100 }

        // The province has the batch; the daemon dies before hearing so.
        station.daemon?.signal(SIGKILL)
        #expect(station.daemon?.waitForExit() != nil)
        #expect(try Self.outbox(db).pending >= 250, "nothing is marked delivered without the province's reply")
        try station.start()
        try await waitUntil("the backlog to drain after the restart", deadline: .seconds(90)) { try Self.outbox(db).pending == 0 }

        try Self.expectDeliveredInOrder(receiver, db)
        #expect(receiver.snapshot.duplicates >= 100, "the held batch came again and was dropped by key")
    }

    @Test(.timeLimit(.minutes(4)))
    func bulletinsFromTheProvinceByLevelAndBadOnesRefused() async throws {
        // Ingest, text-to-speech and simulated clusters: not beside the live timing test.
        try await ExclusiveTests.cpuHeavy.shared { try await bulletinsByLevel() }
    }

    func bulletinsByLevel() async throws {
        let hash = SHA256.hash(data: Data(Self.token.utf8)).map { String(format: "%02x", $0) }.joined()
        let station = try SchedulingEndToEndTests.Station(
            extra: """
                [province]
                webhook_listen = "127.0.0.1:0"
                webhook_token_sha256 = "\(hash)"
                max_bulletin_mb = 1
                """)
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        let credentials = try station.importClusters(SchedulingEndToEndTests.Station.clusterRows(5))
        let status = try #require(try station.json(["report", "status"]) as? [String: Any])
        let webhook = try #require(status["webhook_address"] as? String)
        let url = "http://\(webhook)/v1/province/bulletins"

        func post(_ body: Data, token: String? = Self.token) async throws -> (UInt, [String: Any]) {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
            let data = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
            return (response.status.code, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
        }
        func bulletin(_ fields: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: fields) }
        let wav = try Data(contentsOf: try SchedulingEndToEndTests.speechWAV(station.dir, seconds: 3))
        let audio = wav.base64EncodedString()

        // Refused, each with its reason, and nothing is kept.
        let good: [String: Any] = [
            "id": "T-1", "title": "Thông báo lịch họp", "level": "normal", "zones": ["tinh/xa-a"], "text": "Mời bà con họp lúc 8 giờ.",
        ]
        let (noToken, _) = try await post(try bulletin(good), token: nil)
        #expect(noToken == 401)
        let (wrongToken, _) = try await post(try bulletin(good), token: "guess")
        #expect(wrongToken == 401)
        let (garbage, garbageError) = try await post(Data("{not json".utf8))
        #expect(garbage == 400 && (garbageError["message"] as? String)?.contains("body") == true, "\(garbageError)")
        var untitled = good
        untitled.removeValue(forKey: "title")
        let (noTitle, noTitleError) = try await post(try bulletin(untitled))
        #expect(noTitle == 400 && (noTitleError["message"] as? String)?.hasPrefix("title:") == true, "\(noTitleError)")
        var badLevel = good
        badLevel["level"] = "urgent"
        let (level, levelError) = try await post(try bulletin(badLevel))
        #expect(level == 400 && (levelError["message"] as? String)?.contains("urgent") == true, "\(levelError)")
        var unknownZone = good
        unknownZone["zones"] = ["tinh/xa-z"]
        let (zone, zoneError) = try await post(try bulletin(unknownZone))
        #expect(zone == 400 && (zoneError["message"] as? String)?.contains("tinh/xa-z") == true, "\(zoneError)")
        var huge = good
        huge.removeValue(forKey: "text")
        huge["audio_base64"] = String(repeating: "A", count: 2 << 20)
        let (oversized, _) = try await post(try bulletin(huge))
        #expect(oversized == 413)
        var notAudio = good
        notAudio.removeValue(forKey: "text")
        notAudio["audio_base64"] = Data("this is not audio at all".utf8).base64EncodedString()
        let (badAudio, badAudioError) = try await post(try bulletin(notAudio))
        #expect(badAudio == 422, "\(badAudioError)")
        #expect((try station.json(["inbox", "list", "--state", "all"]) as? [Any])?.count == 0, "nothing kept from refused bulletins")

        // Normal: waits in the inbox; a second delivery is the same bulletin; approved, it is queued.
        let (normal, normalReply) = try await post(try bulletin(good))
        #expect(normal == 202 && normalReply["state"] as? String == "inbox", "\(normalReply)")
        let (again, againReply) = try await post(try bulletin(good))
        #expect(again == 200 && againReply["duplicate"] as? Bool == true && againReply["id"] as? Int == normalReply["id"] as? Int)
        let waiting = try #require(try station.json(["inbox", "list"]) as? [[String: Any]])
        #expect(waiting.count == 1 && waiting.first?["province_id"] as? String == "T-1")
        let inboxID = try #require(normalReply["id"] as? Int)
        let approval = try station.commcast(["inbox", "approve", "\(inboxID)"], token: SchedulingEndToEndTests.lanToken)
        #expect(approval.status == 0, "\(approval.stderr)")
        let approved = try #require(try station.json(["inbox", "list", "--state", "approved"]) as? [[String: Any]])
        let approvedBulletin = try #require(approved.first?["bulletin_id"] as? Int)
        let shown = try #require(try station.json(["bulletin", "show", "\(approvedBulletin)"]) as? [String: Any])
        #expect(shown["level"] as? String == "normal" && shown["title"] as? String == "Thông báo lịch họp")

        // Rejected with a reason for the province.
        var second = good
        second["id"] = "T-2"
        _ = try await post(try bulletin(second))
        let secondID = try #require((try station.json(["inbox", "list"]) as? [[String: Any]])?.first?["id"] as? Int)
        #expect(try station.commcast(["inbox", "reject", "\(secondID)", "--reason", "trùng nội dung"]).status == 0)

        // Priority: queued at once, ahead of ordinary content.
        let (priority, priorityReply) = try await post(
            try bulletin([
                "id": "P-1", "title": "Lịch cắt điện", "level": "priority",
                "zones": ["tinh/xa-a"], "audio_base64": audio,
            ]))
        #expect(priority == 202 && priorityReply["state"] as? String == "queued", "\(priorityReply)")
        let priorityBulletin = try #require(priorityReply["bulletin_id"] as? Int)
        #expect((try station.json(["bulletin", "show", "\(priorityBulletin)"]) as? [String: Any])?["level"] as? String == "priority")

        // Emergency: on the air at once to every connected cluster of its zones, to the end.
        let address = try ClusterLinkEndToEndTests.linkAddress(station)
        let sim = Task {
            try await ExternalTools.runDetached(
                try BuiltProducts.path("commcast-sim"),
                [
                    "--station", address, "--credentials", credentials.path, "--json", "--duration", "20", "--reconnect-jitter", "0.5",
                ], timeout: .seconds(60))
        }
        try await waitUntil("the five clusters to connect", deadline: .seconds(90)) {
            (try station.json(["status"]) as? [String: Any])?["clusters_connected"] as? Int == 5
        }
        let (emergency, emergencyReply) = try await post(
            try bulletin([
                "id": "E-1", "title": "Bão số 9", "level": "emergency",
                "zones": ["tinh/xa-a"], "audio_base64": audio,
            ]))
        #expect(emergency == 202 && emergencyReply["state"] as? String == "on_air", "\(emergencyReply)")
        let live = try #require(try station.json(["live", "show"]) as? [String: Any])
        #expect(live["level"] as? String == "emergency" && live["source"] as? String == "province" && live["receiving"] as? Int == 5, "\(live)")
        try await waitUntil("the emergency to finish airing", deadline: .seconds(30)) {
            (try station.json(["inbox", "list", "--state", "aired"]) as? [Any])?.count == 1
        }
        let result = try await sim.value
        let summary = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stdoutText)")
        #expect(summary["live_starts"] as? Int == 5 && summary["live_lost"] as? Int == 0, "\(summary)")
        #expect((summary["live_packets"] as? Int ?? 0) >= 5 * 145, "about 3 s of audio reached every cluster: \(summary["live_packets"] ?? "-")")

        // Every step was acknowledged to the province through the outbox.
        let db = try CommcastDatabase(path: station.dir.file("state/commcast.sqlite").path, logger: Logger(label: "test"))
        let keys = Set(try Self.outbox(db).keys)
        for key in [
            "province:T-1:received", "province:T-1:approved", "province:T-2:received", "province:T-2:rejected",
            "province:P-1:received", "province:P-1:queued", "province:E-1:received", "province:E-1:on_air", "province:E-1:aired",
            "bulletin:\(approvedBulletin):created", "bulletin:\(priorityBulletin):created",
        ] {
            #expect(keys.contains(key), "outbox has \(key)")
        }
        let rejection = try await db.pool.read {
            try String.fetchOne($0, sql: "SELECT payload FROM report_outbox WHERE idempotency_key = 'province:T-2:rejected'")
        }
        #expect(rejection?.contains("trùng nội dung") == true)
        #expect(!station.daemon.log.contains("Fatal"), "the daemon carried on through the bad requests")
    }

    @Test(.timeLimit(.minutes(2)))
    func monthlyExportStatusAndDailyReports() async throws {
        let station = try SchedulingEndToEndTests.Station()
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        for id in ["a1", "a2"] { #expect(try station.commcast(["cluster", "add", id, "--name", id, "--zone", "tinh/xa-a"]).status == 0) }

        // October 2026 as the station lived it: a daily 06:00 bulletin on two clusters for
        // three days; five airings completed, one never reported (missed).
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let october = calendar.date(from: DateComponents(year: 2026, month: 10, day: 10))!
        let db = try CommcastDatabase(path: station.dir.file("state/commcast.sqlite").path, logger: Logger(label: "test"))
        let media = MediaRecord(
            sha256: String(repeating: "cd", count: 32), sizeBytes: 100, durationMilliseconds: 120_000, sourceKind: "file",
            sourceContainer: "WAV", measuredLUFS: -16, gainDB: 0, createdAt: 0)
        _ = try db.createBulletin(
            NewBulletin(
                title: "Tin, \"sáng\"", level: .normal, sourceKind: .file, media: media, targets: [.zone("tinh/xa-a")],
                rules: [RecurrenceRule(pattern: .times([TimeOfDay(hour: 6, minute: 0)]), validFrom: october)]),
            by: Actor(name: "Lan", origin: "test"), at: october)
        let horizon = DateInterval(start: october, duration: 3 * 86_400)
        try db.savePlan(Planner(calendar: calendar).plan(try db.plannerInput(horizon: horizon, defaultQuietHours: nil)))
        let airings = try db.airings(from: horizon.start, to: horizon.end)
        #expect(airings.count == 6)
        for a in airings.dropLast() {
            try db.recordReceipt(.init(receiptID: "s-\(a.id)", airingID: a.id, kind: .started, at: a.plannedAt), receivedAt: horizon.end)
            try db.recordReceipt(
                .init(receiptID: "c-\(a.id)", airingID: a.id, kind: .completed, at: a.plannedAt.addingTimeInterval(120)),
                receivedAt: horizon.end)
        }
        try db.markMissed(before: horizon.end, at: horizon.end)

        let csv = try station.commcast(["report", "export", "--month", "2026-10", "--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("scope,key,label,planned,aired,completed,interrupted,failed,missed,minutes_aired,completion_share") == true)
        #expect(lines.dropFirst().first == "month,2026-10,2026-10,6,5,5,0,0,1,10.00,0.8333,1,", "\(lines)")
        #expect(lines.filter { $0.hasPrefix("day,2026-10-1") }.count == 3, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("zone,tinh/xa-a,") && $0.contains(",6,5,5,0,0,1,10.00,") }, "\(lines)")
        let json = try #require(try station.json(["report", "export", "--month", "2026-10", "--format", "json"]) as? [String: Any])
        #expect(json["bulletins_produced"] as? Int == 1 && (json["days"] as? [Any])?.count == 3)
        let bad = try station.commcast(["report", "export", "--month", "2026-13"])
        #expect(bad.status == 65 && bad.stderr.contains("month: got \"2026-13\", expected YYYY-MM"), "\(bad.status) \(bad.stderr)")

        // Without a province: reports wait, and the operator is told so.
        let status = try station.commcast(["report", "status"])
        #expect(status.status == 0 && status.stdoutText.contains("not configured"), "\(status.stdoutText)")
        #expect(try station.commcast(["inbox", "list"]).stdoutText.contains("no bulletins from the province"))

        // At start the daemon reported a status snapshot and yesterday's statistics.
        let yesterday = calendar.dateComponents([.year, .month, .day], from: calendar.date(byAdding: .day, value: -1, to: Date())!)
        let dayKey = String(format: "daily_statistics:%04d-%02d-%02d", yesterday.year!, yesterday.month!, yesterday.day!)
        let keys = try Self.outbox(db).keys
        #expect(keys.contains(dayKey), "\(keys.filter { !$0.hasPrefix("airing") })")
        #expect(keys.contains { $0.hasPrefix("status_snapshot:") })
        #expect(keys.filter { $0.hasPrefix("airing:") }.count == 6)
    }
}
