import CommcastCore
import Foundation

/// What the planner makes of a new bulletin before it is stored: `bulletin add`
/// says how many airings it will have, warns when some occurrences are skipped,
/// and a bulletin with none is refused with the reason.
public struct PlanPreview: Sendable, Codable, Equatable {
    /// Airings planned, on all targeted clusters together.
    public var airings: Int
    /// How many clusters the bulletin reaches.
    public var clusters: Int
    /// The first planned airing.
    public var firstAiring: Date?
    /// Occurrences that cannot air, by reason (such as `quiet hours`).
    public var skipped: [String: Int]
    /// The preview looks this far ahead: the rule's first week, or to its end.
    public var until: Date

    public init(airings: Int, clusters: Int, firstAiring: Date?, skipped: [String: Int], until: Date) {
        self.airings = airings
        self.clusters = clusters
        self.firstAiring = firstAiring
        self.skipped = skipped
        self.until = until
    }

    /// Occurrences skipped, for every reason.
    public var skippedCount: Int { skipped.values.reduce(0, +) }
}

/// The reply to `POST /v1/bulletins`: the bulletin as stored, with its plan under `plan`.
public struct CreatedBulletin: Sendable, Encodable {
    public var bulletin: Bulletin
    public var plan: PlanPreview

    public init(bulletin: Bulletin, plan: PlanPreview) {
        self.bulletin = bulletin
        self.plan = plan
    }

    enum CodingKeys: String, CodingKey { case plan }

    /// The bulletin's own fields at the top level, so a client that reads a
    /// `Bulletin` reads this too, and `plan` beside them.
    public func encode(to encoder: any Encoder) throws {
        try bulletin.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(plan, forKey: .plan)
    }
}

/// The reply to `POST /v1/bulletins/plan`: what the bulletin would make, checked
/// as `POST /v1/bulletins` checks it, and whether it would wait for approval.
public struct PlannedBulletin: Sendable, Codable, Equatable {
    public var plan: PlanPreview
    public var pending: Bool

    public init(plan: PlanPreview, pending: Bool) {
        self.plan = plan
        self.pending = pending
    }
}
