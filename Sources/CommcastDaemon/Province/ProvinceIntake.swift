import CommcastAudio
import CommcastCore
import CommcastLink
import CommcastStore
import Foundation
import Logging

/// Acts on a bulletin from the province by its level (docs/provincial-api.md):
/// `normal` waits in the inbox for an operator, `priority` is queued at once ahead
/// of ordinary content, `emergency` goes on the air at once as a live emergency
/// broadcast to its zones (or waits in the inbox, by `province.emergency_policy`).
/// Every step is acknowledged to the province through the outbox.
struct ProvinceIntake: Sendable {
    let runtime: DaemonRuntime
    let logger: Logger
    let now: @Sendable () -> Date

    static let actor = Actor(name: "province", origin: "webhook")

    init(runtime: DaemonRuntime, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.runtime = runtime
        self.logger = logger
        self.now = now
    }

    /// Takes a bulletin in; returns it as kept and whether it was new.
    func receive(_ bulletin: ProvinceBulletin) async throws -> (record: ProvinceBulletinRecord, isNew: Bool) {
        let db = runtime.database
        var b = bulletin
        b.zones = try b.zones.map { zone in
            let path = try ZonePath.normalize(zone, field: "zones")
            guard try db.zone(path: path) != nil else { throw ValueError(field: "zones", value: "\"\(zone)\"", expected: "a zone of this station") }
            return path
        }
        // A repeated delivery is answered from what is kept, without ingesting again.
        if let kept = try db.provinceBulletin(provinceID: b.provinceId) { return (kept, false) }
        let (media, text) = try await ingest(b.content)
        let (record, isNew) = try db.receiveProvinceBulletin(b, media: media, text: text, state: .inbox, at: now())
        guard isNew else { return (record, false) }
        logger.notice("bulletin from the province", metadata: [
            "province_id": "\(b.provinceId)", "level": "\(b.level)", "title": "\(b.title)", "zones": "\(b.zones)",
        ])
        switch b.level {
        case .normal:
            return (record, true)
        case .priority:
            return (try queue(record, state: .queued, by: Self.actor), true)
        case .emergency where runtime.configuration.province.emergencyPolicy == .inbox:
            return (record, true)
        case .emergency:
            return (try airEmergency(record, media: media), true)
        }
    }

    /// Audio ingested like an upload, or text read by the station's voice.
    func ingest(_ content: ProvinceBulletin.Content) async throws -> (MediaRecord, String?) {
        let options = runtime.ingestOptions
        switch content {
        case .audio(let data):
            let result = try await offload { try IngestPipeline(options: options).ingest(data: data) }
            return (try ControlAPIService.store(result, kind: .file, runtime: runtime), nil)
        case .text(let text):
            let (hook, normalized, logger) = (runtime.textToSpeech, runtime.textNormalizer.normalize(text), logger)
            let wav = try await offload { try hook.synthesize(normalized, logger: logger) }
            let result = try await offload { try IngestPipeline(options: options).ingest(data: wav) }
            return (try ControlAPIService.store(result, kind: .text, runtime: runtime), text)
        }
    }

    /// Makes a scheduled bulletin of it, once, at the province's time or now.
    func queue(_ record: ProvinceBulletinRecord, state: ProvinceBulletinRecord.State, by actor: Actor) throws -> ProvinceBulletinRecord {
        let db = runtime.database
        guard let sha = record.mediaSha256, let media = try db.mediaRecord(sha256: sha) else {
            throw StoreError(.conflict, "province bulletin #\(record.id) has no audio")
        }
        let at = max(record.airAt ?? now(), now())
        let bulletin = NewBulletin(title: record.title, level: record.level, sourceKind: record.text == nil ? .file : .text, media: media,
                                   text: record.text, targets: record.zones.map { .zone($0) },
                                   rules: [RecurrenceRule(pattern: .once(at), validFrom: now())], origin: "province")
        let queued = try db.queueProvinceBulletin(id: record.id, as: bulletin, state: state, by: actor, at: now())
        runtime.planChanged.fire()
        return queued
    }

    /// Puts an emergency on the air now, over the live path, and feeds its audio at
    /// real time; the outcome (aired or interrupted) is acknowledged when it ends.
    func airEmergency(_ record: ProvinceBulletinRecord, media: MediaRecord) throws -> ProvinceBulletinRecord {
        let db = runtime.database
        guard let live = runtime.liveBroadcaster, let registry = runtime.linkRegistry else {
            logger.error("cannot air a province emergency: the cluster link is not running", metadata: ["province_id": "\(record.provinceId)"])
            return record
        }
        var ids = Set<String>()
        for zone in record.zones { ids.formUnion(try db.clusters(under: zone).map(\.id)) }
        let decoded = try OggOpusDecoder.decode(try runtime.media.read(media.sha256))
        let samples = Self.monoInt16(decoded)
        let at = now()
        let started: LiveBroadcaster.Snapshot
        do {
            let (s, replaced) = try live.start(.init(level: .emergency, clusterIDs: ids, targets: record.zones, source: "province",
                                                     title: record.title, operatorName: Self.actor.name), registry: registry, now: at)
            if let replaced { runtime.recordLiveEnd(replaced, actor: Self.actor) }
            started = s
        } catch LiveBroadcaster.Refusal.busy(let running) {
            // Another emergency is on the air: this one waits in the inbox for an operator.
            logger.warning("province emergency waits in the inbox: another emergency is on the air",
                           metadata: ["province_id": "\(record.provinceId)", "live_id": "\(running.liveId)"])
            return record
        }
        try db.recordLiveEvent(Self.actor, kind: "live_started", liveID: started.liveId, details: [
            "level": "emergency", "source": "province", "title": record.title, "province_id": record.provinceId,
            "targets": record.zones.joined(separator: ","), "clusters": "\(ids.count)",
        ], at: at)
        try db.setProvinceBulletinAiring(id: record.id, state: .onAir, liveID: started.liveId, reason: nil, at: at)
        let (runtime, logger, now) = (runtime, logger, now)
        Task { await Self.feed(samples, liveID: started.liveId, recordID: record.id, live: live, runtime: runtime, logger: logger, now: now) }
        return try db.provinceBulletin(id: record.id) ?? record
    }

    /// 20 ms at a time, on the clock, as a microphone would deliver it.
    static func feed(_ samples: [Int16], liveID: String, recordID: Int64, live: LiveBroadcaster, runtime: DaemonRuntime, logger: Logger,
                     now: @Sendable () -> Date) async {
        let clock = ContinuousClock()
        let start = clock.now
        var offset = 0
        var frames = 0
        var completed = true
        while offset < samples.count {
            let end = min(offset + 960, samples.count)
            guard (try? live.audio(liveID, samples: Array(samples[offset..<end]), now: now())) == true else {
                completed = false
                break
            }
            offset = end
            frames += 1
            try? await Task.sleep(until: start + .milliseconds(20 * frames), clock: clock)
        }
        var reason: String?
        if completed, let ended = live.stop(liveID, reason: "end of bulletin", now: now()) {
            runtime.recordLiveEnd(ended, actor: actor)
        } else if !completed {
            reason = live.current.flatMap { $0.liveId == liveID ? $0.endReason : nil } ?? "stopped before the end"
        }
        do {
            try runtime.database.setProvinceBulletinAiring(id: recordID, state: completed ? .aired : .interrupted, liveID: liveID, reason: reason, at: now())
        } catch {
            logger.error("cannot record how a province emergency aired", metadata: ["live_id": "\(liveID)", "error": "\(error)"])
        }
    }

    static func monoInt16(_ decoded: DecodedOpus) -> [Int16] {
        let channels = max(decoded.channels, 1)
        return (0..<decoded.frameCount).map { i in
            var sum: Float = 0
            for c in 0..<channels { sum += decoded.samples[i * channels + c] }
            return Int16(max(-1, min(1, sum / Float(channels))) * 32767)
        }
    }
}
