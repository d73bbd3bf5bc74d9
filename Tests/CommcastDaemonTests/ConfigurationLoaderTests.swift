import CommcastCore
import CommcastDaemon
import Foundation
import Logging
import TestSupport
import Testing

/// A user database with the accounts a station host has, for parsing tests on any machine.
struct StationAccounts: AccountDirectory {
    let users = ["root": UInt32(0), "commcast": 998, "lan": 1001]
    let groups = ["root": UInt32(0), "commcast": 998, "commcast-ops": 990]
    func userID(named name: String) -> UInt32? { users[name] }
    func groupID(named name: String) -> UInt32? { groups[name] }
    func userName(for uid: UInt32) -> String? { users.first { $0.value == uid }?.key }
    func groupIDs(forUser name: String, primaryGroup: UInt32) -> [UInt32] { [primaryGroup] }
}

@Suite("Configuration")
struct ConfigurationLoaderTests {
    let loader = ConfigurationLoader(accounts: StationAccounts())

    @Test("quiet hours from a time to the same time are refused; none says none")
    func emptyQuietSpanRefused() {
        let (_, problems) = loader.parse("[schedule]\nquiet_hours = \"22:00-22:00\"")
        #expect(problems.map(\.key) == ["schedule.quiet_hours"])
        #expect(problems.first?.message.contains("two different times") == true)
        let (config, none) = loader.parse("[schedule]\nquiet_hours = \"none\"")
        #expect(none.isEmpty && config.schedule.quietHours == nil)
    }

    @Test("schedule.approval takes none or required, and names the choices otherwise")
    func approvalSetting() {
        #expect(loader.parse("").0.schedule.approval == .none)
        let (config, problems) = loader.parse("[schedule]\napproval = \"required\"")
        #expect(problems.isEmpty && config.schedule.approval == .required)
        let (_, bad) = loader.parse("[schedule]\napproval = \"yes\"")
        #expect(bad.map(\.key) == ["schedule.approval"])
        #expect(bad.first?.message.contains("\"none\" or \"required\"") == true)
    }

    @Test("an unknown key is named with every key its section takes, learnt from the parser itself")
    func unknownKeysListWhatTheSectionTakes() {
        let text = """
            [daemon]
            colour = "blue"
            [[operators]]
            nick = "lan"
            [[relay]]
            name = "vov1"
            volume = 3
            """
        let (_, problems) = loader.parse(text)
        let byKey = Dictionary(grouping: problems, by: \.key)
        #expect(byKey["daemon.colour"]?.first?.message == "unknown key; [daemon] takes state_directory, log_level, timezone")
        // An operator without a name still teaches the reader every key [[operators]] takes.
        #expect(byKey["operators[0].nick"]?.first?.message == "unknown key; [[operators]] takes name, unix_user, token_sha256, roles, zones")
        #expect(byKey["relay[0].volume"]?.first?.message == "unknown key; [[relay]] takes name, url, zones, hours, silence_seconds, silence_dbfs")
        #expect(byKey["operators[0].name"]?.first?.message == "required")
    }

    static var exampleFile: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/commcastd.toml")
    }

    @Test func exampleFileIsValidAndMatchesDefaults() throws {
        let text = try String(contentsOf: Self.exampleFile, encoding: .utf8)
        let (config, problems) = loader.parse(text)
        #expect(problems.isEmpty, "\(problems)")
        var expected = DaemonConfiguration()
        expected.control.socketGroup = "commcast-ops"
        expected.control.allowedGroups = ["commcast-ops"]
        #expect(config == expected, "the example documents the defaults")
    }

    @Test func emptyFileGivesEmbeddedDefault() {
        let (config, problems) = loader.parse("")
        #expect(problems.isEmpty)
        #expect(config == .embeddedDefault)
    }

    @Test func everyProblemIsNamed() {
        let text = """
            colour = "blue"
            [daemon]
            log_level = "loud"
            timezone = "Mars/Olympus"
            stat_directory = "/tmp"
            [control]
            socket_mode = "0666"
            socket_group = "wheel"
            allowed_users = ["lan", "ghost"]
            [ingest]
            bitrate_kbps = 900
            complexity = "high"
            target_lufs = 3
            max_duration_seconds = -5
            fec = 1
            """
        let (_, problems) = loader.parse(text)
        let byKey = Dictionary(grouping: problems, by: \.key)
        #expect(byKey["colour"]?.first?.message.contains("unknown") == true)
        #expect(byKey["daemon.log_level"]?.first?.value == "\"loud\"")
        #expect(byKey["daemon.timezone"]?.first?.message.contains("IANA") == true)
        #expect(byKey["daemon.stat_directory"]?.first?.message.contains("state_directory") == true, "suggests the known keys")
        #expect(byKey["control.socket_mode"]?.first?.message.contains("world-write") == true)
        // The example configuration names a group that may not exist yet: say how to make it.
        #expect(
            byKey["control.socket_group"]?.first?.message
                == "no such group on this machine; expected an existing group: create it with `groupadd --system wheel` and add each operator with `usermod -aG wheel USER`"
        )
        #expect(byKey["control.allowed_users"]?.map(\.value) == ["\"ghost\""])
        #expect(byKey["ingest.bitrate_kbps"]?.first?.value == "900")
        #expect(byKey["ingest.complexity"]?.first?.message == "expected an integer")
        #expect(byKey["ingest.target_lufs"] != nil)
        #expect(byKey["ingest.max_duration_seconds"] != nil)
        #expect(byKey["ingest.fec"]?.first?.message == "expected true or false")
        #expect(problems.count == 12, "\(problems.map(\.description).joined(separator: "\n"))")
    }

    @Test func scheduleTTSAndOperatorProblemsAreNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("commcast-abbr-\(UUID().uuidString)")
        try "BQL = ban quản lý\nnot a pair\n".write(to: dir, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = """
            [schedule]
            quiet_hours = "25:00-05:00"
            horizon_hours = 0
            max_shift_minutes = 9999
            [tts]
            command = []
            rate = 5
            dialect = "central"
            abbreviations_file = "\(dir.path)"
            [[operators]]
            name = "Lan"
            unix_user = "ghost"
            roles = ["operator", "boss"]
            zones = ["tinh/xa-a/"]
            [[operators]]
            name = "Lan"
            token_sha256 = "abc"
            zones = []
            colour = 1
            [[operators]]
            zones = ["tinh"]
            """
        let (_, problems) = loader.parse(text)
        let byKey = Dictionary(grouping: problems, by: \.key)
        #expect(byKey["schedule.quiet_hours"]?.first?.value == "\"25:00-05:00\"")
        #expect(byKey["schedule.horizon_hours"]?.first?.message == "expected 1 to 168")
        #expect(byKey["schedule.max_shift_minutes"]?.first?.value == "9999")
        #expect(byKey["tts.command"] != nil)
        #expect(byKey["tts.rate"]?.first?.message.contains("words per minute") == true)
        #expect(byKey["tts.dialect"]?.first?.message == "expected southern or northern")
        #expect(byKey["tts.abbreviations_file"]?.first?.message.contains("line 2") == true, "\(problems)")
        #expect(byKey["operators[0].unix_user"]?.first?.value == "\"ghost\"")
        #expect(byKey["operators[0].roles"]?.first?.value == "\"boss\"")
        #expect(byKey["operators[0].zones"]?.first?.value == "\"tinh/xa-a/\"")
        #expect(byKey["operators[1].name"]?.first?.message == "repeats an earlier operator")
        #expect(byKey["operators[1].token_sha256"]?.first?.message.contains("64 hex digits") == true)
        #expect(byKey["operators[1].colour"] != nil)
        #expect(byKey["operators[2].name"]?.first?.message == "required")
        // An operator with neither unix_user nor token_sha256 is a console-only one: no problem.
        #expect(problems.count == 16, "\(problems.map(\.description).joined(separator: "\n"))")
    }

    @Test("what toml++ aborts on — a control character, a header starting outside ASCII — is refused first, with its place")
    func controlCharactersAreRefusedFirst() {
        // Found by fuzzing (Fuzz/Crashes/configuration/toml-nul-in-key): this aborted the process.
        let (_, problems) = loader.parse("[link]\nport = 7470\n[[operators]]\nname {\u{0}\u{0}=\u{0}n\"\n")
        #expect(problems.map(\.message) == ["line 4, column 7: control character U+0000, expected text (TOML allows only tab and line breaks)"])
        #expect(loader.parse("[daemon]\r\nlog_level = \"info\"\t# tab and CRLF are fine\r\n").1.isEmpty)
        #expect(loader.parse("[daemon]\nlog_level = \"in\u{7F}fo\"\n").1.first?.message.contains("U+007F") == true)
        // A header starting with a Vietnamese letter aborted the process too (Fuzz/Crashes/configuration/toml-header-not-ascii).
        let headers = [
            ("[đài]", "đ"), ("[ ệ]", "ệ"), ("[[ư]]", "ư"), ("[ü", "ü"), ("[.a]", "."), ("[=]", "="), ("[#]", "#"), ("[[[a]]]", "["),
            ("[[ [a]]", "["), ("[\r\rl:n]", "\\r"),
        ]
        for (header, first) in headers {
            #expect(
                loader.parse("[link]\nport = 7470\n\(header)\n").1.map(\.message)
                    == ["line 3: a section name starting with \"\(first)\", expected one in ASCII letters, digits, - or _, such as [link]"])
        }
        #expect(loader.parse("[link]\n[\n").1.map(\.message) == ["line 2: a section header with no name, expected one such as [link]"])
        #expect(loader.parse("[link]\r\n[\r\n").1.map(\.message) == ["line 2: a section header with no name, expected one such as [link]"])
        #expect(loader.parse("[link]\r\nport = 7470\r\n").1.isEmpty, "CRLF files are fine")
        #expect(loader.parse("[[operators]]\nname = \"Chị Lan\"\n[\"web\"]\n[ link ]\n").1.contains { $0.message.contains("section") } == false)
    }

    @Test func webSettingsAreCheckedAndNamed() {
        let (config, none) = loader.parse("[web]\nlisten_address = \"0.0.0.0\"\nport = 8443\nsession_idle_minutes = 10\n")
        #expect(none.isEmpty, "\(none)")
        #expect(config.web.listenAddress == "0.0.0.0" && config.web.port == 8443 && config.web.sessionIdleMinutes == 10)
        #expect(DaemonConfiguration().web.listenAddress == "127.0.0.1" && DaemonConfiguration().web.port == 7480)
        let (_, bad) = loader.parse(
            "[web]\nport = 70000\ntls_certificate = \"/etc/ssl/certs/web.pem\"\nsession_idle_minutes = 0\nsession_max_hours = 1000\n")
        #expect(bad.map(\.key) == ["web.port", "web.tls_key", "web.session_idle_minutes", "web.session_max_hours"], "\(bad)")
        #expect(bad.first?.message == "expected -1 (off) or 0 to 65535")
        #expect(loader.parse("[web]\nport = -1\n").0.web.enabled == false)
    }

    @Test func metricsAreOffByDefaultAndOnLoopbackWhenOn() {
        #expect(DaemonConfiguration().metrics.enabled == false)
        let (config, none) = loader.parse("[metrics]\nport = 9464\n")
        #expect(none.isEmpty, "\(none)")
        #expect(config.metrics.enabled && config.metrics.port == 9464 && config.metrics.listenAddress == "127.0.0.1")
        let (_, bad) = loader.parse("[metrics]\nport = 99999\nlisten_address = \"\"\npath = \"/m\"\n")
        #expect(bad.map(\.key) == ["metrics.listen_address", "metrics.port", "metrics.path"], "\(bad)")
        #expect(bad.first(where: { $0.key == "metrics.port" })?.message == "expected -1 (off) or 0 to 65535")
    }

    @Test func liveSettingsAreCheckedAndNamed() {
        let (config, problems) = loader.parse("[live]\njitter_ms = 200\nemergency_volume = -1\nmicrophone = \"hw:1,0\"\nframes_per_write = 2\n")
        #expect(problems.isEmpty, "\(problems)")
        #expect(config.live.framesPerWrite == 2)
        #expect(config.live.jitterMilliseconds == 200 && config.live.emergencyVolume == nil && config.live.microphone == "hw:1,0")
        let (_, bad) = loader.parse("[live]\njitter_ms = 5\nemergency_volume = 140\nsource_timeout_seconds = 0\nbitrate = 1\nmicrophone = \"\"\n")
        #expect(
            bad.map(\.key) == ["live.jitter_ms", "live.emergency_volume", "live.source_timeout_seconds", "live.bitrate", "live.microphone"], "\(bad)")
        #expect(bad.first?.message.contains("expected 20 to 2000") == true)
        // A phone's uplink: its jitter buffer and the grace for a dropped connection.
        let phone = loader.parse("[live]\nuplink_jitter_ms = 150\nreconnect_grace_seconds = 20\n").0.live
        #expect(phone.uplinkJitterMilliseconds == 150 && phone.reconnectGraceSeconds == 20)
        #expect(DaemonConfiguration().live.uplinkJitterMilliseconds == 100 && DaemonConfiguration().live.reconnectGraceSeconds == 10)
        let (_, badPhone) = loader.parse("[live]\nuplink_jitter_ms = 5000\nreconnect_grace_seconds = 0\n")
        #expect(badPhone.map(\.key) == ["live.uplink_jitter_ms", "live.reconnect_grace_seconds"], "\(badPhone)")
        #expect(badPhone.last?.message == "expected 1 to 120")
    }

    @Test func provinceSettingsAreCheckedAndNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let token = dir.file("token")
        try "s3cret\n".write(to: token, atomically: true, encoding: .utf8)
        let (config, problems) = loader.parse(
            """
            [province]
            report_url = "https://httt.example.vn/commcast/v1/events"
            station_id = "xa-a"
            token_file = "\(token.path)"
            batch_size = 200
            webhook_listen = "0.0.0.0:7471"
            webhook_token_sha256 = "\(String(repeating: "AB", count: 32))"
            emergency_policy = "inbox"
            """)
        #expect(problems.isEmpty, "\(problems)")
        #expect(config.province.token == "s3cret" && config.province.batchSize == 200 && config.province.emergencyPolicy == .inbox)
        #expect(config.province.webhookTokenSHA256 == String(repeating: "ab", count: 32))
        let (_, bad) = loader.parse(
            """
            [province]
            report_url = "ftp://x"
            token_file = "/nonexistent/token"
            batch_size = 0
            webhook_listen = "7471"
            emergency_policy = "later"
            """)
        #expect(
            bad.map(\.key) == [
                "province.report_url", "province.token_file", "province.batch_size", "province.webhook_listen",
                "province.emergency_policy",
            ], "\(bad)")
        let (_, unauthenticated) = loader.parse("[province]\nwebhook_listen = \"127.0.0.1:7471\"\n")
        #expect(unauthenticated.map(\.key) == ["province.webhook_token_sha256"], "the webhook never runs without a token")
    }

    @Test func relaysAreCheckedAndNamed() {
        let (config, problems) = loader.parse(
            """
            [[relay]]
            name = "VOV1"
            url = "https://example.vn/vov1.mp3"
            zones = ["tinh/xa-a"]
            hours = "06:00-06:30"
            """)
        #expect(problems.isEmpty, "\(problems)")
        #expect(config.relays.first?.slot == RelaySlot(start: TimeOfDay(hour: 6, minute: 0), end: TimeOfDay(hour: 6, minute: 30)))
        #expect(config.relays.first?.silenceSeconds == 30)
        let (_, bad) = loader.parse(
            """
            [[relay]]
            name = "VOV1"
            url = "ftp://example.vn/x"
            zones = []
            hours = "sáng"
            """)
        #expect(bad.map(\.key) == ["relay[0].url", "relay[0].zones", "relay[0].hours"], "\(bad)")
        #expect(bad.last?.message.contains("06:00-06:30") == true)
    }

    @Test func linkTLSNeedsBothFilesAndReadableOnes() {
        let (_, half) = loader.parse("[link]\ntls_certificate = \"/etc/ssl/certs/link.pem\"\n")
        #expect(half.map(\.key) == ["link.tls_key"], "\(half)")
        #expect(half.first?.message.contains("both tls_certificate and tls_key, or neither") == true)
        let (_, missing) = loader.parse("[link]\ntls_certificate = \"/nonexistent/a.pem\"\ntls_key = \"/nonexistent/a.key\"\n")
        #expect(missing.map(\.key) == ["link.tls_certificate", "link.tls_key"], "\(missing)")
        #expect(missing.allSatisfy { $0.message.contains("readable PEM file") })
        let (config, none) = loader.parse("[link]\nport = 7470\n")
        #expect(none.isEmpty && !config.link.usesTLS)
    }

    @Test func operatorsAreRead() throws {
        let token = String(repeating: "Ab", count: 32)
        let (config, problems) = loader.parse(
            """
            [schedule]
            quiet_hours = "none"
            [[operators]]
            name = "Lan"
            unix_user = "lan"
            zones = [" tinh / xa-a "]
            [[operators]]
            name = "Huyện"
            token_sha256 = "\(token)"
            roles = ["supervisor", "emergency"]
            zones = ["tinh"]
            """)
        #expect(problems.isEmpty, "\(problems)")
        #expect(config.schedule.quietHours == nil)
        #expect(
            config.operators == [
                Operator(name: "Lan", unixUser: "lan", roles: [.operator], zonePaths: ["tinh/xa-a"]),
                Operator(name: "Huyện", tokenSHA256: token.lowercased(), roles: [.supervisor, .emergency], zonePaths: ["tinh"]),
            ])
    }

    @Test func syntaxErrorsGiveTheLine() {
        let (_, problems) = loader.parse("[daemon]\nlog_level = \n")
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("line 2") == true, "\(problems)")
    }

    @Test func longSocketPathsAreRefused() {
        let path = "/" + String(repeating: "x", count: 120)
        let (_, problems) = loader.parse("[control]\nsocket_path = \"\(path)\"")
        #expect(problems.first?.message.contains("at most 107") == true)
    }

    @Test func environmentFallbacks() {
        let config = DaemonConfiguration()
        #expect(config.resolvedStateDirectory(environment: ["STATE_DIRECTORY": "/var/lib/commcast"]).path == "/var/lib/commcast")
        #expect(config.resolvedSocketPath(environment: ["RUNTIME_DIRECTORY": "/run/commcast"]) == "/run/commcast/control.sock")
        #expect(config.resolvedSocketPath(environment: ["STATE_DIRECTORY": "/s"]) == "/s/control.sock")
    }

    @Test("a directory, a device and random bytes are each named for what they are")
    func loadNamesWhatTheFileIs() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let noise = dir.file("noise.toml")
        try Data((0..<512).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) }).write(to: noise)
        for (path, says) in [(dir.url.path, "is a directory"), ("/dev/null", "is not a regular file"), (noise.path, "is not UTF-8 text")] {
            do {
                _ = try loader.load(file: path)
                Issue.record("loaded \(path)")
            } catch {
                #expect(error.description.contains("\(path): \(says)"), "\(error.description)")
            }
        }
    }

    @Test func loadNamesAMissingFile() {
        do {
            _ = try loader.load(file: "/nonexistent/commcastd.toml")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description.contains("/nonexistent/commcastd.toml"))
        }
    }
}
