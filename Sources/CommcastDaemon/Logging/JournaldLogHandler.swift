import Foundation
import Logging

/// A swift-log handler that writes one line per event to stderr in the form
/// journald keeps well: a `<N>` syslog priority prefix (which journald turns
/// into the entry's PRIORITY), no timestamp of our own (journald stamps each
/// line), and `key=value` metadata after the message.
///
/// Outside systemd (no `JOURNAL_STREAM`), lines start with an ISO 8601 time
/// and the level name instead, for a person reading a terminal.
public struct JournaldLogHandler: LogHandler {
    /// Whether to write journald's priority prefixes instead of timestamps.
    public enum Style: Sendable {
        case journald
        case terminal

        /// `journald` when stderr is connected to the journal.
        public static func detect(environment: [String: String] = ProcessInfo.processInfo.environment) -> Style {
            environment["JOURNAL_STREAM"] == nil ? .terminal : .journald
        }
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let style: Style
    private let levelOverride: LogLevelControl?

    /// Creates a handler; with a `LogLevelControl`, the level follows it (SIGHUP reload).
    public init(label: String, style: Style = .detect(), level: Logger.Level = .info, control: LogLevelControl? = nil) {
        self.label = label
        self.style = style
        self.logLevel = level
        self.levelOverride = control
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        if let control = levelOverride, event.level < control.level { return }
        var line: String
        switch style {
        case .journald:
            line = "<\(Self.syslogPriority(event.level))>\(label): \(event.message)"
        case .terminal:
            let time = Date().formatted(.iso8601.year().month().day().timeZone(separator: .omitted).time(includingFractionalSeconds: true))
            line = "\(time) \(event.level.rawValue.uppercased()) \(label): \(event.message)"
        }
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quote("\(merged[key]!)"))"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// syslog(3) priorities, which journald maps to its PRIORITY field.
    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Quotes values with spaces so `key=value` stays one token per key.
    static func quote(_ value: String) -> String {
        let single = value.replacingOccurrences(of: "\n", with: "\\n")
        guard single.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) || single.isEmpty else { return single }
        return "\"" + single.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// The daemon's current log level, shared by every handler so SIGHUP can change it.
public final class LogLevelControl: @unchecked Sendable {
    private let lock = NSLock()
    private var _level: Logger.Level

    public init(_ level: Logger.Level) { _level = level }

    /// The minimum level that is written.
    public var level: Logger.Level {
        get { lock.withLock { _level } }
        set { lock.withLock { _level = newValue } }
    }
}
