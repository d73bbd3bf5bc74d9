import CommcastCore
import Foundation

/// `POST /v1/zones`
public struct AddZoneRequest: Sendable, Codable {
    public var path: String
    /// Create missing ancestors; false when absent.
    public var parents: Bool?
    /// `HH:MM-HH:MM` or `none`; nil inherits.
    public var quietHours: String?
    public init(path: String, parents: Bool?, quietHours: String?) {
        self.path = path
        self.parents = parents
        self.quietHours = quietHours
    }
}

/// `PUT /v1/zones/quiet-hours`
public struct SetQuietHoursRequest: Sendable, Codable {
    public var path: String
    /// `HH:MM-HH:MM`, `none` (no quiet hours), or nil to inherit.
    public var quietHours: String?
    public init(path: String, quietHours: String?) {
        self.path = path
        self.quietHours = quietHours
    }
}

/// `PUT /v1/clusters/{id}/zone`
public struct MoveClusterRequest: Sendable, Codable {
    public var zone: String
    public init(zone: String) { self.zone = zone }
}

/// `POST /v1/clusters/import` reply, and other counts.
public struct CountResponse: Sendable, Codable {
    public var count: Int
    public init(count: Int) { self.count = count }
}

/// `POST /v1/media`: the uploaded recording after ingest.
public struct MediaResponse: Sendable, Codable {
    public var sha256: String
    public var durationSeconds: Double
    public var sourceFormat: String
    public var measuredLufs: Double?
    public var gainDb: Double
    public var sizeBytes: Int
    /// Why the stored level is what it is, in one sentence (gain, limiter, the stored Opus's measurement).
    public var level: String?
    public init(
        sha256: String, durationSeconds: Double, sourceFormat: String, measuredLufs: Double?, gainDb: Double, sizeBytes: Int,
        level: String? = nil
    ) {
        self.sha256 = sha256
        self.durationSeconds = durationSeconds
        self.sourceFormat = sourceFormat
        self.measuredLufs = measuredLufs
        self.gainDb = gainDb
        self.sizeBytes = sizeBytes
        self.level = level
    }
}

/// `POST /v1/bulletins`
public struct AddBulletinRequest: Sendable, Codable {
    public var title: String
    public var level: BulletinLevel
    /// Audio already uploaded with `POST /v1/media`.
    public var mediaSha256: String?
    /// Text for the synthetic voice (instead of media).
    public var text: String?
    public var targets: [BulletinTarget]
    public var schedule: ScheduleSpec
    public init(title: String, level: BulletinLevel, mediaSha256: String?, text: String?, targets: [BulletinTarget], schedule: ScheduleSpec) {
        self.title = title
        self.level = level
        self.mediaSha256 = mediaSha256
        self.text = text
        self.targets = targets
        self.schedule = schedule
    }
}

/// One line of `commcast schedule`.
public struct ScheduleEntry: Sendable, Codable, Equatable {
    public var start: Date
    public var end: Date
    public var wantedAt: Date
    public var clusterId: String
    public var bulletinId: Int64
    public var title: String
    public var level: BulletinLevel
    /// Why it moved, or why it will not air.
    public var reason: String?
    /// The zone of the cluster, so a timeline can group per zone.
    public var zone: String?
    public init(
        start: Date, end: Date, wantedAt: Date, clusterId: String, bulletinId: Int64, title: String, level: BulletinLevel, reason: String?,
        zone: String? = nil
    ) {
        self.zone = zone
        self.start = start
        self.end = end
        self.wantedAt = wantedAt
        self.clusterId = clusterId
        self.bulletinId = bulletinId
        self.title = title
        self.level = level
        self.reason = reason
    }
}

/// Airings of one bulletin at one time in one zone, counted (`GET /v1/schedule?group=zone`).
public struct ScheduleBlock: Sendable, Codable, Equatable {
    public var start: Date
    public var end: Date
    public var wantedAt: Date
    public var zone: String
    public var bulletinId: Int64
    public var title: String
    public var level: BulletinLevel
    public var reason: String?
    /// Whether these air or are skipped.
    public var skipped: Bool
    public var clusters: Int

    public init(entry: ScheduleEntry, skipped: Bool) {
        start = entry.start
        end = entry.end
        wantedAt = entry.wantedAt
        zone = entry.zone ?? ""
        bulletinId = entry.bulletinId
        title = entry.title
        level = entry.level
        reason = entry.reason
        self.skipped = skipped
        clusters = 1
    }

    /// Lines for many clusters as one block per bulletin, time, zone and reason, in time order.
    public static func grouping(airings: [ScheduleEntry], skipped: [ScheduleEntry]) -> [ScheduleBlock] {
        struct Key: Hashable {
            var skipped: Bool
            var bulletin: Int64
            var start: Date
            var zone: String?
            var reason: String?
        }
        var blocks: [Key: ScheduleBlock] = [:]
        for (list, isSkipped) in [(airings, false), (skipped, true)] {
            for entry in list {
                let key = Key(skipped: isSkipped, bulletin: entry.bulletinId, start: entry.start, zone: entry.zone, reason: entry.reason)
                if blocks[key] == nil { blocks[key] = ScheduleBlock(entry: entry, skipped: isSkipped) } else { blocks[key]!.clusters += 1 }
            }
        }
        return blocks.values.sorted { ($0.start, $0.zone, $0.bulletinId) < ($1.start, $1.zone, $1.bulletinId) }
    }
}

/// `GET /v1/schedule`
public struct ScheduleResponse: Sendable, Codable {
    public var day: String
    public var timeZone: String
    public var airings: [ScheduleEntry]
    /// Occurrences that will not air; `start`/`end` repeat the wanted slot.
    public var skipped: [ScheduleEntry]
    /// Each zone's quiet hours in effect ("22:00-05:00"), its own, inherited or the
    /// station's; a zone without any is absent.
    public var quietHours: [String: String]
    /// With `group=zone`: the airings and skipped occurrences of one bulletin at one
    /// time in one zone as one block with a count, instead of one line per cluster
    /// (a province's 1,661 clusters would make megabytes); `airings` and `skipped`
    /// are then empty.
    public var blocks: [ScheduleBlock]?
    public init(
        day: String, timeZone: String, airings: [ScheduleEntry], skipped: [ScheduleEntry], quietHours: [String: String] = [:],
        blocks: [ScheduleBlock]? = nil
    ) {
        self.quietHours = quietHours
        self.blocks = blocks
        self.day = day
        self.timeZone = timeZone
        self.airings = airings
        self.skipped = skipped
    }
}

/// A cluster's link credential, returned once when it is issued (docs/protocol.md).
public struct IssuedCredential: Sendable, Codable, Equatable {
    public var clusterId: String
    /// `ccl1:<cluster id>:<private key>`: the only time the station shows it.
    public var credential: String
    /// First 16 hex digits of the sha256 of the public key.
    public var fingerprint: String
    public init(clusterId: String, credential: String, fingerprint: String) {
        self.clusterId = clusterId
        self.credential = credential
        self.fingerprint = fingerprint
    }
}

/// `POST /v1/clusters`: the cluster and its credential.
public struct AddedCluster: Sendable, Codable {
    public var cluster: Cluster
    public var credential: IssuedCredential
    public init(cluster: Cluster, credential: IssuedCredential) {
        self.cluster = cluster
        self.credential = credential
    }
}

/// `POST /v1/clusters/import`: how many, and every new credential.
public struct ImportedClusters: Sendable, Codable {
    public var count: Int
    public var credentials: [IssuedCredential]
    public init(count: Int, credentials: [IssuedCredential]) {
        self.count = count
        self.credentials = credentials
    }
}

/// `POST /v1/speech/preview`: what the voice will read, before anything is queued.
public struct SpeechPreviewRequest: Sendable, Codable {
    /// The text as the operator would queue it.
    public var text: String
    /// Also synthesise and encode it, as a bulletin would be stored.
    public var audio: Bool?
    public init(text: String, audio: Bool? = nil) {
        self.text = text
        self.audio = audio
    }
}

/// `POST /v1/speech/preview` reply.
public struct SpeechPreview: Sendable, Codable {
    /// Characters as typed (what `tts.max_characters` counts).
    public var typedCharacters: Int
    /// The text the voice receives, after the Vietnamese normaliser.
    public var spoken: String
    /// The Ogg Opus the bulletin would be stored as, base64; only when audio was asked for.
    public var audioBase64: String?
    /// Seconds of that audio.
    public var durationSeconds: Double?
    /// Why its level is what it is.
    public var level: String?
    public init(typedCharacters: Int, spoken: String, audioBase64: String? = nil, durationSeconds: Double? = nil, level: String? = nil) {
        self.typedCharacters = typedCharacters
        self.spoken = spoken
        self.audioBase64 = audioBase64
        self.durationSeconds = durationSeconds
        self.level = level
    }
}

/// `POST /v1/inbox/:id/reject` and `POST /v1/bulletins/:id/reject`: why, for the
/// province or the bulletin's author to read.
public struct RejectRequest: Sendable, Codable, Equatable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// `POST /v1/backup` (`commcast backup FILE`, docs/reliability.md): a consistent copy
/// of the station's database while it runs.
public struct BackupRequest: Sendable, Codable, Equatable {
    /// Absolute path of the copy, a new file in a directory the daemon may write.
    public var path: String

    public init(path: String) { self.path = path }
}

/// What `POST /v1/backup` wrote.
public struct BackupResult: Sendable, Codable, Equatable {
    public var path: String
    public var bytes: Int
    /// `ok`, or what `PRAGMA integrity_check` found wrong with the copy.
    public var integrity: String
    /// The media the copy references: their number and bytes, the station's media
    /// directory, and a file listing them relative to it (for `rsync --files-from`).
    public var mediaFiles: Int
    public var mediaBytes: Int
    public var mediaDirectory: String
    public var mediaList: String

    public init(path: String, bytes: Int, integrity: String, mediaFiles: Int, mediaBytes: Int, mediaDirectory: String, mediaList: String) {
        self.path = path
        self.bytes = bytes
        self.integrity = integrity
        self.mediaFiles = mediaFiles
        self.mediaBytes = mediaBytes
        self.mediaDirectory = mediaDirectory
        self.mediaList = mediaList
    }
}
