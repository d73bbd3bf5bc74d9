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

    /// The sections a file may have, for the message about one it may not.
    static let sections = [
        "daemon", "control", "ingest", "schedule", "tts", "link", "web", "live", "health", "metrics", "province", "operators", "relay",
    ]

    /// Loads a file, throwing every problem found.
    public func load(file path: String) throws(ConfigurationError) -> DaemonConfiguration {
        func refuse(_ message: String) -> ConfigurationError {
            ConfigurationError(file: path, problems: [.init(key: "", message: "\(path): \(message)")])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw refuse("does not exist; expected the configuration file (commcastd.toml)")
        }
        guard !isDirectory.boolValue else { throw refuse("is a directory; expected the configuration file (commcastd.toml)") }
        let type = (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) ?? .typeRegular
        guard type == .typeRegular || type == .typeSymbolicLink else {
            throw refuse("is not a regular file (a device or a pipe); expected the configuration file (commcastd.toml)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw refuse("cannot be read: permission denied") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw refuse("is not UTF-8 text; expected a TOML file such as config/commcastd.toml")
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
        if let problem = Self.unparseable(text) { return (config, [problem]) }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            return (
                config,
                [
                    .init(
                        key: "",
                        message: "TOML syntax error at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
                ]
            )
        } catch {
            return (config, [.init(key: "", message: "TOML syntax error: \(error)")])
        }

        for key in root.keys.sorted() where !Self.sections.contains(key) {
            reader.problems.append(
                .init(
                    key: key,
                    message:
                        "unknown section or key; expected one of [daemon], [control], [ingest], [schedule], [tts], [link], [web], [live], [health], [metrics], [province], [[operators]], [[relay]]"
                ))
        }

        if let t = reader.section(root, "daemon") { parseDaemon(t, into: &config, reader: &reader) }
        if let t = reader.section(root, "control") { parseControl(t, into: &config, reader: &reader) }
        if let t = reader.section(root, "ingest") { parseIngest(t, into: &config, reader: &reader) }
        if let t = reader.section(root, "schedule") { parseSchedule(t, into: &config, reader: &reader) }
        if let t = reader.section(root, "tts") { parseTTS(t, into: &config, reader: &reader) }
        if let t = reader.section(root, "live") { parseLive(t, into: &config, reader: &reader) }
        if let t = reader.section(root, "link") { parseLink(t, into: &config, reader: &reader) }
        if let t = reader.section(root, "web") { parseWeb(t, into: &config, reader: &reader) }
        if let t = reader.section(root, "health") { parseHealth(t, into: &config, reader: &reader) }
        if let t = reader.section(root, "metrics") { parseMetrics(t, into: &config, reader: &reader) }
        if let t = reader.section(root, "province") { parseProvince(t, into: &config.province, reader: &reader) }
        if let value = root["operators"] { parseOperators(value, into: &config, reader: &reader) }
        if let value = root["relay"] { parseRelays(value, into: &config, reader: &reader) }
        reader.reportUnknownKeys()
        return (config, reader.problems)
    }

    /// What the TOML parser must not be given, named with its place. toml++ (inside
    /// TOMLKit 0.6.0) aborts the process — an assertion, not an error — on a NUL in a
    /// key and on a table header whose name starts with anything but a letter, digit,
    /// `_`, `-` or a quote (`[đài]`, a slip on a Vietnamese keyboard; `[.a]`; `[[[a]]]`;
    /// a lone `[`), all found by fuzzing; a reload must never end the daemon. Checked first:
    /// every control character TOML forbids (all but tab and line breaks), and such a
    /// header. (A line of a multi-line string or array that looks like one is refused
    /// too; the station's configuration has no need of those.)
    static func unparseable(_ text: String) -> ConfigurationProblem? {
        // By scalars: a CRLF is one Character, and would hide the line break.
        for (index, line) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for (column, scalar) in line.enumerated()
            where (scalar.value < 0x20 && scalar != "\t" && scalar != "\r") || scalar.value == 0x7F {
                let code = String(format: "U+%04X", scalar.value)
                return .init(
                    key: "",
                    message:
                        "line \(index + 1), column \(column + 1): control character \(code), expected text (TOML allows only tab and line breaks)")
            }
            let header = line.drop { $0 == " " || $0 == "\t" }
            guard header.first == "[" else { continue }
            // `[name]` or `[[name]]`: after one or two brackets and any blanks, a name starts.
            let brackets = header.starts(with: "[[".unicodeScalars) ? 2 : 1
            // (A carriage return is no blank to toml++: only a CRLF's, ending the line, is let by.)
            let name = header.dropFirst(brackets).drop { $0 == " " || $0 == "\t" }
            guard let first = name.first, !(first == "\r" && name.count == 1) else {
                return .init(key: "", message: "line \(index + 1): a section header with no name, expected one such as [link]")
            }
            let startsAName =
                first.properties.isASCIIHexDigit || ("a"..."z").contains(first) || ("A"..."Z").contains(first)
                || "_-\"']".unicodeScalars.contains(first)
            if !startsAName {
                return .init(
                    key: "",
                    message:
                        "line \(index + 1): a section name starting with \"\(first.escaped(asASCII: false))\", expected one in ASCII letters, digits, - or _, such as [link]"
                )
            }
        }
        return nil
    }

    /// Parses a daily span such as `22:00-05:00`. A span from a time to the same time
    /// is refused: it reads as all day or as nothing, and `none` says nothing plainly.
    static func parseQuietHours(_ text: String) -> QuietHours? {
        let parts = text.split(separator: "-").map(String.init)
        guard parts.count == 2, let s = try? TimeOfDay(parsing: parts[0]), let e = try? TimeOfDay(parsing: parts[1]), s != e else { return nil }
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
}

/// A value as the operator typed it, in quotes.
func quoted(_ s: String) -> String { "\"\(s)\"" }
