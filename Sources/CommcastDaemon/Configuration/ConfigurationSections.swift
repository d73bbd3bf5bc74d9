import CommcastCore
import Foundation
import Logging
import TOMLKit

/// One parser per section of `commcastd.toml`. Each asks the reader for every key
/// its section takes, present or not, so the reader knows what the section takes
/// and names any other key as unknown; no separate list of keys to keep in step.
extension ConfigurationLoader {
    /// `[daemon]`.
    func parseDaemon(_ t: TOMLTable, into config: inout DaemonConfiguration, reader: inout Reader) {
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

    /// `[control]`.
    func parseControl(_ t: TOMLTable, into config: inout DaemonConfiguration, reader: inout Reader) {
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
                    reader.problem(
                        "control.socket_mode", quoted(v), "lets every local user connect; expected a mode without the world-write bit, e.g. \"0660\"")
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
                reader.problem(
                    "control.socket_group", quoted(v),
                    "no such group on this machine; expected an existing group: create it with `groupadd --system \(v)` and add each operator with `usermod -aG \(v) USER`"
                )
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
                reader.problem(
                    "control.allowed_groups", quoted(group),
                    "no such group on this machine; expected an existing group: create it with `groupadd --system \(group)`")
            }
            config.control.allowedGroups = groups
        }
    }

    /// `[ingest]`.
    func parseIngest(_ t: TOMLTable, into config: inout DaemonConfiguration, reader: inout Reader) {
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
        let keyNames = [
            "bitrate": "bitrate_kbps", "complexity": "complexity", "expected_loss_percent": "expected_loss_percent",
            "target_lufs": "target_lufs", "true_peak_dbtp": "true_peak_dbtp",
        ]
        for problem in ingest.encoder.validate() + ingest.loudness.validate() {
            let key = keyNames[problem.field] ?? problem.field
            let value = key == "bitrate_kbps" ? "\(ingest.encoder.bitrate / 1000)" : problem.value
            let expected = key == "bitrate_kbps" ? "expected 6 to 256 (kbit/s)" : "expected \(problem.expected)"
            reader.problem("ingest.\(key)", value, expected)
        }
        if ingest.encoder.validate().isEmpty && ingest.loudness.validate().isEmpty {
            config.ingest = ingest
        } else {
            config.ingest.limits = ingest.limits
            config.ingest.ffmpegPath = ingest.ffmpegPath
        }
    }

    /// `[schedule]`.
    func parseSchedule(_ t: TOMLTable, into config: inout DaemonConfiguration, reader: inout Reader) {
        if let v = reader.string(t, "schedule", "quiet_hours") {
            if v.isEmpty || v == "none" {
                config.schedule.quietHours = nil
            } else if let q = Self.parseQuietHours(v) {
                config.schedule.quietHours = q
            } else {
                reader.problem(
                    "schedule.quiet_hours", quoted(v),
                    "expected a span between two different times such as \"22:00-05:00\", or \"none\" for no quiet hours")
            }
        }
        if let v = reader.int(t, "schedule", "horizon_hours") {
            if (1...168).contains(v) {
                config.schedule.horizonHours = v
            } else {
                reader.problem("schedule.horizon_hours", "\(v)", "expected 1 to 168")
            }
        }
        if let v = reader.int(t, "schedule", "max_shift_minutes") {
            if (0...720).contains(v) {
                config.schedule.maxShiftMinutes = v
            } else {
                reader.problem("schedule.max_shift_minutes", "\(v)", "expected 0 to 720")
            }
        }
        if let v = reader.int(t, "schedule", "replan_interval_seconds") {
            if (5...3600).contains(v) {
                config.schedule.replanIntervalSeconds = v
            } else {
                reader.problem("schedule.replan_interval_seconds", "\(v)", "expected 5 to 3600")
            }
        }
        if let v = reader.int(t, "schedule", "missed_after_minutes") {
            if (1...10_080).contains(v) {
                config.schedule.missedAfterMinutes = v
            } else {
                reader.problem("schedule.missed_after_minutes", "\(v)", "expected 1 to 10080")
            }
        }
        if let v = reader.string(t, "schedule", "approval") {
            if let approval = DaemonConfiguration.Approval(rawValue: v) {
                config.schedule.approval = approval
            } else {
                reader.problem("schedule.approval", quoted(v), "expected \"none\" or \"required\" (a supervisor approves each bulletin)")
            }
        }
    }

    /// `[tts]`.
    func parseTTS(_ t: TOMLTable, into config: inout DaemonConfiguration, reader: inout Reader) {
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
            if (1...1_000_000).contains(v) {
                config.tts.maxCharacters = v
            } else {
                reader.problem("tts.max_characters", "\(v)", "expected 1 to 1000000")
            }
        }
        if let v = reader.string(t, "tts", "dialect") {
            if let d = VietnameseNumberReader.Dialect(rawValue: v) {
                config.tts.dialect = d
            } else {
                reader.problem("tts.dialect", quoted(v), "expected southern or northern")
            }
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

    /// `[live]`.
    func parseLive(_ t: TOMLTable, into config: inout DaemonConfiguration, reader: inout Reader) {
        if let v = reader.int(t, "live", "jitter_ms") {
            if (20...2000).contains(v) { config.live.jitterMilliseconds = v } else { reader.problem("live.jitter_ms", "\(v)", "expected 20 to 2000") }
        }
        if let v = reader.int(t, "live", "emergency_volume") {
            if v == -1 {
                config.live.emergencyVolume = nil
            } else if (0...100).contains(v) {
                config.live.emergencyVolume = v
            } else {
                reader.problem("live.emergency_volume", "\(v)", "expected 0 to 100, or -1 to leave each cluster's volume")
            }
        }
        if let v = reader.int(t, "live", "source_timeout_seconds") {
            if (1...300).contains(v) {
                config.live.sourceTimeoutSeconds = v
            } else {
                reader.problem("live.source_timeout_seconds", "\(v)", "expected 1 to 300")
            }
        }
        if let v = reader.int(t, "live", "uplink_jitter_ms") {
            if (20...1000).contains(v) {
                config.live.uplinkJitterMilliseconds = v
            } else {
                reader.problem("live.uplink_jitter_ms", "\(v)", "expected 20 to 1000")
            }
        }
        if let v = reader.int(t, "live", "reconnect_grace_seconds") {
            if (1...120).contains(v) {
                config.live.reconnectGraceSeconds = v
            } else {
                reader.problem("live.reconnect_grace_seconds", "\(v)", "expected 1 to 120")
            }
        }
        if let v = reader.int(t, "live", "bitrate") {
            if (6_000...128_000).contains(v) { config.live.bitrate = v } else { reader.problem("live.bitrate", "\(v)", "expected 6000 to 128000") }
        }
        if let v = reader.int(t, "live", "frames_per_write") {
            if (1...5).contains(v) { config.live.framesPerWrite = v } else { reader.problem("live.frames_per_write", "\(v)", "expected 1 to 5") }
        }
        if let v = reader.string(t, "live", "microphone") {
            if v.isEmpty {
                reader.problem("live.microphone", "\"\"", "expected an ALSA device name such as default or hw:1,0")
            } else {
                config.live.microphone = v
            }
        }
    }

    /// `[link]`.
    func parseLink(_ t: TOMLTable, into config: inout DaemonConfiguration, reader: inout Reader) {
        parseListener(t, "link", address: &config.link.listenAddress, port: &config.link.port, mayBeOff: false, reader: &reader)
        if let v = reader.int(t, "link", "heartbeat_seconds") {
            if (5...600).contains(v) {
                config.link.heartbeatSeconds = v
            } else {
                reader.problem("link.heartbeat_seconds", "\(v)", "expected 5 to 600")
            }
        }
        if let (certificate, key) = parseTLS(t, "link", reader: &reader) {
            config.link.tlsCertificate = certificate
            config.link.tlsKey = key
        }
    }

    /// `tls_certificate` and `tls_key` of a section: both or neither, each a readable
    /// file; nil when they are not usable (the problem is named).
    func parseTLS(_ t: TOMLTable, _ section: String, reader: inout Reader) -> (certificate: String, key: String)? {
        let certificate = reader.string(t, section, "tls_certificate") ?? ""
        let key = reader.string(t, section, "tls_key") ?? ""
        guard certificate.isEmpty == key.isEmpty else {
            reader.problem(
                certificate.isEmpty ? "\(section).tls_certificate" : "\(section).tls_key", "\"\"",
                "expected both tls_certificate and tls_key, or neither")
            return nil
        }
        for (name, path) in [("\(section).tls_certificate", certificate), ("\(section).tls_key", key)] where !path.isEmpty {
            if !FileManager.default.isReadableFile(atPath: path) { reader.problem(name, quoted(path), "expected a readable PEM file") }
        }
        return (certificate, key)
    }

    /// A section's `listen_address` and `port` (0: any free port; -1: off, where it may be).
    func parseListener(
        _ t: TOMLTable, _ section: String, address: inout String, port: inout Int, mayBeOff: Bool, reader: inout Reader
    ) {
        if let v = reader.string(t, section, "listen_address") {
            if v.isEmpty || v.contains(" ") {
                reader.problem("\(section).listen_address", quoted(v), "expected an IP address such as 0.0.0.0 or 127.0.0.1")
            } else {
                address = v
            }
        }
        if let v = reader.int(t, section, "port") {
            let range = mayBeOff ? -1...65_535 : 0...65_535
            if range.contains(v) {
                port = v
            } else {
                reader.problem("\(section).port", "\(v)", mayBeOff ? "expected -1 (off) or 0 to 65535" : "expected 0 to 65535")
            }
        }
    }

    /// `[web]`.
    func parseWeb(_ t: TOMLTable, into config: inout DaemonConfiguration, reader: inout Reader) {
        parseListener(t, "web", address: &config.web.listenAddress, port: &config.web.port, mayBeOff: true, reader: &reader)
        if let (certificate, key) = parseTLS(t, "web", reader: &reader) {
            config.web.tlsCertificate = certificate
            config.web.tlsKey = key
        }
        if let v = reader.int(t, "web", "session_idle_minutes") {
            if (1...1440).contains(v) {
                config.web.sessionIdleMinutes = v
            } else {
                reader.problem("web.session_idle_minutes", "\(v)", "expected 1 to 1440")
            }
        }
        if let v = reader.int(t, "web", "session_max_hours") {
            if (1...168).contains(v) { config.web.sessionMaxHours = v } else { reader.problem("web.session_max_hours", "\(v)", "expected 1 to 168") }
        }
    }

    /// `[metrics]`.
    func parseMetrics(_ t: TOMLTable, into config: inout DaemonConfiguration, reader: inout Reader) {
        parseListener(t, "metrics", address: &config.metrics.listenAddress, port: &config.metrics.port, mayBeOff: true, reader: &reader)
    }

    /// `[health]`.
    func parseHealth(_ t: TOMLTable, into config: inout DaemonConfiguration, reader: inout Reader) {
        if let v = reader.int(t, "health", "retention_days") {
            if (1...3650).contains(v) {
                config.health.retentionDays = v
            } else {
                reader.problem("health.retention_days", "\(v)", "expected 1 to 3650")
            }
        }
        if let v = reader.int(t, "health", "sample_interval_seconds") {
            if (10...86_400).contains(v) {
                config.health.sampleIntervalSeconds = v
            } else {
                reader.problem("health.sample_interval_seconds", "\(v)", "expected 10 to 86400")
            }
        }
    }

    /// `[[operators]]`.
    func parseOperators(_ value: any TOMLValueConvertible, into config: inout DaemonConfiguration, reader: inout Reader) {
        if let array = value.array {
            var names = Set<String>()
            for (i, element) in array.enumerated() {
                guard let t = element.table else {
                    reader.problem("operators[\(i)]", nil, "expected a table [[operators]]")
                    continue
                }
                let key = "operators[\(i)]"
                reader.opened(key, t)
                // Every key is read before any is judged, so the reader learns all that [[operators]] takes.
                let (name, user, token) = (reader.string(t, key, "name"), reader.string(t, key, "unix_user"), reader.string(t, key, "token_sha256"))
                let (roles, zones) = (reader.stringArray(t, key, "roles"), reader.stringArray(t, key, "zones"))
                guard let name, !name.isEmpty else {
                    reader.problem("\(key).name", nil, "required")
                    continue
                }
                if !names.insert(name).inserted { reader.problem("\(key).name", quoted(name), "repeats an earlier operator") }
                var op = Operator(name: name, roles: [.operator], zonePaths: [])
                if let user {
                    if resolveUser(user) == nil { reader.problem("\(key).unix_user", quoted(user), "no such user on this machine") }
                    op.unixUser = user
                }
                if let token {
                    if token.count == 64, token.allSatisfy(\.isHexDigit) {
                        op.tokenSHA256 = token.lowercased()
                    } else {
                        reader.problem("\(key).token_sha256", quoted(token), "expected 64 hex digits (sha256sum of the token)")
                    }
                }
                if let roles {
                    var set = Set<OperatorRole>()
                    for r in roles {
                        if let role = OperatorRole(rawValue: r) {
                            set.insert(role)
                        } else {
                            reader.problem("\(key).roles", quoted(r), "expected operator, supervisor or emergency")
                        }
                    }
                    op.roles = set
                }
                if let zones {
                    for z in zones {
                        do { op.zonePaths.append(try ZonePath.normalize(z)) } catch {
                            reader.problem("\(key).zones", quoted(z), "expected \(error.expected)")
                        }
                    }
                }
                if op.zonePaths.isEmpty { reader.problem("\(key).zones", nil, "expected at least one zone path the operator may act on") }
                // Neither unix_user nor token_sha256: a console-only operator, who logs in
                // with the password `commcast operator passwd` sets.
                config.operators.append(op)
            }
        } else {
            reader.problem("operators", nil, "expected [[operators]] tables")
        }
    }

    /// `[[relay]]`.
    func parseRelays(_ value: any TOMLValueConvertible, into config: inout DaemonConfiguration, reader: inout Reader) {
        if let array = value.array {
            for (i, element) in array.enumerated() {
                guard let t = element.table else {
                    reader.problem("relay[\(i)]", nil, "expected a table [[relay]]")
                    continue
                }
                let key = "relay[\(i)]"
                reader.opened(key, t)
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
                let (silenceSeconds, silenceDBFS) = (reader.int(t, key, "silence_seconds"), reader.double(t, key, "silence_dbfs"))
                guard let span = Self.parseQuietHours(hours) else {
                    reader.problem("\(key).hours", quoted(hours), "expected a daily span between two different times such as \"06:00-06:30\"")
                    continue
                }
                var relay = DaemonConfiguration.Relay(name: name, url: url, zones: zones, slot: RelaySlot(start: span.start, end: span.end))
                if let v = silenceSeconds {
                    if (1...600).contains(v) {
                        relay.silenceSeconds = v
                    } else {
                        reader.problem("\(key).silence_seconds", "\(v)", "expected 1 to 600")
                    }
                }
                if let v = silenceDBFS {
                    if (-90...0).contains(v) { relay.silenceDBFS = v } else { reader.problem("\(key).silence_dbfs", "\(v)", "expected -90 to 0") }
                }
                config.relays.append(relay)
            }
        } else {
            reader.problem("relay", nil, "expected [[relay]] tables")
        }
    }

    /// `[province]`.
    func parseProvince(_ t: TOMLTable, into p: inout DaemonConfiguration.ProvinceSection, reader: inout Reader) {
        if let v = reader.string(t, "province", "report_url") {
            if v.isEmpty || (URL(string: v).map { ["http", "https"].contains($0.scheme ?? "") && $0.host != nil } ?? false) {
                p.reportURL = v
            } else {
                reader.problem("province.report_url", quoted(v), "expected an https:// URL such as https://httt.example.gov.vn/commcast/v1/events")
            }
        }
        if let v = reader.string(t, "province", "station_id") {
            if !v.isEmpty, v.count <= 100 {
                p.stationID = v
            } else {
                reader.problem("province.station_id", quoted(v), "expected 1 to 100 characters")
            }
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
            if FileManager.default.isReadableFile(atPath: v) {
                p.caBundle = v
            } else {
                reader.problem("province.ca_bundle", quoted(v), "expected a readable PEM file")
            }
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
            if v.isEmpty || (parts.count == 2 && !parts[0].isEmpty && Int(parts[1]).map { (0...65_535).contains($0) } == true) {
                p.webhookListen = v
            } else {
                reader.problem("province.webhook_listen", quoted(v), "expected address:port such as 0.0.0.0:7471")
            }
        }
        if let v = reader.string(t, "province", "webhook_token_sha256") {
            if v.count == 64, v.allSatisfy(\.isHexDigit) {
                p.webhookTokenSHA256 = v.lowercased()
            } else {
                reader.problem("province.webhook_token_sha256", quoted(v), "expected 64 hex digits (sha256sum of the token)")
            }
        }
        if let v = reader.string(t, "province", "emergency_policy") {
            if let policy = DaemonConfiguration.ProvinceSection.EmergencyPolicy(rawValue: v) {
                p.emergencyPolicy = policy
            } else {
                reader.problem("province.emergency_policy", quoted(v), "expected air or inbox")
            }
        }
        if !p.webhookListen.isEmpty, p.webhookTokenSHA256.isEmpty {
            reader.problem(
                "province.webhook_token_sha256", "\"\"",
                "expected the token's sha256 when webhook_listen is set: the webhook never runs without authentication")
        }
        if !p.reportURL.isEmpty, p.token.isEmpty {
            reader.problem("province.token_file", "\"\"", "expected a token file when report_url is set")
        }
    }
}
