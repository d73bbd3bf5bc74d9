import CommcastAudio
import CommcastCore
import Crypto
import Foundation
import Logging
import Synchronization

/// The configuration in force, and what SIGHUP may change of it while the daemon
/// runs. Services read their settings here at each use, so a reload reaches them
/// without a restart; everything else a service needs is passed to it by name.
public final class RunningConfiguration: Sendable {
    /// The configuration file, nil when running on the embedded default.
    public let path: String?
    /// The level all log handlers follow.
    public let logLevel: LogLevelControl

    private let overrides: CommandLineOverrides
    private let accounts: any AccountDirectory
    private let state: Mutex<State>

    struct State {
        var configuration: DaemonConfiguration
        var accessPolicy: ControlAccessPolicy
    }

    /// - Parameters:
    ///   - configuration: the configuration in force at start, overrides applied.
    ///   - overrides: the command line's settings, applied again to every reloaded file.
    public init(
        _ configuration: DaemonConfiguration, path: String?, logLevel: LogLevelControl,
        overrides: CommandLineOverrides = .init(), accounts: any AccountDirectory = SystemAccountDirectory()
    ) {
        self.path = path
        self.logLevel = logLevel
        self.overrides = overrides
        self.accounts = accounts
        self.state = Mutex(
            State(
                configuration: configuration,
                accessPolicy: Self.policy(for: configuration.control, accounts: accounts)))
    }

    /// The configuration in force.
    public var current: DaemonConfiguration { state.withLock { $0.configuration } }

    /// Who may use the control socket, as currently configured.
    public var accessPolicy: ControlAccessPolicy { state.withLock { $0.accessPolicy } }

    /// The station calendar (time zone from `daemon.timezone`, checked when loaded).
    public var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: current.daemon.timeZone) ?? TimeZone(secondsFromGMT: 7 * 3600) ?? .current
        return c
    }

    /// Planner knobs from `[schedule]`.
    public var plannerConfiguration: Planner.Configuration {
        Planner.Configuration(maxShift: TimeInterval(current.schedule.maxShiftMinutes * 60))
    }

    /// The operator a local caller acts as: root and the daemon's own user are
    /// administrators; others are matched by Unix user name; nil when not configured.
    public func `operator`(for peer: PeerIdentity) -> Operator? {
        if peer.uid == 0 || peer.uid == geteuid() { return .administrator(name: peer.userName ?? "uid \(peer.uid)") }
        guard let name = peer.userName else { return nil }
        return current.operators.first { $0.unixUser == name }
    }

    /// The operator whose token hashes to `sha256`.
    public func `operator`(tokenSHA256 sha256: String) -> Operator? {
        current.operators.first { $0.tokenSHA256 == sha256 }
    }

    /// The operator an `Authorization: Bearer TOKEN` header names (the socket and the
    /// console both accept it); nil when the token matches no operator.
    public func `operator`(bearerToken token: String) -> Operator? {
        `operator`(tokenSHA256: SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined())
    }

    /// A configured operator by name.
    public func `operator`(named name: String) -> Operator? {
        current.operators.first { $0.name == name }
    }

    /// The text normaliser built from `[tts]`.
    public var textNormalizer: VietnameseTextNormalizer {
        VietnameseTextNormalizer(dialect: current.tts.dialect, extraAbbreviations: current.tts.abbreviations)
    }

    /// The text-to-speech hook built from `[tts]`, caching under the state directory.
    public var textToSpeech: TextToSpeechHook {
        let configuration = current
        let t = configuration.tts
        return TextToSpeechHook(
            configuration: .init(
                command: t.command, voice: t.voice, rate: t.rate, timeout: .seconds(t.timeoutSeconds),
                // The desk holds what was typed to tts.max_characters; the normaliser's
                // words for numbers, dates and abbreviations may run about twice as long.
                maxCharacters: t.maxCharacters * 3,
                cacheDirectory: configuration.resolvedStateDirectory().appendingPathComponent("tts-cache", isDirectory: true)))
    }

    /// Where uploads are streamed before they are ingested, and where the ingest
    /// keeps its working files: under the state directory, on disk, never in
    /// memory or a RAM-backed /tmp, and on the media store's file system.
    public var uploadDirectory: URL {
        URL(fileURLWithPath: current.daemon.stateDirectory).appendingPathComponent("uploads", isDirectory: true)
    }

    /// Ingest options built from the current configuration.
    public var ingestOptions: IngestOptions {
        let ingest = current.ingest
        return IngestOptions(
            encoder: ingest.encoder, loudness: ingest.loudness, limits: ingest.limits,
            ffmpeg: FFmpegTranscoder(executable: ingest.ffmpegPath), scratchDirectory: uploadDirectory)
    }

    /// What a reload did.
    public enum ReloadOutcome: Sendable, Equatable {
        /// Applied; the keys listed still need a restart to take effect.
        case applied(needsRestart: [String])
        /// Nothing to reload: the daemon runs on the embedded default.
        case noFile
        /// The file had problems; the previous configuration stays in force.
        case rejected([ConfigurationProblem])
    }

    /// Re-reads the configuration file and applies what can change while running:
    /// log level, ingest settings, control access lists. A bad file changes nothing.
    public func reload(loader: ConfigurationLoader) -> ReloadOutcome {
        guard let path else { return .noFile }
        let new: DaemonConfiguration
        do {
            new = try loader.load(file: path)
        } catch {
            return .rejected(error.problems)
        }
        return apply(overrides.applied(to: new))
    }

    /// Puts `new` in force, keeping the keys that only a restart can change.
    public func apply(_ new: DaemonConfiguration) -> ReloadOutcome {
        state.withLock { state in
            let old = state.configuration
            var needsRestart: [String] = []
            if new.daemon.stateDirectory != old.daemon.stateDirectory { needsRestart.append("daemon.state_directory") }
            if new.control.socketPath != old.control.socketPath { needsRestart.append("control.socket_path") }
            if new.control.socketMode != old.control.socketMode { needsRestart.append("control.socket_mode") }
            if new.control.socketGroup != old.control.socketGroup { needsRestart.append("control.socket_group") }
            var applied = new
            applied.daemon.stateDirectory = old.daemon.stateDirectory
            applied.control.socketPath = old.control.socketPath
            applied.control.socketMode = old.control.socketMode
            applied.control.socketGroup = old.control.socketGroup
            state.configuration = applied
            state.accessPolicy = Self.policy(for: applied.control, accounts: accounts)
            logLevel.level = applied.daemon.logLevel
            return .applied(needsRestart: needsRestart)
        }
    }

    static func policy(for control: DaemonConfiguration.ControlSection, accounts: any AccountDirectory) -> ControlAccessPolicy {
        ControlAccessPolicy(
            allowedUIDs: Set(control.allowedUsers.compactMap { UInt32($0) ?? accounts.userID(named: $0) }),
            allowedGIDs: Set(control.allowedGroups.compactMap { UInt32($0) ?? accounts.groupID(named: $0) }),
            daemonUID: geteuid()
        )
    }
}
