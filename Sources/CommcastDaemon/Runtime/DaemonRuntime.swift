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
        return state.withLock { state in
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
