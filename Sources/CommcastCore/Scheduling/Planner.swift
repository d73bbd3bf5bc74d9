import Foundation

/// Turns bulletins and their rules into concrete, non-overlapping airings per
/// cluster for a horizon. Pure and deterministic: the same input gives the same plan.
///
/// Conflict rule, in order:
/// 1. Candidates are placed by level (emergency, then priority, then normal), then by
///    wanted time, then by when the bulletin was queued, then by bulletin and rule id.
/// 2. A candidate takes its wanted time if the cluster is free then. Otherwise it moves
///    to the earliest free gap after it, no later than its shift limit (the end of its
///    daily window for `every` rules, `maxShift` after the wanted time for the others);
///    the airing records that it was shifted and why.
/// 3. If no gap fits, it is skipped with the reason (the bulletin that holds the slot).
/// 4. Normal and priority airings never start in, or run into, the cluster's quiet
///    hours; such candidates are skipped with reason `quiet hours`. Emergency ignores them.
/// 5. `maxAirings` counts airings per cluster, including those before the horizon.
public struct Planner: Sendable {
    /// A shift as an operator reads it: seconds under a minute ("11 s", not "1 min"),
    /// whole minutes from there ("3 min 5 s" reads "3 min").
    public static func describeShift(_ seconds: TimeInterval) -> String {
        seconds < 59.5 ? "\(max(1, Int(seconds.rounded()))) s" : "\(Int((seconds / 60).rounded())) min"
    }

    /// Knobs of the planner.
    public struct Configuration: Sendable, Equatable {
        /// How far a fixed-time airing may be pushed back by a conflict.
        public var maxShift: TimeInterval
        /// Silence kept between two airings on one cluster.
        public var gap: TimeInterval

        public init(maxShift: TimeInterval = 30 * 60, gap: TimeInterval = 5) {
            self.maxShift = maxShift
            self.gap = gap
        }
    }

    /// A bulletin as the planner sees it.
    public struct Bulletin: Sendable, Hashable {
        public var id: Int64
        public var title: String
        public var level: BulletinLevel
        /// Seconds of audio.
        public var duration: TimeInterval
        public var queuedAt: Date
        public var rules: [Rule]
        /// Every cluster the bulletin targets (zones already expanded).
        public var clusterIDs: [String]

        public init(
            id: Int64, title: String = "", level: BulletinLevel, duration: TimeInterval, queuedAt: Date,
            rules: [Rule], clusterIDs: [String]
        ) {
            self.id = id
            self.title = title
            self.level = level
            self.duration = duration
            self.queuedAt = queuedAt
            self.rules = rules
            self.clusterIDs = clusterIDs
        }
    }

    /// A stored rule with its id.
    public struct Rule: Sendable, Hashable {
        public var id: Int64
        public var rule: RecurrenceRule
        public init(id: Int64, rule: RecurrenceRule) {
            self.id = id
            self.rule = rule
        }
    }

    /// A cluster as the planner sees it.
    public struct Cluster: Sendable, Hashable {
        public var id: String
        /// nil: no quiet hours.
        public var quietHours: QuietHours?
        public init(id: String, quietHours: QuietHours? = .default) {
            self.id = id
            self.quietHours = quietHours
        }
    }

    /// Everything a plan depends on.
    public struct Input: Sendable {
        public var bulletins: [Bulletin]
        public var clusters: [Cluster]
        public var horizon: DateInterval
        /// Airings per (rule, cluster) that already happened or were planned before the horizon.
        public var priorAirings: [RuleCluster: Int]
        /// Airings settled before this pass that still hold their cluster in the horizon:
        /// one playing now, or one shifted past a wanted time that has passed (the
        /// occurrences start at the horizon, so the rule would not make it again). They
        /// keep their slot; those starting in the horizon are part of the plan.
        public var committed: [PlannedAiring]

        public init(
            bulletins: [Bulletin], clusters: [Cluster], horizon: DateInterval, priorAirings: [RuleCluster: Int] = [:],
            committed: [PlannedAiring] = []
        ) {
            self.bulletins = bulletins
            self.clusters = clusters
            self.horizon = horizon
            self.priorAirings = priorAirings
            self.committed = committed
        }
    }

    /// Key for per-cluster airing counts of a rule.
    public struct RuleCluster: Sendable, Hashable {
        public var ruleID: Int64
        public var clusterID: String
        public init(ruleID: Int64, clusterID: String) {
            self.ruleID = ruleID
            self.clusterID = clusterID
        }
    }

    public let configuration: Configuration
    public let calendar: Calendar

    /// - Parameter calendar: carries the station time zone.
    public init(configuration: Configuration = .init(), calendar: Calendar) {
        self.configuration = configuration
        self.calendar = calendar
    }

    /// Plans the horizon.
    public func plan(_ input: Input) -> Plan {
        // Occurrences depend on the rule only: compute once, share across clusters.
        var occurrences: [Int64: [Date]] = [:]
        var byCluster: [String: [Candidate]] = [:]
        let known = Set(input.clusters.map(\.id))
        for bulletin in input.bulletins {
            for rule in bulletin.rules {
                let times = occurrences[rule.id] ?? rule.rule.occurrences(in: input.horizon, calendar: calendar)
                occurrences[rule.id] = times
                for cluster in Set(bulletin.clusterIDs) where known.contains(cluster) {
                    for t in times {
                        byCluster[cluster, default: []].append(Candidate(bulletin: bulletin, rule: rule, wanted: t))
                    }
                }
            }
        }

        // Calendar arithmetic is the expensive part (Foundation on Linux): quiet spans are
        // computed once per distinct quiet-hours setting, shift limits once per occurrence.
        var quietSpans: [QuietHours: [DateInterval]] = [:]
        let reach = input.horizon.end.addingTimeInterval(configuration.maxShift + 86_400)
        for q in Set(input.clusters.compactMap(\.quietHours)) {
            quietSpans[q] = q.spans(from: input.horizon.start.addingTimeInterval(-86_400), to: reach, calendar: calendar)
        }
        var limits = ShiftLimits()

        let committed = Dictionary(grouping: input.committed.filter { $0.end > input.horizon.start }, by: \.clusterID)
        var airings: [PlannedAiring] = []
        var skipped: [SkippedAiring] = []
        for cluster in input.clusters.sorted(by: { $0.id < $1.id }) {
            let held = (committed[cluster.id] ?? []).sorted { $0.start < $1.start }
            // Committed airings hold their slots; those starting in the horizon stay in the plan.
            var busy = held  // kept sorted by start
            var counts: [Int64: Int] = [:]
            for a in held where a.start >= input.horizon.start { counts[a.ruleID, default: 0] += 1 }
            guard var candidates = byCluster[cluster.id] else {
                airings.append(contentsOf: held.filter { $0.start >= input.horizon.start })
                continue
            }
            let quiet = cluster.quietHours.map { QuietWindow(hours: $0, spans: quietSpans[$0] ?? []) }
            candidates.sort()
            for c in candidates {
                let key = RuleCluster(ruleID: c.rule.id, clusterID: cluster.id)
                if let max = c.rule.rule.maxAirings,
                    input.priorAirings[key, default: 0] + counts[c.rule.id, default: 0] >= max
                {
                    continue
                }
                switch place(c, clusterID: cluster.id, quiet: quiet, limit: limits.limit(for: c, planner: self), busy: busy) {
                case .success(let airing):
                    let index = busy.firstIndex { $0.start > airing.start } ?? busy.endIndex
                    busy.insert(airing, at: index)
                    counts[c.rule.id, default: 0] += 1
                case .failure(let reason):
                    skipped.append(
                        SkippedAiring(
                            bulletinID: c.bulletin.id, ruleID: c.rule.id, clusterID: cluster.id,
                            level: c.bulletin.level, wantedAt: c.wanted, reason: reason.text))
                }
            }
            airings.append(contentsOf: busy.filter { $0.start >= input.horizon.start })
        }
        return Plan(horizon: input.horizon, airings: airings, skipped: skipped)
    }

    struct Refusal: Error {
        var text: String
    }

    /// A cluster's quiet hours with their absolute spans over the horizon.
    struct QuietWindow {
        var hours: QuietHours
        var spans: [DateInterval]
        func overlaps(from: Date, to: Date) -> Bool { spans.contains { $0.start < to && from < $0.end } }
    }

    /// Shift limits per (rule, wanted time); every cluster of a rule shares them.
    struct ShiftLimits {
        struct Key: Hashable {
            var rule: Int64
            var wanted: Date
            var duration: TimeInterval
        }
        var cache: [Key: (latestStart: Date, latestEnd: Date?)] = [:]
        mutating func limit(for c: Candidate, planner: Planner) -> (latestStart: Date, latestEnd: Date?) {
            let key = Key(rule: c.rule.id, wanted: c.wanted, duration: c.bulletin.duration)
            if let hit = cache[key] { return hit }
            let limit = c.rule.rule.shiftLimit(
                for: c.wanted, duration: c.bulletin.duration, maxShift: planner.configuration.maxShift,
                calendar: planner.calendar)
            cache[key] = limit
            return limit
        }
    }

    func place(
        _ c: Candidate, clusterID: String, quiet: QuietWindow?, limit: (latestStart: Date, latestEnd: Date?),
        busy: [PlannedAiring]
    ) -> Result<PlannedAiring, Refusal> {
        let d = c.bulletin.duration
        let emergency = c.bulletin.level == .emergency
        if !emergency, let quiet, quiet.overlaps(from: c.wanted, to: c.wanted.addingTimeInterval(d)) {
            return .failure(Refusal(text: "quiet hours \(quiet.hours)"))
        }
        // Candidate starts: the wanted time, then the end of each airing after it.
        var starts = [c.wanted]
        for b in busy where b.end.addingTimeInterval(configuration.gap) > c.wanted {
            starts.append(b.end.addingTimeInterval(configuration.gap))
        }
        var blocker: PlannedAiring?
        for s in starts.sorted() where s <= limit.latestStart {
            let e = s.addingTimeInterval(d)
            if let latestEnd = limit.latestEnd, e > latestEnd { break }
            if let clash = busy.first(where: {
                $0.start < e.addingTimeInterval(configuration.gap) && s < $0.end.addingTimeInterval(configuration.gap)
            }) {
                blocker = blocker ?? clash
                continue
            }
            if !emergency, let quiet, quiet.overlaps(from: s, to: e) {
                break
            }
            var reason: String?
            if s != c.wanted, let b = blocker {
                reason = "shifted \(Self.describeShift(s.timeIntervalSince(c.wanted))): slot held by bulletin #\(b.bulletinID) (\(b.level))"
            }
            return .success(
                PlannedAiring(
                    bulletinID: c.bulletin.id, ruleID: c.rule.id, clusterID: clusterID,
                    level: c.bulletin.level, wantedAt: c.wanted, start: s, end: e, reason: reason))
        }
        let holder = blocker ?? busy.first { $0.start < c.wanted.addingTimeInterval(d) && c.wanted < $0.end }
        if let holder {
            return .failure(
                Refusal(text: "conflict: slot held by bulletin #\(holder.bulletinID) (\(holder.level)) and no free gap within the shift limit"))
        }
        return .failure(Refusal(text: "no free gap before quiet hours"))
    }

    struct Candidate: Comparable {
        var bulletin: Bulletin
        var rule: Rule
        var wanted: Date

        static func < (a: Candidate, b: Candidate) -> Bool {
            if a.bulletin.level != b.bulletin.level { return a.bulletin.level > b.bulletin.level }
            if a.wanted != b.wanted { return a.wanted < b.wanted }
            if a.bulletin.queuedAt != b.bulletin.queuedAt { return a.bulletin.queuedAt < b.bulletin.queuedAt }
            if a.bulletin.id != b.bulletin.id { return a.bulletin.id < b.bulletin.id }
            return a.rule.id < b.rule.id
        }

        static func == (a: Candidate, b: Candidate) -> Bool {
            a.bulletin.id == b.bulletin.id && a.rule.id == b.rule.id && a.wanted == b.wanted
        }
    }
}

/// The result of planning.
public struct Plan: Sendable, Equatable {
    public var horizon: DateInterval
    /// Airings, grouped by cluster (ascending id) and ordered by start within each.
    public var airings: [PlannedAiring]
    /// Occurrences that could not air, with the reason.
    public var skipped: [SkippedAiring]
}

/// One airing of one bulletin on one cluster.
public struct PlannedAiring: Sendable, Hashable, Codable {
    public init(
        bulletinID: Int64, ruleID: Int64, clusterID: String, level: BulletinLevel, wantedAt: Date, start: Date, end: Date, reason: String? = nil
    ) {
        self.bulletinID = bulletinID
        self.ruleID = ruleID
        self.clusterID = clusterID
        self.level = level
        self.wantedAt = wantedAt
        self.start = start
        self.end = end
        self.reason = reason
    }

    public var bulletinID: Int64
    public var ruleID: Int64
    public var clusterID: String
    public var level: BulletinLevel
    /// When the rule wanted it.
    public var wantedAt: Date
    /// When it will start (later than `wantedAt` when shifted).
    public var start: Date
    public var end: Date
    /// Why it was shifted, when it was.
    public var reason: String?
}

/// An occurrence that will not air.
public struct SkippedAiring: Sendable, Hashable, Codable {
    public var bulletinID: Int64
    public var ruleID: Int64
    public var clusterID: String
    public var level: BulletinLevel
    public var wantedAt: Date
    public var reason: String
}
