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
            reader.problems.append(.init(key: key, message: "unknown section or key; expected one of [daemon], [control], [ingest]"))
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
        return (config, reader.problems)
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
