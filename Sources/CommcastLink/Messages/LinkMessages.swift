import CommcastCore
import Foundation

// The messages of docs/protocol.md, one type each, coded as JSON objects with a
// "type" field. Field names follow the document exactly (snake_case).

/// `challenge`: the station's first message on every link.
public struct ChallengeMessage: Codable, Sendable, Equatable {
    public var type = "challenge"
    /// The major version, 1 (a 1.0 cluster reads only this).
    public var `protocol`: Int
    /// Every version the station speaks, e.g. `["1.0", "1.1"]`.
    public var protocolVersions: [String]?
    public var nonce: String
    public var serverTime: Date
    enum CodingKeys: String, CodingKey {
        case type, `protocol`, nonce
        case protocolVersions = "protocol_versions"
        case serverTime = "server_time"
    }
    public init(nonce: String, serverTime: Date, protocolVersions: [String]? = LinkProtocolVersion.supported.map(\.description)) {
        self.protocol = 1
        self.protocolVersions = protocolVersions
        self.nonce = nonce
        self.serverTime = serverTime
    }
}

/// `hello`: the cluster's answer, signed.
public struct HelloMessage: Codable, Sendable, Equatable {
    public var type = "hello"
    public var clusterID: String
    public var signature: String
    public var firmware: String?
    public var clusterTime: Date?
    public var volume: Int?
    public var cached: [String]?
    public var pendingReceipts: Int?
    /// The version the cluster speaks, e.g. `"1.1"`; absent: 1.0.
    public var `protocol`: String?
    enum CodingKeys: String, CodingKey {
        case type, signature, firmware, volume, cached, `protocol`
        case clusterID = "cluster_id"
        case clusterTime = "cluster_time"
        case pendingReceipts = "pending_receipts"
    }
    public init(
        clusterID: String, signature: String, firmware: String? = nil, clusterTime: Date? = nil, volume: Int? = nil,
        cached: [String]? = nil, pendingReceipts: Int? = nil, protocol: String? = nil
    ) {
        self.protocol = `protocol`
        self.clusterID = clusterID
        self.signature = signature
        self.firmware = firmware
        self.clusterTime = clusterTime
        self.volume = volume
        self.cached = cached
        self.pendingReceipts = pendingReceipts
    }
}

/// `welcome`: the link is open.
public struct WelcomeMessage: Codable, Sendable, Equatable {
    public var type = "welcome"
    public var session: String
    public var heartbeatSeconds: Int
    public var serverTime: Date
    public var mediaPath: String
    /// The version spoken on this link: the highest both sides speak.
    public var `protocol`: String?
    enum CodingKeys: String, CodingKey {
        case type, session, `protocol`
        case heartbeatSeconds = "heartbeat_seconds"
        case serverTime = "server_time"
        case mediaPath = "media_path"
    }
    public init(session: String, heartbeatSeconds: Int, serverTime: Date, mediaPath: String = "/v1/media/", protocol: String? = nil) {
        self.protocol = `protocol`
        self.session = session
        self.heartbeatSeconds = heartbeatSeconds
        self.serverTime = serverTime
        self.mediaPath = mediaPath
    }
}

/// `error`: sent before the station closes a link.
public struct ErrorMessage: Codable, Sendable, Equatable, Error {
    public var type = "error"
    public var code: String
    public var message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// One airing as a cluster receives it.
public struct LinkAiring: Codable, Sendable, Equatable {
    /// What the cluster must hold to play it.
    public struct Media: Codable, Sendable, Equatable {
        public var sha256: String
        public var size: Int
        public var durationMS: Int
        enum CodingKeys: String, CodingKey {
            case sha256, size
            case durationMS = "duration_ms"
        }
        public init(sha256: String, size: Int, durationMS: Int) {
            self.sha256 = sha256
            self.size = size
            self.durationMS = durationMS
        }
    }

    public var airingID: Int64
    public var bulletinID: Int64
    public var title: String
    public var level: BulletinLevel
    public var start: Date
    public var end: Date
    public var media: Media
    enum CodingKeys: String, CodingKey {
        case title, level, start, end, media
        case airingID = "airing_id"
        case bulletinID = "bulletin_id"
    }
    public init(airingID: Int64, bulletinID: Int64, title: String, level: BulletinLevel, start: Date, end: Date, media: Media) {
        self.airingID = airingID
        self.bulletinID = bulletinID
        self.title = title
        self.level = level
        self.start = start
        self.end = end
        self.media = media
    }
}

/// `schedule`: every airing of the cluster from `from` to `until`, replacing what it held.
public struct ScheduleMessage: Codable, Sendable, Equatable {
    public var type = "schedule"
    public var revision: Int
    public var from: Date
    public var until: Date
    public var airings: [LinkAiring]
    enum CodingKeys: String, CodingKey { case type, revision, from, until, airings }

    /// How late a cluster may still start an airing (docs/protocol.md, `schedule`). The
    /// station's schedules reach back this far, so a cluster that (re)connects just
    /// after an airing's start still learns of it and starts it late.
    public static let latestStart: TimeInterval = 60

    public init(revision: Int, from: Date, until: Date, airings: [LinkAiring]) {
        self.revision = revision
        self.from = from
        self.until = until
        self.airings = airings
    }
}

/// `receipt_ack`: the station is done with these receipts, and the cluster may forget
/// them: stored, or refused for the reason given in `rejected`.
public struct ReceiptAckMessage: Codable, Sendable, Equatable {
    /// A receipt the station will never count, and why.
    public struct Rejection: Codable, Sendable, Equatable {
        public var receiptID: String
        public var reason: String
        enum CodingKeys: String, CodingKey {
            case reason
            case receiptID = "receipt_id"
        }
        public init(receiptID: String, reason: String) {
            self.receiptID = receiptID
            self.reason = reason
        }
    }

    public var type = "receipt_ack"
    /// Every receipt the cluster may drop, rejected ones included (a 1.0 cluster reads only this).
    public var receiptIDs: [String]
    /// The ones among them the station refused (1.1); absent when none was.
    public var rejected: [Rejection]?
    enum CodingKeys: String, CodingKey {
        case type, rejected
        case receiptIDs = "receipt_ids"
    }
    public init(receiptIDs: [String], rejected: [Rejection]? = nil) {
        self.receiptIDs = receiptIDs
        self.rejected = rejected
    }

    /// Refuses one receipt for good.
    public static func rejecting(_ receiptID: String, because reason: String) -> ReceiptAckMessage {
        ReceiptAckMessage(receiptIDs: [receiptID], rejected: [Rejection(receiptID: receiptID, reason: reason)])
    }
}

/// `cancel` (1.1): these airings are withdrawn. One playing stops at once (receipt
/// `interrupted` with this reason); one not yet started never starts.
public struct CancelMessage: Codable, Sendable, Equatable {
    public var type = "cancel"
    public var airingIDs: [Int64]
    public var reason: String
    enum CodingKeys: String, CodingKey {
        case type, reason
        case airingIDs = "airing_ids"
    }
    public init(airingIDs: [Int64], reason: String = "cancelled") {
        self.airingIDs = airingIDs
        self.reason = reason
    }
}

/// `command`: stop, set_volume, resync or test_tone.
public struct CommandMessage: Codable, Sendable, Equatable {
    public enum Command: String, Codable, Sendable, CaseIterable {
        case stop
        case setVolume = "set_volume"
        case resync
        case testTone = "test_tone"
    }
    public var type = "command"
    public var commandID: String
    public var command: Command
    public var volume: Int?
    public var seconds: Int?
    enum CodingKeys: String, CodingKey {
        case type, command, volume, seconds
        case commandID = "command_id"
    }
    public init(commandID: String, command: Command, volume: Int? = nil, seconds: Int? = nil) {
        self.commandID = commandID
        self.command = command
        self.volume = volume
        self.seconds = seconds
    }
}

/// `heartbeat`, as the cluster sends it.
public struct HeartbeatMessage: Codable, Sendable, Equatable {
    /// The airing playing now.
    public struct Playing: Codable, Sendable, Equatable {
        public var airingID: Int64
        public var positionMS: Int?
        enum CodingKeys: String, CodingKey {
            case airingID = "airing_id"
            case positionMS = "position_ms"
        }
        public init(airingID: Int64, positionMS: Int?) {
            self.airingID = airingID
            self.positionMS = positionMS
        }
    }

    public var type = "heartbeat"
    public var seq: Int
    public var clusterTime: Date
    public var state: HeartbeatSample.Activity
    public var playing: Playing?
    public var volume: Int
    public var signalDBm: Int?
    public var uptimeSeconds: Int
    public var firmware: String
    public var cached: [String]
    public var pendingReceipts: Int
    public var errors: [String]
    enum CodingKeys: String, CodingKey {
        case type, seq, state, playing, volume, firmware, cached, errors
        case clusterTime = "cluster_time"
        case signalDBm = "signal_dbm"
        case uptimeSeconds = "uptime_seconds"
        case pendingReceipts = "pending_receipts"
    }
    public init(
        seq: Int, clusterTime: Date, state: HeartbeatSample.Activity, playing: Playing? = nil, volume: Int, signalDBm: Int? = nil,
        uptimeSeconds: Int, firmware: String, cached: [String], pendingReceipts: Int = 0, errors: [String] = []
    ) {
        self.seq = seq
        self.clusterTime = clusterTime
        self.state = state
        self.playing = playing
        self.volume = volume
        self.signalDBm = signalDBm
        self.uptimeSeconds = uptimeSeconds
        self.firmware = firmware
        self.cached = cached
        self.pendingReceipts = pendingReceipts
        self.errors = errors
    }

    /// Required: `seq`, `cluster_time`, `state`, `volume`, `cached`; the rest may be
    /// absent or null (docs/protocol.md, "heartbeat").
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seq = try c.decode(Int.self, forKey: .seq)
        clusterTime = try c.decode(Date.self, forKey: .clusterTime)
        state = try c.decode(HeartbeatSample.Activity.self, forKey: .state)
        playing = try c.decodeIfPresent(Playing.self, forKey: .playing)
        volume = try c.decode(Int.self, forKey: .volume)
        signalDBm = try c.decodeIfPresent(Int.self, forKey: .signalDBm)
        uptimeSeconds = try c.decodeIfPresent(Int.self, forKey: .uptimeSeconds) ?? 0
        firmware = try c.decodeIfPresent(String.self, forKey: .firmware) ?? ""
        cached = try c.decode([String].self, forKey: .cached)
        pendingReceipts = try c.decodeIfPresent(Int.self, forKey: .pendingReceipts) ?? 0
        errors = try c.decodeIfPresent([String].self, forKey: .errors) ?? []
    }

    /// The sample the station stores, stamped with when it arrived.
    public func sample(receivedAt: Date) -> HeartbeatSample {
        HeartbeatSample(
            receivedAt: receivedAt, clusterTime: clusterTime, activity: state, playingAiringID: playing?.airingID, volume: volume,
            signalDBm: signalDBm, uptimeSeconds: uptimeSeconds, firmware: firmware, cached: cached,
            pendingReceipts: pendingReceipts, errors: errors)
    }
}

/// `receipt`: an airing started or ended on the cluster.
public struct ReceiptMessage: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case started, completed, interrupted, failed }
    public var type = "receipt"
    public var receiptID: String
    public var airingID: Int64
    public var kind: Kind
    public var at: Date
    public var reason: String?
    enum CodingKeys: String, CodingKey {
        case type, kind, at, reason
        case receiptID = "receipt_id"
        case airingID = "airing_id"
    }
    public init(receiptID: String, airingID: Int64, kind: Kind, at: Date, reason: String? = nil) {
        self.receiptID = receiptID
        self.airingID = airingID
        self.kind = kind
        self.at = at
        self.reason = reason
    }
}

/// `media_report`: a download finally failed, or a cached file was lost.
public struct MediaReportMessage: Codable, Sendable, Equatable {
    public var type = "media_report"
    public var sha256: String
    public var state: String
    public var reason: String?
    public init(sha256: String, state: String, reason: String?) {
        self.sha256 = sha256
        self.state = state
        self.reason = reason
    }
}

/// `command_result`: the cluster's answer to a command.
public struct CommandResultMessage: Codable, Sendable, Equatable {
    public var type = "command_result"
    public var commandID: String
    public var ok: Bool
    public var error: String?
    enum CodingKeys: String, CodingKey {
        case type, ok, error
        case commandID = "command_id"
    }
    public init(commandID: String, ok: Bool, error: String? = nil) {
        self.commandID = commandID
        self.ok = ok
        self.error = error
    }
}
