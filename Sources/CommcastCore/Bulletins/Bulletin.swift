import Foundation

/// Where a bulletin's audio comes from.
public enum SourceKind: String, Sendable, Codable, CaseIterable {
    case file, text, microphone, relay
}

/// Life cycle of a bulletin.
///
/// With `schedule.approval = "required"` an operator's bulletin starts `pending`
/// and becomes `active` or `rejected` when a supervisor other than its author
/// reviews it (docs/console.md, "Approval"); only `active` bulletins are planned.
public enum BulletinState: String, Sendable, Codable, CaseIterable {
    case pending, active, paused, cancelled, finished, rejected
}

/// Who reviewed a bulletin that waited for approval, when, and why it was rejected.
public struct BulletinReview: Sendable, Hashable, Codable {
    public var by: String
    public var at: Date
    /// The reason given with a rejection; nil for an approval.
    public var note: String?
    public init(by: String, at: Date, note: String? = nil) {
        self.by = by
        self.at = at
        self.note = note
    }
}

/// A target: a zone (with everything below it) or one cluster.
public struct BulletinTarget: Sendable, Hashable, Codable, CustomStringConvertible {
    public var zone: String?
    public var cluster: String?

    public static func zone(_ path: String) -> BulletinTarget { BulletinTarget(zone: path, cluster: nil) }
    public static func cluster(_ id: String) -> BulletinTarget { BulletinTarget(zone: nil, cluster: id) }

    public var description: String { zone.map { "zone \($0)" } ?? "cluster \(cluster ?? "?")" }
}

/// A stored rule with its id, as shown to operators.
public struct StoredRule: Sendable, Hashable, Codable {
    public var id: Int64
    public var rule: RecurrenceRule
    public init(id: Int64, rule: RecurrenceRule) {
        self.id = id
        self.rule = rule
    }
}

/// A bulletin as listed and shown.
public struct Bulletin: Sendable, Hashable, Codable {
    public var id: Int64
    public var title: String
    public var level: BulletinLevel
    public var state: BulletinState
    public var sourceKind: SourceKind
    public var author: String
    public var createdAt: Date
    public var updatedAt: Date
    /// Seconds of audio.
    public var durationSeconds: Double
    public var mediaSHA256: String?
    public var text: String?
    public var targets: [BulletinTarget]
    public var rules: [StoredRule]
    /// The next planned airing on any cluster, when the station has planned one
    /// (the plan looks ahead a day or so); filled in for lists and `show`.
    public var nextAiring: Date?
    /// The approval or rejection, for a bulletin that waited for one.
    public var review: BulletinReview?

    // `mediaSha256`, so that snake_case JSON ("media_sha256") decodes back: the
    // default key, "mediaSHA256", never matched and `bulletin show` printed "media -".
    enum CodingKeys: String, CodingKey {
        case id, title, level, state, sourceKind, author, createdAt, updatedAt, durationSeconds, text, targets, rules, nextAiring, review
        case mediaSHA256 = "mediaSha256"
    }

    public init(
        id: Int64, title: String, level: BulletinLevel, state: BulletinState, sourceKind: SourceKind, author: String,
        createdAt: Date, updatedAt: Date, durationSeconds: Double, mediaSHA256: String?, text: String?,
        targets: [BulletinTarget], rules: [StoredRule], nextAiring: Date? = nil, review: BulletinReview? = nil
    ) {
        self.id = id
        self.title = title
        self.level = level
        self.state = state
        self.sourceKind = sourceKind
        self.author = author
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.durationSeconds = durationSeconds
        self.mediaSHA256 = mediaSHA256
        self.text = text
        self.targets = targets
        self.rules = rules
        self.nextAiring = nextAiring
        self.review = review
    }
}
