import CommcastAudio
import CommcastControlAPI
import CommcastCore
import CommcastStore
import Foundation
import Logging

/// Where bulletins are made, whoever makes them: an operator's recording or text
/// through the control API, a bulletin from the province, an approval from the
/// inbox. It checks, speaks (TTS), ingests, stores and asks for a replan, in that
/// order, once for every entry point.
public struct BulletinDesk: Sendable {
    let settings: RunningConfiguration
    let database: CommcastDatabase
    let media: MediaStore
    let scope: OperatorScope
    let replanRequests: ScheduleTrigger
    let logger: Logger
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - replanRequests: fired after every change that affects the plan.
    ///   - now: the station clock.
    public init(
        settings: RunningConfiguration, database: CommcastDatabase, media: MediaStore, scope: OperatorScope,
        replanRequests: ScheduleTrigger, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.database = database
        self.media = media
        self.scope = scope
        self.replanRequests = replanRequests
        self.logger = logger
        self.now = now
    }

    /// A recording as uploaded, encoded and stored; the same recording twice is stored once.
    public func ingestRecording(_ data: Data, by actor: Actor) async throws -> (MediaRecord, IngestResult) {
        let options = settings.ingestOptions
        let result = try await StationMetrics.timed(StationMetrics.ingestSeconds) {
            try await offload { try IngestPipeline(options: options).ingest(data: data) }
        }
        return try stored(result, by: actor)
    }

    /// A recording uploaded to a file (the console's and the CLI's uploads are
    /// streamed to disk), encoded and stored the same way.
    public func ingestRecording(file: URL, by actor: Actor) async throws -> (MediaRecord, IngestResult) {
        let options = settings.ingestOptions
        let result = try await StationMetrics.timed(StationMetrics.ingestSeconds) {
            try await offload { try IngestPipeline(options: options).ingest(file: file) }
        }
        return try stored(result, by: actor)
    }

    func stored(_ result: IngestResult, by actor: Actor) throws -> (MediaRecord, IngestResult) {
        let record = try store(result, kind: .file)
        logger.info("media ingested", metadata: ["sha256": "\(record.sha256)", "seconds": "\(result.duration)", "by": "\(actor.name)"])
        return (record, result)
    }

    /// Text read by the station's voice, encoded and stored.
    public func speak(_ text: String) async throws -> MediaRecord {
        try store(try await synthesize(text), kind: .text)
    }

    /// Text read by the station's voice and encoded, not yet stored.
    func synthesize(_ text: String) async throws -> IngestResult {
        let typed = try Self.checkText(text, limit: settings.current.tts.maxCharacters)
        let (hook, normalized, options, logger) = (settings.textToSpeech, settings.textNormalizer.normalize(typed), settings.ingestOptions, logger)
        let wav = try await StationMetrics.timed(StationMetrics.speechSeconds) {
            try await offload { try hook.synthesize(normalized, logger: logger) }
        }
        return try await StationMetrics.timed(StationMetrics.ingestSeconds) {
            try await offload { try IngestPipeline(options: options).ingest(data: wav) }
        }
    }

    /// What the voice would read for `text` and, when `audio` is asked for, the
    /// audio exactly as it would be stored (the same hook, normaliser and ingest
    /// pipeline as a text bulletin); nothing is stored or queued.
    public func preview(_ text: String, audio: Bool) async throws -> (typed: String, spoken: String, audio: IngestResult?) {
        let typed = try Self.checkText(text, limit: settings.current.tts.maxCharacters)
        let spoken = settings.textNormalizer.normalize(typed)
        return (typed, spoken, audio ? try await synthesize(typed) : nil)
    }

    /// Text for the voice as the operator typed it: within `tts.max_characters` as
    /// typed (the normaliser writes "7h30" out in words, so its output runs longer),
    /// and with something to speak — a letter or a digit, not only symbols or emoji.
    static func checkText(_ text: String, limit: Int) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw Refusal.invalid("text: empty, expected something for the voice to read") }
        guard trimmed.count <= limit else {
            throw Refusal.invalid(
                "text: \(trimmed.count) characters, expected at most \(limit) (tts.max_characters); split it into several bulletins")
        }
        guard trimmed.unicodeScalars.contains(where: { $0.properties.isAlphabetic || $0.properties.numericType != nil }) else {
            throw Refusal.invalid(
                "text: \(PrintableText.shown(trimmed, limit: 40)) has nothing to speak (no letter or digit, only symbols, emoji or spaces); expected words for the voice to read"
            )
        }
        return trimmed
    }

    /// An operator's new bulletin: the level their role allows, targets in their
    /// zones, a schedule that parses, exactly one source, and at least one airing.
    /// Nothing is stored for a bulletin that would never air.
    public func create(_ request: AddBulletinRequest, by op: Operator, actor: Actor) async throws -> (Bulletin, PlanPreview) {
        let checked = try await check(request, by: op)
        let (media, kind): (MediaRecord, SourceKind)
        switch checked.source {
        case .recording(let record): (media, kind) = (record, .file)
        case .spoken(let audio): (media, kind) = (try store(audio, kind: .text), .text)
        }
        let bulletin = try database.createBulletin(
            NewBulletin(
                title: checked.title, level: request.level, sourceKind: kind, media: media,
                text: request.text, targets: request.targets, rules: [checked.rule],
                state: waitsForApproval(request.level, by: op) ? .pending : .active),
            by: actor, at: checked.at)
        replanRequests.fire()
        return (bulletin, checked.preview)
    }

    /// What `create` would make of `request`, with every one of its checks, and
    /// whether it would wait for approval; nothing is stored (the console shows
    /// this before the operator confirms). A text is spoken to learn its length.
    public func plan(_ request: AddBulletinRequest, by op: Operator) async throws -> (PlanPreview, pending: Bool) {
        (try await check(request, by: op).preview, waitsForApproval(request.level, by: op))
    }

    /// A new bulletin checked and planned: its recording, or its text spoken but not yet stored.
    struct CheckedBulletin {
        var at: Date
        var title: String
        var rule: RecurrenceRule
        var source: Source
        var preview: PlanPreview

        enum Source {
            /// An uploaded recording, already in the media store.
            case recording(MediaRecord)
            /// The voice's reading of the text, stored only when the bulletin is.
            case spoken(IngestResult)
        }
    }

    func check(_ request: AddBulletinRequest, by op: Operator) async throws -> CheckedBulletin {
        let at = now()
        guard op.mayQueue(request.level) else {
            throw Refusal.forbidden("\(op.name) may not queue \(request.level) bulletins (needs the emergency role)")
        }
        let title = try PrintableText.check(request.title, field: "title", maxLength: 200)
        try scope.requireTargets(request.targets, for: op)
        let rule = try request.schedule.rule(calendar: settings.calendar, now: at)
        let clusterIDs = try targetClusters(request.targets)
        switch (request.mediaSha256, request.text) {
        case (let sha?, nil):
            let media = try storedRecording(sha)
            let preview = try planPreview(rule, level: request.level, duration: Double(media.durationMilliseconds) / 1000, clusterIDs: clusterIDs)
            try requireAirings(preview, request: request, clusterIDs: clusterIDs)
            return CheckedBulletin(at: at, title: title, rule: rule, source: .recording(media), preview: preview)
        case (nil, let text?):
            // Refused before the voice speaks when the duration cannot matter: no
            // cluster, or no occurrence at all; otherwise after, with its real length.
            try requireAirings(
                try planPreview(rule, level: request.level, duration: 1, clusterIDs: clusterIDs), request: request, clusterIDs: clusterIDs)
            let spoken = try await synthesize(text)
            let preview = try planPreview(rule, level: request.level, duration: spoken.duration, clusterIDs: clusterIDs)
            try requireAirings(preview, request: request, clusterIDs: clusterIDs)
            return CheckedBulletin(at: at, title: title, rule: rule, source: .spoken(spoken), preview: preview)
        default:
            throw Refusal.invalid("give exactly one of media_sha256 (a recording) or text (for the synthetic voice)")
        }
    }

    /// Whether a new bulletin waits for a supervisor: with `schedule.approval =
    /// "required"`, every one but an emergency (whose role already says who may
    /// send it, and which cannot wait) and the station administrators' own.
    func waitsForApproval(_ level: BulletinLevel, by op: Operator) -> Bool {
        settings.current.schedule.approval == .required && level != .emergency && !op.isAdministrator
    }

    /// A supervisor's decision on a pending bulletin: approved, it is planned at
    /// once; rejected, it never airs and `reason` says why. The reviewer must be a
    /// supervisor over every target and must not be the author (four eyes), and an
    /// approval is refused when the bulletin would no longer air at all.
    public func review(_ id: Int64, approve: Bool, reason: String?, by op: Operator, actor: Actor) throws -> Bulletin {
        guard let b = try database.bulletin(id: id), try scope.isVisible(b, to: op) else {
            throw Refusal.notFound("bulletin: got #\(id), expected the number of an existing bulletin (commcast bulletin list)")
        }
        let verb = approve ? "approve" : "reject"
        guard op.isAdministrator || op.roles.contains(.supervisor) else {
            throw Refusal.forbidden("\(op.name) may not \(verb) bulletins (needs the supervisor role)")
        }
        try scope.requireTargets(b.targets, for: op)
        guard op.mayQueue(b.level) else { throw Refusal.forbidden("\(op.name) may not \(verb) \(b.level) bulletins") }
        guard b.state == .pending else {
            throw Refusal(.conflict, code: "conflict", "bulletin #\(id) is \(b.state.rawValue); only a pending bulletin is approved or rejected")
        }
        guard op.isAdministrator || b.author != op.name else {
            throw Refusal.forbidden("\(op.name) wrote bulletin #\(id); another supervisor must \(verb) it")
        }
        var note: String?
        if approve {
            let clusterIDs = try targetClusters(b.targets)
            for stored in b.rules {
                let preview = try planPreview(stored.rule, level: b.level, duration: b.durationSeconds, clusterIDs: clusterIDs)
                try requireAirings(
                    preview, level: b.level, targets: b.targets, clusterIDs: clusterIDs,
                    wayOut: "reject it, and queue it again for a later time")
            }
        } else {
            note = try Self.checkReason(reason, for: "the author")
        }
        let reviewed = try database.reviewBulletin(id: id, approve: approve, note: note, by: actor, at: now())
        replanRequests.fire()
        return reviewed
    }

    /// Every cluster the targets reach, zones with everything below them.
    func targetClusters(_ targets: [BulletinTarget]) throws -> Set<String> {
        var ids = try scope.clusterIDs(under: try targets.compactMap { target in try target.zone.map { try ZonePath.normalize($0) } })
        ids.formUnion(targets.compactMap(\.cluster))
        return ids
    }

    /// What the planner would make of `rule` beside everything already queued, over
    /// its first week (or to its end, when sooner).
    /// `from` is the instant the caller judged "now" by (a province bulletin for
    /// "now" is timed at it, and a later reading of the clock would miss it).
    func planPreview(
        _ rule: RecurrenceRule, level: BulletinLevel, duration: TimeInterval, clusterIDs: Set<String>, from: Date? = nil
    ) throws -> PlanPreview {
        let start = max(from ?? now(), rule.validFrom)
        var end = start.addingTimeInterval(7 * 86_400)
        if case .once(let at) = rule.pattern { end = max(at, start).addingTimeInterval(duration + settings.plannerConfiguration.maxShift + 60) }
        if let until = rule.validUntil { end = min(end, until) }
        let horizon = DateInterval(start: start, end: max(end, start.addingTimeInterval(60)))
        guard !clusterIDs.isEmpty else { return PlanPreview(airings: 0, clusters: 0, firstAiring: nil, skipped: [:], until: horizon.end) }
        var input = try database.plannerInput(horizon: horizon, defaultQuietHours: settings.current.schedule.quietHours, clusterIDs: clusterIDs)
        // An id no stored bulletin has: the candidate is planned beside the others, never saved.
        let candidate = Int64.min
        input.bulletins.append(
            Planner.Bulletin(
                id: candidate, level: level, duration: duration, queuedAt: now(),
                rules: [.init(id: candidate, rule: rule)], clusterIDs: clusterIDs.sorted()))
        let plan = Planner(configuration: settings.plannerConfiguration, calendar: settings.calendar).plan(input)
        let airings = plan.airings.filter { $0.bulletinID == candidate }
        let skipped = plan.skipped.filter { $0.bulletinID == candidate }
        return PlanPreview(
            airings: airings.count, clusters: clusterIDs.count, firstAiring: airings.map(\.start).min(),
            skipped: Dictionary(grouping: skipped, by: \.reason).mapValues(\.count), until: horizon.end)
    }

    /// Refuses a bulletin with no airing, saying why and what to do instead.
    func requireAirings(_ preview: PlanPreview, request: AddBulletinRequest, clusterIDs: Set<String>) throws {
        try requireAirings(preview, level: request.level, targets: request.targets, clusterIDs: clusterIDs, wayOut: nil)
    }

    /// The same for any bulletin; `wayOut` replaces the CLI's advice where another
    /// door applies (a province bulletin waits in the inbox).
    func requireAirings(_ preview: PlanPreview, level: BulletinLevel, targets list: [BulletinTarget], clusterIDs: Set<String>, wayOut advice: String?)
        throws
    {
        guard preview.airings == 0 else { return }
        let targets = list.map(\.description).joined(separator: ", ")
        if clusterIDs.isEmpty {
            throw Refusal(
                .invalid, code: "will_not_air",
                "targets: \(targets) has no cluster yet, so the bulletin would never air; add clusters to the zone first")
        }
        let until = preview.until.formatted(Date.ISO8601FormatStyle(timeZone: settings.calendar.timeZone).year().month().day())
        guard preview.skippedCount > 0 else {
            throw Refusal(
                .invalid, code: "will_not_air",
                "schedule: no occurrence between now and \(until), so the bulletin would never air; \(advice ?? "check --at, --from, --until and --weekdays")"
            )
        }
        let reasons = preview.skipped.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let wayOut =
            advice
            ?? (preview.skipped.keys.contains { $0.hasPrefix("quiet hours") } && level != .emergency
                ? "choose a time outside quiet hours, or --level emergency if it must air then"
                : "choose another time")
        throw Refusal(
            .invalid, code: "will_not_air",
            "schedule: every occurrence up to \(until) would be skipped (\(reasons)), so the bulletin would never air; \(wayOut)")
    }

    /// The bulletins the operator sees, in the given states (all when nil).
    public func bulletins(states: [BulletinState]?, visibleTo op: Operator) throws -> [Bulletin] {
        try withNextAirings(try database.bulletins(states: states).filter { try scope.isVisible($0, to: op) })
    }

    /// `bulletins` with when each next airs, from the stored plan.
    func withNextAirings(_ bulletins: [Bulletin]) throws -> [Bulletin] {
        let next = try database.nextAirings(bulletinIDs: bulletins.map(\.id), after: now())
        return bulletins.map { b in
            var b = b
            b.nextAiring = next[b.id]
            return b
        }
    }

    /// One bulletin the operator sees.
    public func bulletin(_ id: Int64, visibleTo op: Operator) throws -> Bulletin {
        guard let b = try database.bulletin(id: id), try scope.isVisible(b, to: op) else {
            throw Refusal.notFound("bulletin: got #\(id), expected the number of an existing bulletin (commcast bulletin list)")
        }
        return try withNextAirings([b])[0]
    }

    /// Cancels, pauses or resumes a bulletin whose every target is the operator's.
    public func setState(_ id: Int64, to state: BulletinState, by op: Operator, actor: Actor) throws -> Bulletin {
        guard let b = try database.bulletin(id: id) else {
            throw Refusal.notFound("bulletin: got #\(id), expected the number of an existing bulletin (commcast bulletin list)")
        }
        // Refused by name rather than hidden: an operator who typed the wrong number should learn why.
        try scope.requireTargets(b.targets, for: op)
        guard op.mayQueue(b.level) else { throw Refusal.forbidden("\(op.name) may not change \(b.level) bulletins") }
        let updated = try database.setBulletinState(id: id, to: state, by: actor, at: now())
        replanRequests.fire()
        return updated
    }

    /// Makes a scheduled bulletin of a province bulletin, once, at the province's time or now.
    public func queue(_ record: ProvinceBulletinRecord, state: ProvinceBulletinRecord.State, by actor: Actor) throws -> ProvinceBulletinRecord {
        guard let sha = record.mediaSha256, let media = try database.mediaRecord(sha256: sha) else {
            throw Refusal(.conflict, code: "conflict", "province bulletin #\(record.id) has no audio")
        }
        let at = now()
        let rule = RecurrenceRule(pattern: .once(max(record.airAt ?? at, at)), validFrom: at)
        // Checked like an operator's bulletin: one that would never air (a priority
        // bulletin timed in quiet hours) is not queued to be skipped in silence.
        let targets = record.zones.map { BulletinTarget.zone($0) }
        let clusterIDs = try targetClusters(targets)
        try requireAirings(
            try planPreview(rule, level: record.level, duration: Double(media.durationMilliseconds) / 1000, clusterIDs: clusterIDs, from: at),
            level: record.level,
            targets: targets, clusterIDs: clusterIDs,
            wayOut: "approve it from the inbox after quiet hours, or the province sends it as an emergency")
        let bulletin = NewBulletin(
            title: record.title, level: record.level, sourceKind: record.text == nil ? .file : .text, media: media,
            text: record.text, targets: targets, rules: [rule], origin: "province")
        let queued = try database.queueProvinceBulletin(id: record.id, as: bulletin, state: state, by: actor, at: at)
        replanRequests.fire()
        return queued
    }

    /// An inbox bulletin an operator approves: its zones must be theirs and its level one they may queue.
    public func approve(inbox id: Int64, by op: Operator, actor: Actor) throws -> ProvinceBulletinRecord {
        let record = try inboxRecord(id, for: op)
        return try queue(record, state: .approved, by: actor)
    }

    /// An inbox bulletin an operator turns down, with the reason the province will read.
    public func reject(inbox id: Int64, reason: String, by op: Operator, actor: Actor) throws -> ProvinceBulletinRecord {
        let record = try inboxRecord(id, for: op)
        let trimmed = try Self.checkReason(reason, for: "the province")
        return try database.rejectProvinceBulletin(id: record.id, reason: trimmed, by: actor, at: now())
    }

    /// A rejection's reason, trimmed: 1 to 500 characters for `reader` to read.
    static func checkReason(_ reason: String?, for reader: String) throws -> String {
        let trimmed = (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 500 else {
            throw Refusal.invalid("reason: got \"\(reason ?? "")\", expected 1 to 500 characters for \(reader) to read")
        }
        return trimmed
    }

    /// The province bulletins the operator sees.
    public func inbox(states: [ProvinceBulletinRecord.State]?, visibleTo op: Operator) throws -> [ProvinceBulletinRecord] {
        try database.provinceBulletins(states: states).filter { scope.reaches($0.zones, op: op) }
    }

    func inboxRecord(_ id: Int64, for op: Operator) throws -> ProvinceBulletinRecord {
        guard let record = try database.provinceBulletin(id: id) else {
            throw Refusal.notFound("inbox: got #\(id), expected the number of a bulletin in the inbox (commcast inbox list)")
        }
        for zone in record.zones { try scope.requireZone(zone, for: op) }
        guard op.mayQueue(record.level) else {
            throw Refusal.forbidden("\(op.name) may not queue \(record.level) bulletins (needs the emergency role)")
        }
        return record
    }

    func storedRecording(_ sha: String) throws -> MediaRecord {
        let key = sha.lowercased()
        guard key.count == 64, media.contains(key), let stored = try database.mediaRecord(sha256: key) else {
            throw Refusal.invalid("media_sha256: \(sha) is not in the media store; upload the recording first (POST /v1/media)")
        }
        return stored
    }

    /// Saves encoded audio to the media store and its row to the database.
    func store(_ result: IngestResult, kind: SourceKind) throws -> MediaRecord {
        let size = result.encoded.size
        let sha = try media.take(file: result.encoded.url)
        let record = MediaRecord(
            sha256: sha, sizeBytes: size, durationMilliseconds: Int((result.duration * 1000).rounded()),
            sourceKind: kind.rawValue, sourceContainer: result.sourceContainer.rawValue,
            measuredLUFS: result.measuredLUFS, gainDB: result.appliedGainDB,
            createdAt: Int64(now().timeIntervalSince1970 * 1000))
        try database.recordMedia(record)
        return record
    }
}
