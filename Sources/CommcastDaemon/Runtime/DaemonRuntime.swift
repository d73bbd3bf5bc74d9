import CommcastAudio
import CommcastCore
import CommcastStore
import Foundation
import Logging
import Synchronization

/// The daemon's live state shared by its services: the open store, the settings
/// that SIGHUP may change, and when it started.
public final class DaemonRuntime: Sendable {
    /// The configuration file, nil when running on the embedded default.
    public let configurationPath: String?
    /// The database.
    public let database: CommcastDatabase
    /// Encoded media on disk.
    public let media: MediaStore
    /// The control socket path in use.
    public let socketPath: String
    /// Wall-clock start time.
    public let startedAt: Date
    /// The level all log handlers follow.
    public let logLevel: LogLevelControl

    private let accounts: any AccountDirectory
    private let startInstant: ContinuousClock.Instant
    private let state: Mutex<State>

    struct State {
        var configuration: DaemonConfiguration
        var accessPolicy: ControlAccessPolicy
    }

    public init(configuration: DaemonConfiguration, configurationPath: String?, database: CommcastDatabase,
                media: MediaStore, socketPath: String, logLevel: LogLevelControl,
                accounts: any AccountDirectory = SystemAccountDirectory()) {
        self.configurationPath = configurationPath
        self.database = database
        self.media = media
        self.socketPath = socketPath
        self.startedAt = Date()
        self.startInstant = .now
        self.logLevel = logLevel
        self.accounts = accounts
        self.state = Mutex(State(configuration: configuration,
                                 accessPolicy: Self.policy(for: configuration.control, accounts: accounts)))
    }

    /// Seconds since start, from the monotonic clock.
    public var uptime: Duration { .now - startInstant }

    /// The configuration in force.
    public var configuration: DaemonConfiguration { state.withLock { $0.configuration } }

    /// Who may use the control socket, as currently configured.
    public var accessPolicy: ControlAccessPolicy { state.withLock { $0.accessPolicy } }

    /// The station calendar (time zone from `daemon.timezone`).
    public var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: configuration.daemon.timeZone) ?? TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        return c
    }

    /// Planner knobs from `[schedule]`.
    public var plannerConfiguration: Planner.Configuration {
        Planner.Configuration(maxShift: TimeInterval(configuration.schedule.maxShiftMinutes * 60))
    }

    /// Wakes the scheduler after a change that affects the plan.
    public let planChanged = ScheduleTrigger()

    /// Wakes the link after the scheduler stored a plan, so changes reach clusters at once.
    public let airingsChanged = ScheduleTrigger()

    /// Called when a cluster's key is rotated or revoked, so its open link (if any) is
    /// closed at once rather than at its next reconnect. Set by the link service.
    public func clusterKeyChanged(_ clusterID: String) {
        keyChangeHandler.withLock { $0 }?(clusterID)
    }

    /// Installs the handler `clusterKeyChanged` calls.
    public func onClusterKeyChanged(_ handler: @escaping @Sendable (String) -> Void) {
        keyChangeHandler.withLock { $0 = handler }
    }

    private let keyChangeHandler = Mutex<(@Sendable (String) -> Void)?>(nil)

    /// The connected clusters, once the link service runs.
    public var linkRegistry: LinkRegistry? {
        get { link.withLock { $0.registry } }
        set { link.withLock { $0.registry = newValue } }
    }

    /// Where the link listens (`host:port`), once it does.
    public var linkAddress: String? {
        get { link.withLock { $0.address } }
        set { link.withLock { $0.address = newValue } }
    }

    private let link = Mutex<(registry: LinkRegistry?, address: String?)>((nil, nil))

    /// Live broadcasts, once the link service runs.
    public var liveBroadcaster: LiveBroadcaster? {
        get { live.withLock { $0 } }
        set { live.withLock { $0 = newValue } }
    }

    private let live = Mutex<LiveBroadcaster?>(nil)

    /// What the reporter is doing, for `commcast report status`.
    public let reporterProgress = ReporterProgress()

    /// Where the province webhook listens, once it does.
    public var webhookAddress: String? {
        get { webhook.withLock { $0 } }
        set { webhook.withLock { $0 = newValue } }
    }

    private let webhook = Mutex<String?>(nil)

    /// The operator a local caller acts as: root and the daemon's own user are
    /// administrators; others are matched by Unix user name; nil when not configured.
    public func `operator`(for peer: PeerIdentity) -> Operator? {
        if peer.uid == 0 || peer.uid == geteuid() { return .administrator(name: peer.userName ?? "uid \(peer.uid)") }
        guard let name = peer.userName else { return nil }
        return configuration.operators.first { $0.unixUser == name }
    }

    /// The operator whose token hashes to `sha256`.
    public func `operator`(tokenSHA256 sha256: String) -> Operator? {
        configuration.operators.first { $0.tokenSHA256 == sha256 }
    }

    /// The text normaliser built from `[tts]`.
    public var textNormalizer: VietnameseTextNormalizer {
        VietnameseTextNormalizer(dialect: configuration.tts.dialect, extraAbbreviations: configuration.tts.abbreviations)
    }

    /// The text-to-speech hook built from `[tts]`, caching under the state directory.
    public var textToSpeech: TextToSpeechHook {
        let t = configuration.tts
        return TextToSpeechHook(configuration: .init(
            command: t.command, voice: t.voice, rate: t.rate, timeout: .seconds(t.timeoutSeconds), maxCharacters: t.maxCharacters,
            cacheDirectory: media.root.deletingLastPathComponent().appendingPathComponent("tts-cache", isDirectory: true)))
    }

    /// Ingest options built from the current configuration.
    public var ingestOptions: IngestOptions {
        let ingest = configuration.ingest
        return IngestOptions(encoder: ingest.encoder, loudness: ingest.loudness, limits: ingest.limits,
                             ffmpeg: FFmpegTranscoder(executable: ingest.ffmpegPath))
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
        guard let configurationPath else { return .noFile }
        let new: DaemonConfiguration
        do {
            new = try loader.load(file: configurationPath)
        } catch {
            return .rejected(error.problems)
        }
        let outcome: ReloadOutcome = state.withLock { state in
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
        try? database.replaceOperators(configuration.operators, at: Date())
        planChanged.fire()
        return outcome
    }

    static func policy(for control: DaemonConfiguration.ControlSection, accounts: any AccountDirectory) -> ControlAccessPolicy {
        ControlAccessPolicy(
            allowedUIDs: Set(control.allowedUsers.compactMap { UInt32($0) ?? accounts.userID(named: $0) }),
            allowedGIDs: Set(control.allowedGroups.compactMap { UInt32($0) ?? accounts.groupID(named: $0) }),
            daemonUID: geteuid()
        )
    }
}
