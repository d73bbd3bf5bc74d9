import CommcastAudio
import CommcastCore
import Foundation
import Logging

/// Everything `commcastd` is configured with. Every field has a default, so an
/// empty file (or none) gives a daemon that runs.
public struct DaemonConfiguration: Sendable, Equatable {
    /// `[daemon]`
    public struct DaemonSection: Sendable, Equatable {
        /// Where the database and media live. Empty means `$STATE_DIRECTORY`
        /// (set by systemd's `StateDirectory=`) or `./commcast-state`.
        public var stateDirectory: String = ""
        /// Minimum log level.
        public var logLevel: Logger.Level = .info
        /// Station time zone (IANA name).
        public var timeZone: String = "Asia/Ho_Chi_Minh"
    }

    /// `[control]`
    public struct ControlSection: Sendable, Equatable {
        /// Unix socket of the control API. Empty means `$RUNTIME_DIRECTORY/control.sock`
        /// (systemd's `RuntimeDirectory=`) or `<state directory>/control.sock`.
        public var socketPath: String = ""
        /// Socket file mode; the kernel checks it at connect.
        public var socketMode: UInt16 = 0o660
        /// Group given to the socket file, so its members can connect. Empty keeps the daemon's group.
        public var socketGroup: String = ""
        /// Users (names or numeric uids) allowed besides root and the daemon's own user.
        public var allowedUsers: [String] = []
        /// Groups (names or numeric gids) whose members are allowed.
        public var allowedGroups: [String] = []
    }

    /// `[ingest]`
    public struct IngestSection: Sendable, Equatable {
        public var loudness: LoudnessTarget = .default
        public var encoder: EncoderSettings = .default
        public var limits: IngestLimits = .default
        /// `ffmpeg` executable for MP3/M4A input.
        public var ffmpegPath: String = "ffmpeg"
    }

    /// `[schedule]`
    public struct ScheduleSection: Sendable, Equatable {
        /// Station-wide quiet hours; zones may set their own. nil: none.
        public var quietHours: QuietHours? = .default
        /// How far ahead airings are planned and stored.
        public var horizonHours: Int = 24
        /// How far a conflict may push a fixed-time airing.
        public var maxShiftMinutes: Int = 30
        /// How often the plan is refreshed even when nothing changed.
        public var replanIntervalSeconds: Int = 60
        /// A planned airing with no receipt this long after its start counts as missed.
        public var missedAfterMinutes: Int = 120
        /// Whether an operator's bulletin waits for a supervisor's approval.
        public var approval: Approval = .none
    }

    /// `schedule.approval`: who must agree before a bulletin is planned.
    public enum Approval: String, Sendable, Equatable, CaseIterable {
        /// Bulletins are planned as soon as they are queued.
        case none
        /// A bulletin waits as pending until a supervisor other than its author
        /// approves it; emergencies and the station's administrators pass at once.
        case required
    }

    /// `[tts]`
    public struct TTSSection: Sendable, Equatable {
        public var command: [String] = TextToSpeechHook.Configuration.espeakCommand
        public var voice: String = "vi-vn-x-south"
        public var rate: Int = 150
        public var timeoutSeconds: Int = 120
        public var maxCharacters: Int = 20_000
        public var dialect: VietnameseNumberReader.Dialect = .southern
        /// Extra abbreviations, one `ABBR = expansion` a line; empty for none.
        public var abbreviationsFile: String = ""
        /// Loaded from `abbreviationsFile`.
        public var abbreviations: [String: String] = [:]
    }

    /// `[link]`: where clusters connect (docs/protocol.md).
    public struct LinkSection: Sendable, Equatable {
        /// Address the link server listens on; clusters dial in over 4G, so all interfaces by default.
        public var listenAddress: String = "0.0.0.0"
        /// TCP port; 0 picks a free one (tests).
        public var port: Int = 7470
        /// How often clusters are told to send a heartbeat.
        public var heartbeatSeconds: Int = 30
        /// PEM certificate chain; with `tlsKey`, the link is served as wss:// and https://.
        public var tlsCertificate: String = ""
        /// PEM private key of `tlsCertificate`.
        public var tlsKey: String = ""
        /// Whether the link is served over TLS.
        public var usesTLS: Bool { !tlsCertificate.isEmpty }
    }

    /// `[web]`: the web console and the control API over HTTPS (docs/console.md).
    public struct WebSection: Sendable, Equatable {
        /// Where the console listens. Without a certificate it is 127.0.0.1 whatever
        /// this says: passwords and session cookies never cross a network in clear.
        public var listenAddress: String = "127.0.0.1"
        /// TCP port; 0 picks a free one (tests); -1 turns the console off.
        public var port: Int = 7480
        /// PEM certificate chain and key; both empty: the link's, if it has one.
        public var tlsCertificate: String = ""
        public var tlsKey: String = ""
        /// A session ends after this long without a request…
        public var sessionIdleMinutes: Int = 30
        /// …and this long after the login, however busy.
        public var sessionMaxHours: Int = 12
        /// Whether the console is served at all.
        public var enabled: Bool { port >= 0 }
    }

    /// `[live]`: live broadcasts (docs/live.md).
    public struct LiveSection: Sendable, Equatable {
        /// Clusters buffer this much before they play live audio (`jitter_ms` in `live_start`).
        public var jitterMilliseconds: Int = 120
        /// Volume clusters play an emergency broadcast at; nil: their own volume.
        public var emergencyVolume: Int? = 100
        /// A broadcast whose source sends nothing for this long ends (`source silent`).
        public var sourceTimeoutSeconds: Int = 10
        /// The station's jitter buffer for a phone's live audio (docs/live.md, "From a phone").
        public var uplinkJitterMilliseconds: Int = 100
        /// A phone whose connection drops may come back into its broadcast within this;
        /// past it the broadcast ends.
        public var reconnectGraceSeconds: Int = 10
        /// Opus bitrate of the live stream.
        public var bitrate: Int = 32_000
        /// Live frames written to each connection at once: 2 (every 40 ms) halves the
        /// syscalls and TCP segments of 1 for 20 ms more latency (docs/benchmarks.md).
        public var framesPerWrite: Int = 2
        /// ALSA device `commcast live --mic` uses when none is named.
        public var microphone: String = "default"
    }

    /// `[[relay]]`: an outside stream relayed live at set hours (docs/live.md, "Relay").
    public struct Relay: Sendable, Equatable {
        public var name: String
        /// HTTP(S) stream: MP3, AAC or Ogg, anything ffmpeg reads.
        public var url: String
        /// Zone paths it reaches, each with everything below it.
        public var zones: [String]
        public var slot: RelaySlot
        /// The relay stops after this long below `silenceDBFS`.
        public var silenceSeconds: Int = 30
        public var silenceDBFS: Double = -50
    }

    /// `[metrics]`: the Prometheus endpoint (docs/reliability.md, "Watching a station").
    public struct MetricsSection: Sendable, Equatable {
        /// Where `/metrics` listens; loopback unless a Prometheus elsewhere must scrape it.
        public var listenAddress: String = "127.0.0.1"
        /// TCP port; -1 (the default) turns the endpoint off, 0 picks a free one (tests).
        public var port: Int = -1
        /// Whether the endpoint is served at all.
        public var enabled: Bool { port >= 0 }
    }

    /// `[health]`
    public struct HealthSection: Sendable, Equatable {
        /// Heartbeat samples and transitions older than this are deleted.
        public var retentionDays: Int = 7
        /// At most one stored heartbeat sample per cluster this often.
        public var sampleIntervalSeconds: Int = 300
    }

    /// `[province]`: reporting to the provincial source information system and
    /// bulletins from it (docs/provincial-api.md).
    public struct ProvinceSection: Sendable, Equatable {
        /// What an emergency bulletin from the province does on arrival.
        public enum EmergencyPolicy: String, Sendable, Equatable {
            /// On the air at once, as a live emergency broadcast to its zones.
            case air
            /// Into the inbox like a normal bulletin, for an operator to approve.
            case inbox
        }

        /// Where report batches are POSTed; empty keeps reports waiting in the outbox.
        public var reportURL: String = ""
        /// This station's name at the province; the host name when empty.
        public var stationID: String = ""
        /// The bearer token for the province, read from `token_file`.
        public var token: String = ""
        public var tokenFile: String = ""
        /// PEM file of the CA certificates to trust for the province; the system's when empty.
        public var caBundle: String = ""
        public var batchSize: Int = 500
        /// How often an idle reporter looks for new reports.
        public var intervalSeconds: Int = 10
        public var maxBackoffSeconds: Int = 300
        public var snapshotIntervalSeconds: Int = 300
        /// Delivered reports are deleted after this many days; undelivered ones never are.
        public var deliveredRetentionDays: Int = 30
        /// `address:port` of the webhook the province sends bulletins to; off when empty.
        public var webhookListen: String = ""
        /// sha256 (hex) of the token the province presents on the webhook.
        public var webhookTokenSHA256: String = ""
        public var emergencyPolicy: EmergencyPolicy = .air
        /// Largest bulletin request accepted on the webhook.
        public var maxBulletinMB: Int = 16
    }

    public var daemon = DaemonSection()
    public var province = ProvinceSection()
    public var link = LinkSection()
    public var web = WebSection()
    public var health = HealthSection()
    public var metrics = MetricsSection()
    public var live = LiveSection()
    public var relays: [Relay] = []
    public var control = ControlSection()
    public var ingest = IngestSection()
    public var schedule = ScheduleSection()
    public var tts = TTSSection()
    /// `[[operators]]`: who may act, on which zones.
    public var operators: [Operator] = []

    public init() {}

    /// The built-in configuration used when `commcastd` is started without `--config`.
    public static let embeddedDefault = DaemonConfiguration()

    /// The state directory after applying the environment fallbacks.
    public func resolvedStateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if !daemon.stateDirectory.isEmpty { return URL(fileURLWithPath: daemon.stateDirectory) }
        // systemd may list several directories separated by colons; the first is ours.
        if let dir = environment["STATE_DIRECTORY"]?.split(separator: ":").first {
            return URL(fileURLWithPath: String(dir))
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("commcast-state")
    }

    /// The control socket path after applying the environment fallbacks.
    public func resolvedSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if !control.socketPath.isEmpty { return control.socketPath }
        if let dir = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first {
            return "\(dir)/control.sock"
        }
        return resolvedStateDirectory(environment: environment).appendingPathComponent("control.sock").path
    }
}
