import CommcastCore
import CommcastStore
import Crypto
import Foundation
import Logging
import TestSupport
import Testing

/// An operator's day through the real binaries: zones and clusters from CSV,
/// bulletins from a recording and from text, the plan, scopes, the audit log,
/// and airing counts once receipts arrive.
@Suite("Scheduling end to end", .serialized)
struct SchedulingEndToEndTests {
    static let lanToken = "lan-xa-a-secret"
    static let districtToken = "huyen-supervisor-secret"
    static let rescueToken = "ban-chi-huy-emergency"

    /// A running daemon with three token operators:
    /// Lan (operator, commune A), the district (supervisor, whole province), rescue (emergency, commune A).
    struct Station {
        let dir: TemporaryDirectory
        let daemon: DaemonProcess
        let socket: String

        /// - Parameters:
        ///   - link: extra `[link]` settings, written once the directory exists.
        ///   - extra: more configuration tables, e.g. `[live]`.
        ///   - schedule: extra `[schedule]` settings.
        ///   - logLevel: the daemon's log level.
        init(link: (TemporaryDirectory) throws -> String = { _ in "" }, extra: String = "", schedule: String = "", logLevel: String = "info") throws {
            dir = try TemporaryDirectory()
            func hash(_ token: String) -> String { SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined() }
            let (config, socket) = try DaemonLifecycleTests.writeConfig(
                dir,
                extra: """
                    [tts]
                    max_characters = 300
                    [schedule]
                    replan_interval_seconds = 5
                    \(schedule)
                    [[operators]]
                    name = "Lan"
                    token_sha256 = "\(hash(SchedulingEndToEndTests.lanToken))"
                    zones = ["tinh/xa-a"]
                    [[operators]]
                    name = "Huyện"
                    token_sha256 = "\(hash(SchedulingEndToEndTests.districtToken))"
                    roles = ["operator", "supervisor"]
                    zones = ["tinh"]
                    [[operators]]
                    name = "Ban chỉ huy"
                    token_sha256 = "\(hash(SchedulingEndToEndTests.rescueToken))"
                    roles = ["emergency"]
                    zones = ["tinh/xa-a"]
                    \(extra)
                    """, link: try link(dir), logLevel: logLevel)
            self.socket = socket
            daemon = try DaemonProcess(config: config, socketPath: socket, directory: dir)
            try daemon.notify.waitFor("READY=1")
        }

        /// Runs `commcast` as the test's own user (the administrator), or with an operator's token.
        /// Imports clusters from `rows` (`id,name,zone` lines, zones existing) and returns
        /// the file of their credentials, for `commcast-sim --credentials`.
        func importClusters(_ rows: [String]) throws -> URL {
            let csv = dir.file("clusters.csv")
            try (["id,name,zone"] + rows).joined(separator: "\n").write(to: csv, atomically: true, encoding: .utf8)
            let credentials = dir.file("credentials.csv")
            #expect(try commcast(["cluster", "import", csv.path, "--credentials", credentials.path]).status == 0)
            return credentials
        }

        /// `count` clusters `a0`, `a1`, … named "Cụm N" in `zone`.
        static func clusterRows(_ count: Int, id: String = "a", name: String = "Cụm ", zone: String = "tinh/xa-a") -> [String] {
            (0..<count).map { "\(id)\($0),\(name)\($0),\(zone)" }
        }

        func commcast(_ args: [String], token: String? = nil, stdin: Data? = nil) throws -> ExternalTools.Result {
            var env = ProcessInfo.processInfo.environment
            env["COMMCAST_SOCKET"] = socket
            env.removeValue(forKey: "COMMCAST_TOKEN")
            if let token { env["COMMCAST_TOKEN"] = token }
            return try ExternalTools.run(try BuiltProducts.path("commcast"), args, environment: env, stdin: stdin, timeout: .seconds(120))
        }

        func json(_ args: [String], token: String? = nil) throws -> Any {
            let r = try commcast(args + ["--json"], token: token)
            guard r.status == 0 else { throw ExternalTools.Failure("commcast \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
            return try JSONSerialization.jsonObject(with: r.stdout)
        }

        func bulletinCount() throws -> Int { (try json(["bulletin", "list"]) as? [Any])?.count ?? -1 }

        func stop() {
            daemon.stop()
            dir.remove()
        }
    }

    /// `date` as the CLI's `--at` takes it: the station's time (Vietnam), to the second,
    /// or to the minute.
    static func stationTime(_ date: Date, seconds: Bool = true) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let minute = String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
        return seconds ? minute + String(format: ":%02d", c.second!) : minute
    }

    static func speechWAV(_ dir: TemporaryDirectory, seconds: Double = 4) throws -> URL {
        let url = dir.file("bulletin-\(Int(seconds)).wav")
        try WAVWriter.make(channels: [TestSignals.speechLike(seconds: seconds, sampleRate: 16_000)], sampleRate: 16_000, format: .pcm16)
            .write(to: url)
        return url
    }

    @Test func zonesAndClustersFromCSV() throws {
        let station = try Station()
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents"]).status == 0)
        #expect(try station.commcast(["zone", "add", "tinh/xa-b/ap-1", "--parents", "--quiet", "21:00-05:30"]).status == 0)
        let tree = try station.commcast(["zone", "tree"])
        #expect(tree.stdoutText.contains("ap-1"), "\(tree.stdoutText)")
        // "none" switches the station's quiet hours off for a new zone; no option inherits them.
        #expect(try station.commcast(["zone", "add", "tinh/xa-d", "--quiet", "none"]).status == 0)
        let zones = try station.commcast(["zone", "list"]).stdoutText.split(separator: "\n")
        #expect(zones.contains { $0.hasPrefix("tinh/xa-d ") && $0.hasSuffix("none") }, "\(zones)")
        #expect(zones.contains { $0.hasPrefix("tinh/xa-a ") && $0.hasSuffix("inherit") }, "\(zones)")

        // A file with a bad row: the line is named and nothing is imported.
        let bad = station.dir.file("bad.csv")
        try "id,name,zone,latitude,longitude,tags\na1,Cụm chợ,tinh/xa-a,11.5,106.9,chợ\na2,Cụm trường,tinh/xa-a,95,106.9,\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let refused = try station.commcast(["cluster", "import", bad.path])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("line 3") && refused.stderr.contains("latitude"), "\(refused.stderr)")
        #expect((try station.json(["cluster", "list"]) as? [Any])?.count == 0, "nothing half-imported")

        // A file naming a zone that does not exist: refused too, unless asked to create zones.
        let good = station.dir.file("good.csv")
        try """
        id,name,zone,latitude,longitude,tags
        a1,"Cụm chợ, ấp 1",tinh/xa-a,11.5,106.9,chợ;đông người
        a2,Cụm trường,tinh/xa-a,,,
        b1,Cụm ấp 1,tinh/xa-b/ap-1,11.6,106.8,
        c1,Cụm mới,tinh/xa-c,11.7,106.7,

        """.write(to: good, atomically: true, encoding: .utf8)
        let unknownZone = try station.commcast(["cluster", "import", good.path])
        #expect(unknownZone.status == 65)
        #expect(unknownZone.stderr.contains("line 5: zone: got tinh/xa-c, expected an existing zone"), "\(unknownZone.stderr)")
        #expect(try station.commcast(["cluster", "import", good.path, "--create-zones"]).status == 0)

        // Round trip through export.
        let exported = try station.commcast(["cluster", "export"])
        let rows = try ClusterCSV.parse(exported.stdoutText)
        #expect(rows.map(\.cluster.id) == ["a1", "a2", "b1", "c1"])
        #expect(rows.first?.cluster.name == "Cụm chợ, ấp 1")
        #expect(rows.first?.cluster.tags == ["chợ", "đông người"])

        // Move, show, remove; a supervisor of the province may, Lan (no supervisor role) may not.
        #expect(try station.commcast(["cluster", "move", "c1", "tinh/xa-b"], token: Self.districtToken).status == 0)
        let show = try station.json(["cluster", "show", "c1"]) as? [String: Any]
        let shown = (show?["status"] as? [String: Any])?["cluster"] as? [String: Any]
        #expect(shown?["zone_path"] as? String == "tinh/xa-b", "\(String(describing: show))")
        let lanMove = try station.commcast(["cluster", "move", "a1", "tinh/xa-a"], token: Self.lanToken)
        #expect(lanMove.status == 77, "\(lanMove.stderr)")
        #expect(lanMove.stderr.contains("supervisor"), "\(lanMove.stderr)")
        #expect(try station.commcast(["cluster", "remove", "c1"]).status == 0)
        #expect(try station.commcast(["cluster", "show", "c1"]).status != 0)
        // A zone with clusters is not removed from under them.
        let zoneRemove = try station.commcast(["zone", "remove", "tinh/xa-a"])
        #expect(zoneRemove.status != 0 && zoneRemove.stderr.contains("a1") || zoneRemove.stderr.contains("cluster"), "\(zoneRemove.stderr)")
    }

    /// `schedule.approval = "required"` from the CLI: Lan's bulletin waits, she may not
    /// approve it, the district's supervisor does (or rejects one with a reason), and
    /// `bulletin show` says who decided.
    @Test func approvalFromTheCLI() throws {
        let station = try Station(schedule: "approval = \"required\"\nquiet_hours = \"none\"")
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents"]).status == 0)
        #expect(try station.commcast(["cluster", "add", "a1", "--name", "Cụm a1", "--zone", "tinh/xa-a"]).status == 0)
        let wav = try Self.speechWAV(station.dir)
        var ids: [Int] = []
        for title in ["Họp dân", "Sai lịch"] {
            let added = try station.commcast(
                ["bulletin", "add", "--title", title, "--file", wav.path, "--zone", "tinh/xa-a", "--daily", "06:00,17:00"], token: Self.lanToken)
            #expect(added.status == 0, "\(added.stderr)")
            #expect(added.stdoutText.contains("waits for a supervisor's approval"), "\(added.stdoutText)")
            #expect(added.stdoutText.contains("once approved now, 14 airing(s)"), "\(added.stdoutText)")
            ids.append(try #require(Int(added.stdoutText.split(separator: "#")[1].prefix { $0.isNumber })))
        }
        let pending = try station.commcast(["bulletin", "list", "--state", "pending"]).stdoutText
        #expect(pending.contains("Họp dân") && pending.contains("Sai lịch"), "\(pending)")

        let own = try station.commcast(["bulletin", "approve", "\(ids[0])"], token: Self.lanToken)
        #expect(own.status == 77 && own.stderr.contains("needs the supervisor role"), "\(own.status) \(own.stderr)")
        let approved = try station.commcast(["bulletin", "approve", "\(ids[0])"], token: Self.districtToken)
        #expect(approved.status == 0 && approved.stdoutText.contains("is now active"), "\(approved.stderr)")
        let noReason = try station.commcast(["bulletin", "reject", "\(ids[1])"], token: Self.districtToken)
        #expect(noReason.status != 0 && noReason.stderr.contains("--reason"), "\(noReason.stderr)")
        let rejected = try station.commcast(["bulletin", "reject", "\(ids[1])", "--reason", "Trùng giờ họp"], token: Self.districtToken)
        #expect(rejected.status == 0 && rejected.stdoutText.contains("is now rejected"), "\(rejected.stderr)")
        let shown = try station.commcast(["bulletin", "show", "\(ids[1])"]).stdoutText
        #expect(shown.contains("review    rejected by Huyện") && shown.contains("Trùng giờ họp"), "\(shown)")
        let again = try station.commcast(["bulletin", "approve", "\(ids[1])"], token: Self.districtToken)
        #expect(again.status != 0 && again.stderr.contains("only a pending bulletin"), "\(again.stderr)")
        let audit = try station.commcast(["audit"]).stdoutText
        #expect(audit.contains("bulletin.approve") && audit.contains("bulletin.reject"), "\(audit)")
    }

    @Test func bulletinsScopesValidationAndPlan() throws {
        let station = try Station()
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents"]).status == 0)
        #expect(try station.commcast(["zone", "add", "tinh/xa-b"]).status == 0)
        for (id, zone) in [("a1", "tinh/xa-a"), ("a2", "tinh/xa-a"), ("b1", "tinh/xa-b")] {
            #expect(try station.commcast(["cluster", "add", id, "--name", "Cụm \(id)", "--zone", zone]).status == 0)
        }
        let wav = try Self.speechWAV(station.dir)

        // Lan queues the classic 06:00 and 17:00 rhythm into her commune from a recording.
        let added =
            try station.json(
                [
                    "bulletin", "add", "--title", "Lịch tiêm chủng", "--file", wav.path,
                    "--zone", "tinh/xa-a", "--daily", "06:00,17:00",
                ], token: Self.lanToken) as? [String: Any]
        let lanBulletin = try #require(added?["id"] as? Int)
        #expect(added?["author"] as? String == "Lan")
        #expect(abs((added?["duration_seconds"] as? Double ?? 0) - 4) < 0.1)

        // The district queues a text bulletin into commune B through the TTS hook (espeak-ng).
        let text =
            try station.json(
                [
                    "bulletin", "add", "--title", "Thông báo PCCC",
                    "--text", "UBND xã thông báo: kiểm tra PCCC lúc 7h30 ngày 24/11/2026.",
                    "--zone", "tinh/xa-b", "--daily", "08:00",
                ], token: Self.districtToken) as? [String: Any]
        let districtBulletin = try #require(text?["id"] as? Int)
        #expect((text?["duration_seconds"] as? Double ?? 0) > 2, "synthesised speech of a sentence")
        #expect(text?["source_kind"] as? String == "text")

        // Scope: Lan cannot queue to, cancel, pause or emergency-queue outside her rights; nothing changes.
        let before = try station.bulletinCount()
        let intoB = try station.commcast(
            ["bulletin", "add", "--title", "x", "--file", wav.path, "--zone", "tinh/xa-b", "--daily", "06:00"],
            token: Self.lanToken)
        #expect(intoB.status == 77)
        #expect(intoB.stderr.contains("tinh/xa-b"), "\(intoB.stderr)")
        let clusterInB = try station.commcast(
            ["bulletin", "add", "--title", "x", "--file", wav.path, "--cluster", "b1", "--daily", "06:00"],
            token: Self.lanToken)
        #expect(clusterInB.status == 77, "\(clusterInB.stderr)")
        for verb in ["cancel", "pause"] {
            let r = try station.commcast(["bulletin", verb, "\(districtBulletin)"], token: Self.lanToken)
            #expect(r.status == 77, "\(verb): \(r.stderr)")
        }
        let emergency = try station.commcast(
            [
                "bulletin", "add", "--title", "x", "--file", wav.path, "--zone", "tinh/xa-a",
                "--level", "emergency", "--daily", "06:00",
            ], token: Self.lanToken)
        #expect(emergency.status == 77)
        #expect(emergency.stderr.contains("emergency role"), "\(emergency.stderr)")
        #expect(try station.bulletinCount() == before)
        let stateOfB = try station.json(["bulletin", "show", "\(districtBulletin)"]) as? [String: Any]
        #expect(stateOfB?["state"] as? String == "active")
        // Lan does not even see commune B's bulletins.
        let lanList = try station.json(["bulletin", "list"], token: Self.lanToken) as? [[String: Any]]
        #expect(lanList?.compactMap { $0["id"] as? Int } == [lanBulletin])

        // The emergency role may queue emergency level in its commune.
        let alarm = try station.commcast(
            [
                "bulletin", "add", "--title", "Lũ quét", "--file", wav.path, "--zone", "tinh/xa-a",
                "--level", "emergency", "--daily", "23:30",
            ], token: Self.rescueToken)
        #expect(alarm.status == 0, "\(alarm.stderr)")

        // Validation up front: each names the problem, exits 65 and creates nothing.
        let count = try station.bulletinCount()
        let junk = station.dir.file("junk.wav")
        try Data((0..<6000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: junk)
        let cases: [(args: [String], says: String)] = [
            (["--file", wav.path, "--zone", "tinh/khong-co", "--daily", "06:00"], "zone: got tinh/khong-co, expected an existing zone"),
            (["--file", wav.path, "--cluster", "zz9", "--daily", "06:00"], "zz9"),
            (["--file", wav.path, "--zone", "tinh/xa-a", "--at", "2020-01-01 06:00"], "in the future"),
            (["--file", wav.path, "--zone", "tinh/xa-a", "--every", "10", "--window", "10:00-10:00"], "empty window"),
            (["--file", wav.path, "--zone", "tinh/xa-a", "--daily", "06:00", "--from", "2030-12-10", "--until", "2030-12-01"], "until"),
            (["--file", wav.path, "--zone", "tinh/xa-a", "--daily", "25:00"], "25:00"),
            (["--file", junk.path, "--zone", "tinh/xa-a", "--daily", "06:00"], "junk.wav"),
            (["--text", "  ", "--zone", "tinh/xa-a", "--daily", "06:00"], "text: empty, expected something for the voice to read"),
            (
                ["--text", String(repeating: "bản tin ", count: 50), "--zone", "tinh/xa-a", "--daily", "06:00"],
                "text: 399 characters, expected at most 300"
            ),
            (["--text", "🙂🙂 !!!", "--zone", "tinh/xa-a", "--daily", "06:00"], "has nothing to speak"),
            (["--file", wav.path, "--zone", "tinh/xa-a", "--daily", "06:00", "--times", "-1"], "times: got -1, expected at least 1"),
            (["--file", wav.path, "--zone", "tinh/xa-a", "--every", "-5", "--window", "07:00-09:00"], "every: got -5 minutes"),
        ]
        for c in cases {
            let r = try station.commcast(["bulletin", "add", "--title", "x"] + c.args)
            #expect(r.status == 65, "\(c.args): exit \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(c.says), "\(c.args): \(r.stderr)")
        }
        #expect(try station.bulletinCount() == count)

        // A normal bulletin that would air only in quiet hours is refused with the way out, and nothing is stored.
        let never = try station.commcast(["bulletin", "add", "--title", "Nhạc tối", "--file", wav.path, "--zone", "tinh/xa-b", "--daily", "23:00"])
        #expect(never.status == 65, "\(never.stderr)")
        #expect(never.stderr.contains("quiet hours") && never.stderr.contains("--level emergency"), "\(never.stderr)")
        #expect(try station.bulletinCount() == count)

        // The plan for tomorrow: Lan's bulletin twice on each of her clusters, the text one at 08:00 on b1,
        // the emergency at 23:30 despite quiet hours; a normal one at 21:00 and 23:00 airs at 21:00 and
        // is held back at 23:00 with the reason, as the warning said when it was queued.
        let partly = try station.commcast([
            "bulletin", "add", "--title", "Nhạc tối", "--file", wav.path, "--zone", "tinh/xa-b",
            "--daily", "21:00,23:00",
        ])
        #expect(partly.status == 0, "\(partly.stderr)")
        #expect(partly.stdoutText.contains("airing(s) on 1 cluster(s)"), "\(partly.stdoutText)")
        #expect(partly.stderr.contains("will not air") && partly.stderr.contains("quiet hours"), "\(partly.stderr)")
        let quietID = try #require(
            partly.stdoutText.split(separator: "#").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) },
            "\(partly.stdoutText)")
        // --until reads back as the day typed, not as the midnight after it.
        var vietnam = Calendar(identifier: .gregorian)
        vietnam.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let lastDay = vietnam.date(byAdding: .day, value: 3, to: Date())!
        let lastDayText = String(
            format: "%04d-%02d-%02d", vietnam.component(.year, from: lastDay), vietnam.component(.month, from: lastDay),
            vietnam.component(.day, from: lastDay))
        let dated = try station.commcast([
            "bulletin", "add", "--title", "Có hạn", "--file", wav.path, "--zone", "tinh/xa-a", "--daily", "09:00", "--until", lastDayText,
        ])
        #expect(dated.status == 0, "\(dated.stderr)")
        let datedID = dated.stdoutText.split(separator: "#").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) } ?? -1
        let shown = try station.commcast(["bulletin", "show", "\(datedID)"]).stdoutText
        #expect(shown.contains("until \(lastDayText)") && !shown.contains("until \(lastDayText) "), "\(shown)")
        #expect(try station.commcast(["bulletin", "cancel", "\(datedID)"]).status == 0)
        let plan = try #require(try station.json(["schedule", "--day", "tomorrow"]) as? [String: Any])
        #expect(plan["time_zone"] as? String == "Asia/Ho_Chi_Minh")
        let airings = plan["airings"] as? [[String: Any]] ?? []
        func slots(_ bulletin: Int) -> [String] {
            airings.filter { $0["bulletin_id"] as? Int == bulletin }.map { "\($0["cluster_id"]!)" }.sorted()
        }
        #expect(slots(lanBulletin) == ["a1", "a1", "a2", "a2"])
        #expect(slots(districtBulletin) == ["b1"])
        #expect(airings.filter { $0["level"] as? String == "emergency" }.count == 2, "emergency passes quiet hours")
        let skipped = plan["skipped"] as? [[String: Any]] ?? []
        #expect(skipped.count == 1)
        #expect(skipped.first?["bulletin_id"] as? Int == quietID)
        #expect((skipped.first?["reason"] as? String)?.contains("quiet hours 22:00–05:00") == true, "\(skipped)")
        let table = try station.commcast(["schedule", "--day", "tomorrow", "--zone", "tinh/xa-b"])
        #expect(table.stdoutText.contains("Thông báo PCCC") && table.stdoutText.contains("quiet hours"), "\(table.stdoutText)")
        #expect(!table.stdoutText.contains("Lịch tiêm chủng"), "filtered to commune B")

        // Pause takes a bulletin out of the plan, resume puts it back.
        #expect(try station.commcast(["bulletin", "pause", "\(lanBulletin)"], token: Self.lanToken).status == 0)
        let paused = try #require(try station.json(["schedule", "--day", "tomorrow"]) as? [String: Any])
        #expect((paused["airings"] as? [[String: Any]] ?? []).allSatisfy { $0["bulletin_id"] as? Int != lanBulletin })
        #expect(try station.commcast(["bulletin", "resume", "\(lanBulletin)"], token: Self.lanToken).status == 0)
        #expect(try station.commcast(["bulletin", "cancel", "\(quietID)"]).status == 0)
        let cancelled = try station.json(["bulletin", "show", "\(quietID)"]) as? [String: Any]
        #expect(cancelled?["state"] as? String == "cancelled")

        // The audit log: who, what, from where; the supervisor may read it, Lan may not.
        let audit = try #require(try station.json(["audit", "--limit", "100"], token: Self.districtToken) as? [[String: Any]])
        let lanAdds = audit.filter { $0["actor"] as? String == "Lan" && $0["action"] as? String == "bulletin.add" }
        #expect(lanAdds.count == 1)
        #expect((lanAdds.first?["origin"] as? String)?.contains("token") == true)
        #expect(audit.contains { $0["action"] as? String == "bulletin.pause" && $0["target"] as? String == "bulletin #\(lanBulletin)" })
        #expect(audit.contains { $0["action"] as? String == "bulletin.cancel" })
        #expect(
            !audit.contains {
                ($0["action"] as? String)?.hasPrefix("bulletin.") == true && $0["actor"] as? String == "Lan"
                    && $0["target"] as? String == "bulletin #\(districtBulletin)"
            }, "refused actions change nothing")
        #expect(try station.commcast(["audit"], token: Self.lanToken).status == 77)
        #expect(try station.commcast(["status"], token: "not-a-token").status == 77)
    }

    @Test func airingCountsFromReceipts() throws {
        let station = try Station()
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents"]).status == 0)
        for id in ["a1", "a2"] {
            #expect(try station.commcast(["cluster", "add", id, "--name", id, "--zone", "tinh/xa-a"]).status == 0)
        }
        let wav = try Self.speechWAV(station.dir, seconds: 6)
        let added =
            try station.json([
                "bulletin", "add", "--title", "Tin sáng", "--file", wav.path, "--zone", "tinh/xa-a",
                "--daily", "06:00,17:00",
            ]) as? [String: Any]
        let bulletin = try #require(added?["id"] as? Int64)

        // The scheduler stores the next 24 h of airings: two per cluster. Wait for it, with a deadline.
        let db = try CommcastDatabase(path: station.dir.file("state/commcast.sqlite").path, logger: Logger(label: "test"))
        let now = Date()
        // The daemon is another process; there is no event to wait on but the rows themselves.
        let airings = try blockingWaitFor("the scheduler stored four airings; log:\n\(station.daemon.log)") { () -> [AiringRecord]? in
            let rows = try db.airings(from: now.addingTimeInterval(-60), to: now.addingTimeInterval(25 * 3600)).filter { $0.bulletinID == bulletin }
            return rows.count >= 4 ? rows : nil
        }
        try #require(airings.count == 4, "scheduler stored \(airings.count) airings; log:\n\(station.daemon.log)")

        // Receipts: three complete (each sent twice, as a retry after a lost ack would), one is interrupted.
        for a in airings.prefix(3) {
            for _ in 0..<2 {
                try db.recordReceipt(.init(receiptID: "s-\(a.id)", airingID: a.id, kind: .started, at: a.plannedAt), receivedAt: now)
                try db.recordReceipt(
                    .init(receiptID: "c-\(a.id)", airingID: a.id, kind: .completed, at: a.plannedAt.addingTimeInterval(6)), receivedAt: now)
            }
        }
        let last = airings[3]
        try db.recordReceipt(.init(receiptID: "s-\(last.id)", airingID: last.id, kind: .started, at: last.plannedAt), receivedAt: now)
        try db.recordReceipt(
            .init(
                receiptID: "i-\(last.id)", airingID: last.id, kind: .interrupted, at: last.plannedAt.addingTimeInterval(3),
                reason: "power cut"), receivedAt: now)

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        func day(_ offset: Int) -> String {
            let d = calendar.dateComponents([.year, .month, .day], from: calendar.date(byAdding: .day, value: offset, to: now)!)
            return String(format: "%04d-%02d-%02d", d.year!, d.month!, d.day!)
        }
        let report = try #require(
            try station.json(["stats", "--since", day(0), "--until", day(1), "--by", "bulletin", "--format", "json"])
                as? [String: Any])
        let total = try #require(report["total"] as? [String: Any])
        #expect(report["bulletins_produced"] as? Int == 1)
        #expect(total["planned"] as? Int == 4)
        #expect(total["aired"] as? Int == 4)
        #expect(total["completed"] as? Int == 3)
        #expect(total["interrupted"] as? Int == 1)
        #expect(abs((total["minutes_aired"] as? Double ?? 0) - 0.35) < 0.001, "3 × 6 s + 3 s = 21 s")
        #expect(total["completion_share"] as? Double == 0.75)

        let csv = try station.commcast(["stats", "--since", day(0), "--until", day(1), "--by", "cluster", "--format", "csv"])
        let lines = csv.stdoutText.split(separator: "\n")
        #expect(lines.count == 3 + 1, "header, a1, a2, total: \(csv.stdoutText)")
        #expect(lines.contains { $0.hasPrefix("a1,") } && lines.contains { $0.hasPrefix("a2,") })
        let human = try station.commcast(["stats", "--since", day(0), "--until", day(1)])
        #expect(human.stdoutText.contains("bulletins produced: 1"), "\(human.stdoutText)")
        #expect(human.stdoutText.contains("aired 4 times"), "\(human.stdoutText)")
    }
}
