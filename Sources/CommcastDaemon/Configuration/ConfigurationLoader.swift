import CommcastCore
import Foundation
import Logging
import TOMLKit

/// Reads `commcastd.toml` and reports every unknown key and wrong value at once,
/// so `commcastd --check-config` gives an operator the whole list in one go.
public struct ConfigurationLoader: Sendable {
    /// Where user and group names are resolved.
    public var accounts: any AccountDirectory

    public init(accounts: any AccountDirectory = SystemAccountDirectory()) {
        self.accounts = accounts
    }

    /// Known keys of each section, in the order the example file documents them.
    static let schema: [String: [String]] = [
        "daemon": ["state_directory", "log_level", "timezone"],
        "control": ["socket_path", "socket_mode", "socket_group", "allowed_users", "allowed_groups"],
        "ingest": ["target_lufs", "true_peak_dbtp", "bitrate_kbps", "complexity", "expected_loss_percent",
                   "fec", "max_duration_seconds", "max_input_mb", "ffmpeg_path"],
        "schedule": ["quiet_hours", "horizon_hours", "max_shift_minutes", "replan_interval_seconds", "missed_after_minutes"],
        "tts": ["command", "voice", "rate", "timeout_seconds", "max_characters", "dialect", "abbreviations_file"],
        "operators": ["name", "unix_user", "token_sha256", "roles", "zones"],
        "relay": ["name", "url", "zones", "hours", "silence_seconds", "silence_dbfs"],
        "link": ["listen_address", "port", "heartbeat_seconds", "tls_certificate", "tls_key"],
        "live": ["jitter_ms", "emergency_volume", "source_timeout_seconds", "bitrate", "microphone", "frames_per_write"],
        "health": ["retention_days", "sample_interval_seconds"],
        "province": ["report_url", "station_id", "token_file", "ca_bundle", "batch_size", "interval_seconds", "max_backoff_seconds",
                     "snapshot_interval_seconds", "delivered_retention_days", "webhook_listen", "webhook_token_sha256",
                     "emergency_policy", "max_bulletin_mb"],
    ]

    /// Loads a file, throwing every problem found.
    public func load(file path: String) throws(ConfigurationError) -> DaemonConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: path, problems: [.init(key: "", message: "cannot read \(path): \((error as NSError).localizedDescription)")])
        }
        let (configuration, problems) = parse(text)
        guard problems.isEmpty else { throw ConfigurationError(file: path, problems: problems) }
        return configuration
    }

    /// Parses TOML text into a configuration plus the list of problems (empty when valid).
    /// Problem values fall back to the defaults so the rest can still be checked.
    public func parse(_ text: String) -> (DaemonConfiguration, [ConfigurationProblem]) {
        var config = DaemonConfiguration()
        var reader = Reader()
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            return (config, [.init(key: "", message: "TOML syntax error at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")])
        } catch {
            return (config, [.init(key: "", message: "TOML syntax error: \(error)")])
        }

        for key in root.keys.sorted() where Self.schema[key] == nil {
            reader.problems.append(.init(key: key, message: "unknown section or key; expected one of [daemon], [control], [ingest], [schedule], [tts], [link], [live], [health], [province], [[operators]], [[relay]]"))
        }

        if let t = reader.section(root, "daemon") {
            if let v = reader.string(t, "daemon", "state_directory") { config.daemon.stateDirectory = v }
            if let v = reader.string(t, "daemon", "log_level") {
                if let level = Logger.Level(rawValue: v.lowercased()) {
                    config.daemon.logLevel = level
                } else {
                    reader.problem("daemon.log_level", quoted(v), "expected one of trace, debug, info, notice, warning, error, critical")
                }
            }
            if let v = reader.string(t, "daemon", "timezone") {
                if TimeZone(identifier: v) != nil {
                    config.daemon.timeZone = v
                } else {
                    reader.problem("daemon.timezone", quoted(v), "expected an IANA time zone such as Asia/Ho_Chi_Minh")
                }
            }
        }

        if let t = reader.section(root, "control") {
            if let v = reader.string(t, "control", "socket_path") {
                if v.utf8.count > 107 {
                    reader.problem("control.socket_path", quoted(v), "is \(v.utf8.count) bytes; a Unix socket path must be at most 107")
                } else if !v.isEmpty && !v.hasPrefix("/") {
                    reader.problem("control.socket_path", quoted(v), "expected an absolute path")
                } else {
                    config.control.socketPath = v
                }
            }
            if let v = reader.string(t, "control", "socket_mode") {
                if let mode = UInt16(v, radix: 8), mode <= 0o777 {
                    if mode & 0o002 != 0 {
                        reader.problem("control.socket_mode", quoted(v), "lets every local user connect; expected a mode without the world-write bit, e.g. \"0660\"")
                    } else {
                        config.control.socketMode = mode
                    }
                } else {
                    reader.problem("control.socket_mode", quoted(v), "expected an octal file mode such as \"0660\"")
                }
            }
            if let v = reader.string(t, "control", "socket_group") {
                if v.isEmpty || resolveGroup(v) != nil {
                    config.control.socketGroup = v
                } else {
                    reader.problem("control.socket_group", quoted(v), "no such group on this machine")
                }
            }
            if let users = reader.stringArray(t, "control", "allowed_users") {
                for user in users where resolveUser(user) == nil {
                    reader.problem("control.allowed_users", quoted(user), "no such user on this machine")
                }
                config.control.allowedUsers = users
            }
            if let groups = reader.stringArray(t, "control", "allowed_groups") {
                for group in groups where resolveGroup(group) == nil {
                    reader.problem("control.allowed_groups", quoted(group), "no such group on this machine")
                }
                config.control.allowedGroups = groups
            }
        }

        if let t = reader.section(root, "ingest") {
            var ingest = config.ingest
            if let v = reader.double(t, "ingest", "target_lufs") { ingest.loudness.integratedLUFS = v }
            if let v = reader.double(t, "ingest", "true_peak_dbtp") { ingest.loudness.truePeakCeilingDBTP = v }
            if let v = reader.int(t, "ingest", "bitrate_kbps") { ingest.encoder.bitrate = v * 1000 }
            if let v = reader.int(t, "ingest", "complexity") { ingest.encoder.complexity = v }
            if let v = reader.int(t, "ingest", "expected_loss_percent") { ingest.encoder.expectedLossPercent = v }
            if let v = reader.bool(t, "ingest", "fec") { ingest.encoder.inbandFEC = v }
            if let v = reader.double(t, "ingest", "max_duration_seconds") {
                if v > 0 && v <= 6 * 3600 {
                    ingest.limits.maxDurationSeconds = v
                } else {
                    reader.problem("ingest.max_duration_seconds", "\(v)", "expected more than 0 and at most 21600 (6 hours)")
                }
            }
            if let v = reader.int(t, "ingest", "max_input_mb") {
                if v > 0 && v <= 16_384 {
                    ingest.limits.maxInputBytes = v * 1024 * 1024
                } else {
                    reader.problem("ingest.max_input_mb", "\(v)", "expected 1 to 16384")
                }
            }
            if let v = reader.string(t, "ingest", "ffmpeg_path") {
                if v.isEmpty { reader.problem("ingest.ffmpeg_path", "\"\"", "expected a command name or path") } else { ingest.ffmpegPath = v }
            }
            let keyNames = ["bitrate": "bitrate_kbps", "complexity": "complexity", "expected_loss_percent": "expected_loss_percent",
                            "target_lufs": "target_lufs", "true_peak_dbtp": "true_peak_dbtp"]
            for problem in ingest.encoder.validate() + ingest.loudness.validate() {
                let key = keyNames[problem.field] ?? problem.field
                let value = key == "bitrate_kbps" ? "\(ingest.encoder.bitrate / 1000)" : problem.value
                let expected = key == "bitrate_kbps" ? "expected 6 to 256 (kbit/s)" : "expected \(problem.expected)"
                reader.problem("ingest.\(key)", value, expected)
            }
            if ingest.encoder.validate().isEmpty && ingest.loudness.validate().isEmpty { config.ingest = ingest }
            else { config.ingest.limits = ingest.limits; config.ingest.ffmpegPath = ingest.ffmpegPath }
        }
        if let t = reader.section(root, "schedule") {
            if let v = reader.string(t, "schedule", "quiet_hours") {
                if v.isEmpty || v == "none" {
                    config.schedule.quietHours = nil
                } else if let q = Self.parseQuietHours(v) {
                    config.schedule.quietHours = q
                } else {
                    reader.problem("schedule.quiet_hours", quoted(v), "expected a span such as \"22:00-05:00\", or \"none\"")
                }
            }
            if let v = reader.int(t, "schedule", "horizon_hours") {
                if (1...168).contains(v) { config.schedule.horizonHours = v } else { reader.problem("schedule.horizon_hours", "\(v)", "expected 1 to 168") }
            }
            if let v = reader.int(t, "schedule", "max_shift_minutes") {
                if (0...720).contains(v) { config.schedule.maxShiftMinutes = v } else { reader.problem("schedule.max_shift_minutes", "\(v)", "expected 0 to 720") }
            }
            if let v = reader.int(t, "schedule", "replan_interval_seconds") {
                if (5...3600).contains(v) { config.schedule.replanIntervalSeconds = v } else { reader.problem("schedule.replan_interval_seconds", "\(v)", "expected 5 to 3600") }
            }
            if let v = reader.int(t, "schedule", "missed_after_minutes") {
                if (1...10_080).contains(v) { config.schedule.missedAfterMinutes = v } else { reader.problem("schedule.missed_after_minutes", "\(v)", "expected 1 to 10080") }
            }
        }

        if let t = reader.section(root, "tts") {
            if let v = reader.stringArray(t, "tts", "command") {
                if v.isEmpty { reader.problem("tts.command", "[]", "expected a command and its arguments") } else { config.tts.command = v }
            }
            if let v = reader.string(t, "tts", "voice") { config.tts.voice = v }
            if let v = reader.int(t, "tts", "rate") {
                if (50...500).contains(v) { config.tts.rate = v } else { reader.problem("tts.rate", "\(v)", "expected 50 to 500 (words per minute)") }
            }
            if let v = reader.int(t, "tts", "timeout_seconds") {
                if (1...3600).contains(v) { config.tts.timeoutSeconds = v } else { reader.problem("tts.timeout_seconds", "\(v)", "expected 1 to 3600") }
            }
            if let v = reader.int(t, "tts", "max_characters") {
                if (1...1_000_000).contains(v) { config.tts.maxCharacters = v } else { reader.problem("tts.max_characters", "\(v)", "expected 1 to 1000000") }
            }
            if let v = reader.string(t, "tts", "dialect") {
                if let d = VietnameseNumberReader.Dialect(rawValue: v) { config.tts.dialect = d } else { reader.problem("tts.dialect", quoted(v), "expected southern or northern") }
            }
            if let v = reader.string(t, "tts", "abbreviations_file"), !v.isEmpty {
                config.tts.abbreviationsFile = v
                do {
                    config.tts.abbreviations = try Self.loadAbbreviations(path: v)
                } catch {
                    reader.problem("tts.abbreviations_file", quoted(v), "\(error)")
                }
            }
        }

        if let t = reader.section(root, "live") {
            if let v = reader.int(t, "live", "jitter_ms") {
                if (20...2000).contains(v) { config.live.jitterMilliseconds = v } else { reader.problem("live.jitter_ms", "\(v)", "expected 20 to 2000") }
            }
            if let v = reader.int(t, "live", "emergency_volume") {
                if v == -1 { config.live.emergencyVolume = nil }
                else if (0...100).contains(v) { config.live.emergencyVolume = v }
                else { reader.problem("live.emergency_volume", "\(v)", "expected 0 to 100, or -1 to leave each cluster's volume") }
            }
            if let v = reader.int(t, "live", "source_timeout_seconds") {
                if (1...300).contains(v) { config.live.sourceTimeoutSeconds = v } else { reader.problem("live.source_timeout_seconds", "\(v)", "expected 1 to 300") }
            }
            if let v = reader.int(t, "live", "bitrate") {
                if (6_000...128_000).contains(v) { config.live.bitrate = v } else { reader.problem("live.bitrate", "\(v)", "expected 6000 to 128000") }
            }
            if let v = reader.int(t, "live", "frames_per_write") {
                if (1...5).contains(v) { config.live.framesPerWrite = v } else { reader.problem("live.frames_per_write", "\(v)", "expected 1 to 5") }
            }
            if let v = reader.string(t, "live", "microphone") {
                if v.isEmpty { reader.problem("live.microphone", "\"\"", "expected an ALSA device name such as default or hw:1,0") }
                else { config.live.microphone = v }
            }
        }
        if let t = reader.section(root, "link") {
            if let v = reader.string(t, "link", "listen_address") {
                if v.isEmpty || v.contains(" ") { reader.problem("link.listen_address", quoted(v), "expected an IP address such as 0.0.0.0 or 127.0.0.1") }
                else { config.link.listenAddress = v }
            }
            if let v = reader.int(t, "link", "port") {
                if (0...65_535).contains(v) { config.link.port = v } else { reader.problem("link.port", "\(v)", "expected 0 to 65535") }
            }
            if let v = reader.int(t, "link", "heartbeat_seconds") {
                if (5...600).contains(v) { config.link.heartbeatSeconds = v } else { reader.problem("link.heartbeat_seconds", "\(v)", "expected 5 to 600") }
            }
            let certificate = reader.string(t, "link", "tls_certificate") ?? ""
            let key = reader.string(t, "link", "tls_key") ?? ""
            if certificate.isEmpty != key.isEmpty {
                reader.problem(certificate.isEmpty ? "link.tls_certificate" : "link.tls_key", "\"\"",
                               "expected both tls_certificate and tls_key, or neither")
            } else {
                for (name, path) in [("link.tls_certificate", certificate), ("link.tls_key", key)] where !path.isEmpty {
                    if !FileManager.default.isReadableFile(atPath: path) { reader.problem(name, quoted(path), "expected a readable PEM file") }
                }
                config.link.tlsCertificate = certificate
                config.link.tlsKey = key
            }
        }

        if let t = reader.section(root, "health") {
            if let v = reader.int(t, "health", "retention_days") {
                if (1...3650).contains(v) { config.health.retentionDays = v } else { reader.problem("health.retention_days", "\(v)", "expected 1 to 3650") }
            }
            if let v = reader.int(t, "health", "sample_interval_seconds") {
                if (10...86_400).contains(v) { config.health.sampleIntervalSeconds = v }
                else { reader.problem("health.sample_interval_seconds", "\(v)", "expected 10 to 86400") }
            }
        }

        if let t = reader.section(root, "province") { parseProvince(t, into: &config.province, reader: &reader) }

        if let value = root["operators"] {
            if let array = value.array {
                var names = Set<String>()
                for (i, element) in array.enumerated() {
                    guard let t = element.table else {
                        reader.problem("operators[\(i)]", nil, "expected a table [[operators]]")
                        continue
                    }
                    let key = "operators[\(i)]"
                    for k in t.keys.sorted() where !(Self.schema["operators"] ?? []).contains(k) {
                        reader.problem("\(key).\(k)", nil, "unknown key; [[operators]] takes name, unix_user, token_sha256, roles, zones")
                    }
                    guard let name = reader.string(t, key, "name"), !name.isEmpty else {
                        reader.problem("\(key).name", nil, "required")
                        continue
                    }
                    if !names.insert(name).inserted { reader.problem("\(key).name", quoted(name), "repeats an earlier operator") }
                    var op = Operator(name: name, roles: [.operator], zonePaths: [])
                    if let user = reader.string(t, key, "unix_user") {
                        if resolveUser(user) == nil { reader.problem("\(key).unix_user", quoted(user), "no such user on this machine") }
                        op.unixUser = user
                    }
                    if let token = reader.string(t, key, "token_sha256") {
                        if token.count == 64, token.allSatisfy(\.isHexDigit) { op.tokenSHA256 = token.lowercased() } else {
                            reader.problem("\(key).token_sha256", quoted(token), "expected 64 hex digits (sha256sum of the token)")
                        }
                    }
                    if let roles = reader.stringArray(t, key, "roles") {
                        var set = Set<OperatorRole>()
                        for r in roles {
                            if let role = OperatorRole(rawValue: r) { set.insert(role) } else {
                                reader.problem("\(key).roles", quoted(r), "expected operator, supervisor or emergency")
                            }
                        }
                        op.roles = set
                    }
                    if let zones = reader.stringArray(t, key, "zones") {
                        for z in zones {
                            do { op.zonePaths.append(try ZonePath.normalize(z)) } catch { reader.problem("\(key).zones", quoted(z), "expected \(error.expected)") }
                        }
                    }
                    if op.zonePaths.isEmpty { reader.problem("\(key).zones", nil, "expected at least one zone path the operator may act on") }
                    if op.unixUser == nil && op.tokenSHA256 == nil { reader.problem(key, quoted(name), "needs unix_user or token_sha256 to be identified") }
                    config.operators.append(op)
                }
            } else {
                reader.problem("operators", nil, "expected [[operators]] tables")
            }
        }
        if let value = root["relay"] {
            if let array = value.array {
                for (i, element) in array.enumerated() {
                    guard let t = element.table else {
                        reader.problem("relay[\(i)]", nil, "expected a table [[relay]]")
                        continue
                    }
                    let key = "relay[\(i)]"
                    for k in t.keys.sorted() where !(Self.schema["relay"] ?? []).contains(k) {
                        reader.problem("\(key).\(k)", nil, "unknown key; [[relay]] takes \((Self.schema["relay"] ?? []).joined(separator: ", "))")
                    }
                    let name = reader.string(t, key, "name") ?? ""
                    if name.isEmpty { reader.problem("\(key).name", nil, "required") }
                    let url = reader.string(t, key, "url") ?? ""
                    if !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                        reader.problem("\(key).url", quoted(url), "expected an http:// or https:// stream address")
                    }
                    var zones: [String] = []
                    for z in reader.stringArray(t, key, "zones") ?? [] {
                        do { zones.append(try ZonePath.normalize(z)) } catch { reader.problem("\(key).zones", quoted(z), "expected \(error.expected)") }
                    }
                    if zones.isEmpty { reader.problem("\(key).zones", nil, "expected at least one zone path") }
                    let hours = reader.string(t, key, "hours") ?? ""
                    guard let span = Self.parseQuietHours(hours) else {
                        reader.problem("\(key).hours", quoted(hours), "expected a daily span such as \"06:00-06:30\"")
                        continue
                    }
                    var relay = DaemonConfiguration.Relay(name: name, url: url, zones: zones, slot: RelaySlot(start: span.start, end: span.end))
                    if let v = reader.int(t, key, "silence_seconds") {
                        if (1...600).contains(v) { relay.silenceSeconds = v } else { reader.problem("\(key).silence_seconds", "\(v)", "expected 1 to 600") }
                    }
                    if let v = reader.double(t, key, "silence_dbfs") {
                        if (-90...0).contains(v) { relay.silenceDBFS = v } else { reader.problem("\(key).silence_dbfs", "\(v)", "expected -90 to 0") }
                    }
                    config.relays.append(relay)
                }
            } else {
                reader.problem("relay", nil, "expected [[relay]] tables")
            }
        }
        return (config, reader.problems)
    }

    /// Parses `22:00-05:00`.
    static func parseQuietHours(_ text: String) -> QuietHours? {
        let parts = text.split(separator: "-").map(String.init)
        guard parts.count == 2, let s = try? TimeOfDay(parsing: parts[0]), let e = try? TimeOfDay(parsing: parts[1]) else { return nil }
        return QuietHours(start: s, end: e)
    }

    /// Reads `ABBR = expansion` lines; `#` starts a comment.
    static func loadAbbreviations(path: String) throws -> [String: String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var table: [String: String] = [:]
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ConfigurationProblem(key: "", message: "line \(i + 1): expected ABBR = expansion")
            }
            table[parts[0]] = parts[1]
        }
        return table
    }

    func resolveUser(_ name: String) -> UInt32? {
        UInt32(name) ?? accounts.userID(named: name)
    }

    func resolveGroup(_ name: String) -> UInt32? {
        UInt32(name) ?? accounts.groupID(named: name)
    }

    /// Typed access to TOML values that records a problem for each wrong type or unknown key.
    struct Reader {
        var problems: [ConfigurationProblem] = []

        mutating func problem(_ key: String, _ value: String?, _ message: String) {
            problems.append(.init(key: key, value: value, message: message))
        }

        mutating func section(_ root: TOMLTable, _ name: String) -> TOMLTable? {
            guard let value = root[name] else { return nil }
            guard let table = value.table else {
                problem(name, render(value), "expected a table [\(name)]")
                return nil
            }
            let known = ConfigurationLoader.schema[name] ?? []
            for key in table.keys.sorted() where !known.contains(key) {
                problem("\(name).\(key)", render(table[key]), "unknown key; [\(name)] takes \(known.joined(separator: ", "))")
            }
            return table
        }

        mutating func string(_ t: TOMLTable, _ section: String, _ key: String) -> String? {
            guard let value = t[key] else { return nil }
            guard let s = value.string else { problem("\(section).\(key)", render(value), "expected a string"); return nil }
            return s
        }

        mutating func int(_ t: TOMLTable, _ section: String, _ key: String) -> Int? {
            guard let value = t[key] else { return nil }
            guard let i = value.int else { problem("\(section).\(key)", render(value), "expected an integer"); return nil }
            return i
        }

        mutating func double(_ t: TOMLTable, _ section: String, _ key: String) -> Double? {
            guard let value = t[key] else { return nil }
            if let d = value.double { return d }
            if let i = value.int { return Double(i) }
            problem("\(section).\(key)", render(value), "expected a number")
            return nil
        }

        mutating func bool(_ t: TOMLTable, _ section: String, _ key: String) -> Bool? {
            guard let value = t[key] else { return nil }
            guard let b = value.bool else { problem("\(section).\(key)", render(value), "expected true or false"); return nil }
            return b
        }

        mutating func stringArray(_ t: TOMLTable, _ section: String, _ key: String) -> [String]? {
            guard let value = t[key] else { return nil }
            guard let array = value.array else { problem("\(section).\(key)", render(value), "expected an array of names"); return nil }
            var out: [String] = []
            for element in array {
                if let s = element.string { out.append(s) } else if let i = element.int { out.append(String(i)) } else {
                    problem("\(section).\(key)", render(element), "expected a name or a number")
                }
            }
            return out
        }

        func render(_ value: (any TOMLValueConvertible)?) -> String {
            guard let value else { return "nothing" }
            if let s = value.string { return "\"\(s)\"" }
            return value.debugDescription
        }
    }
}

private func quoted(_ s: String) -> String { "\"\(s)\"" }

extension ConfigurationLoader {
    func parseProvince(_ t: TOMLTable, into p: inout DaemonConfiguration.ProvinceSection, reader: inout Reader) {
        if let v = reader.string(t, "province", "report_url") {
            if v.isEmpty || (URL(string: v).map { ["http", "https"].contains($0.scheme ?? "") && $0.host != nil } ?? false) { p.reportURL = v }
            else { reader.problem("province.report_url", quoted(v), "expected an https:// URL such as https://httt.example.gov.vn/commcast/v1/events") }
        }
        if let v = reader.string(t, "province", "station_id") {
            if !v.isEmpty, v.count <= 100 { p.stationID = v } else { reader.problem("province.station_id", quoted(v), "expected 1 to 100 characters") }
        }
        if let v = reader.string(t, "province", "token_file") {
            if let token = try? String(contentsOfFile: v, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
                p.tokenFile = v
                p.token = token
            } else {
                reader.problem("province.token_file", quoted(v), "expected a readable file holding the province's bearer token")
            }
        }
        if let v = reader.string(t, "province", "ca_bundle") {
            if FileManager.default.isReadableFile(atPath: v) { p.caBundle = v } else { reader.problem("province.ca_bundle", quoted(v), "expected a readable PEM file") }
        }
        func int(_ key: String, _ range: ClosedRange<Int>, _ set: (Int) -> Void) {
            guard let v = reader.int(t, "province", key) else { return }
            if range.contains(v) { set(v) } else { reader.problem("province.\(key)", "\(v)", "expected \(range.lowerBound) to \(range.upperBound)") }
        }
        int("batch_size", 1...5000) { p.batchSize = $0 }
        int("interval_seconds", 1...3600) { p.intervalSeconds = $0 }
        int("max_backoff_seconds", 1...86_400) { p.maxBackoffSeconds = $0 }
        int("snapshot_interval_seconds", 30...86_400) { p.snapshotIntervalSeconds = $0 }
        int("delivered_retention_days", 1...3650) { p.deliveredRetentionDays = $0 }
        int("max_bulletin_mb", 1...200) { p.maxBulletinMB = $0 }
        if let v = reader.string(t, "province", "webhook_listen") {
            let parts = v.split(separator: ":")
            if v.isEmpty || (parts.count == 2 && !parts[0].isEmpty && Int(parts[1]).map { (0...65_535).contains($0) } == true) { p.webhookListen = v }
            else { reader.problem("province.webhook_listen", quoted(v), "expected address:port such as 0.0.0.0:7471") }
        }
        if let v = reader.string(t, "province", "webhook_token_sha256") {
            if v.count == 64, v.allSatisfy(\.isHexDigit) { p.webhookTokenSHA256 = v.lowercased() }
            else { reader.problem("province.webhook_token_sha256", quoted(v), "expected 64 hex digits (sha256sum of the token)") }
        }
        if let v = reader.string(t, "province", "emergency_policy") {
            if let policy = DaemonConfiguration.ProvinceSection.EmergencyPolicy(rawValue: v) { p.emergencyPolicy = policy }
            else { reader.problem("province.emergency_policy", quoted(v), "expected air or inbox") }
        }
        if !p.webhookListen.isEmpty, p.webhookTokenSHA256.isEmpty {
            reader.problem("province.webhook_token_sha256", "\"\"", "expected the token's sha256 when webhook_listen is set: the webhook never runs without authentication")
        }
        if !p.reportURL.isEmpty, p.token.isEmpty {
            reader.problem("province.token_file", "\"\"", "expected a token file when report_url is set")
        }
    }
}
