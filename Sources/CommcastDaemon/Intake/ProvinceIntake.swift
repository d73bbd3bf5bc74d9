import CommcastAudio
import CommcastControlAPI
import CommcastCore
import CommcastLink
import CommcastStore
import Foundation
import Logging

/// Acts on a bulletin from the province by its level (docs/provincial-api.md):
/// `normal` waits in the inbox for an operator, `priority` is queued at once ahead
/// of ordinary content, `emergency` goes on the air at once as a live emergency
/// broadcast to its zones (or waits in the inbox, by `province.emergency_policy`).
/// Every step is acknowledged to the province through the outbox. An adapter: the
/// bulletin desk ingests and queues, on-air broadcasts.
struct ProvinceIntake: Sendable {
    let settings: RunningConfiguration
    let database: CommcastDatabase
    let media: MediaStore
    let station: Station
    let logger: Logger
    let now: @Sendable () -> Date

    static let actor = Actor(name: "province", origin: "webhook")

    init(
        settings: RunningConfiguration, database: CommcastDatabase, media: MediaStore, station: Station, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.database = database
        self.media = media
        self.station = station
        self.logger = logger
        self.now = now
    }

    /// Takes a bulletin in; returns it as kept and whether it was new.
    func receive(_ bulletin: ProvinceBulletin) async throws -> (record: ProvinceBulletinRecord, isNew: Bool) {
        var b = bulletin
        b.zones = try b.zones.map { zone in
            let path = try ZonePath.normalize(zone, field: "zones")
            guard try database.zone(path: path) != nil else {
                throw ValueError(field: "zones", value: "\"\(zone)\"", expected: "a zone of this station")
            }
            return path
        }
        // A repeated delivery is answered from what is kept, without ingesting again. If
        // the station stopped between keeping it and acting on its level (killed, power
        // lost), the province got no answer and sends it again: the step is taken now.
        if let kept = try database.provinceBulletin(provinceID: b.provinceId) {
            guard kept.state == .inbox, kept.decidedAt == nil, kept.liveId == nil, let sha = kept.mediaSha256 else { return (kept, false) }
            return (try act(on: kept, mediaSHA256: sha), false)
        }
        let (media, text) = try await ingest(b.content)
        let (record, isNew) = try database.receiveProvinceBulletin(b, media: media, text: text, state: .inbox, at: now())
        guard isNew else { return (record, false) }
        logger.notice(
            "bulletin from the province",
            metadata: [
                "province_id": "\(b.provinceId)", "level": "\(b.level)", "title": "\(b.title)", "zones": "\(b.zones)",
            ])
        return (try act(on: record, mediaSHA256: media.sha256), true)
    }

    /// What a bulletin's level does on arrival (docs/provincial-api.md): a normal one
    /// waits in the inbox, a priority one is queued, an emergency goes on the air.
    func act(on record: ProvinceBulletinRecord, mediaSHA256: String) throws -> ProvinceBulletinRecord {
        switch record.level {
        case .normal:
            return record
        case .priority:
            do {
                return try station.bulletins.queue(record, state: .queued, by: Self.actor)
            } catch let refusal as Refusal where refusal.code == "will_not_air" {
                // It would be skipped wherever it went (quiet hours): it waits in the
                // inbox, where an operator sees it and why, instead of vanishing.
                logger.warning(
                    "province priority bulletin waits in the inbox: it would never air now",
                    metadata: ["province_id": "\(record.provinceId)", "reason": "\(refusal.message)"])
                return record
            }
        case .emergency where settings.current.province.emergencyPolicy == .inbox:
            return record
        case .emergency:
            return try airEmergency(record, mediaSHA256: mediaSHA256)
        }
    }

    /// Audio ingested like an upload, or text read by the station's voice.
    func ingest(_ content: ProvinceBulletin.Content) async throws -> (MediaRecord, String?) {
        switch content {
        case .audio(let data): return (try await station.bulletins.ingestRecording(data, by: Self.actor).0, nil)
        case .text(let text): return (try await station.bulletins.speak(text), text)
        }
    }

    /// Puts an emergency on the air now, over the live path, and feeds its audio at
    /// real time; the outcome (aired or interrupted) is acknowledged when it ends.
    func airEmergency(_ record: ProvinceBulletinRecord, mediaSHA256: String) throws -> ProvinceBulletinRecord {
        let ids = try station.scope.clusterIDs(under: record.zones)
        let samples = Self.monoInt16(try OggOpusDecoder.decode(try self.media.read(mediaSHA256)))
        let started: LiveBroadcastStatus
        do {
            started = try station.onAir.startForStation(
                level: .emergency, clusterIDs: ids, targets: record.zones, source: "province",
                title: record.title, actor: Self.actor, details: ["province_id": record.provinceId])
        } catch let refusal as Refusal where refusal.code == "busy" {
            // Another emergency is on the air: this one waits in the inbox for an operator.
            logger.warning(
                "province emergency waits in the inbox: another emergency is on the air",
                metadata: ["province_id": "\(record.provinceId)", "detail": "\(refusal.message)"])
            return record
        }
        try database.setProvinceBulletinAiring(id: record.id, state: .onAir, liveID: started.liveId, reason: nil, at: now())
        let (onAir, database, logger, now) = (station.onAir, database, logger, now)
        Task {
            let completed = await onAir.play(samples, into: started.liveId, actor: Self.actor)
            let reason = completed ? nil : (onAir.current.flatMap { $0.liveId == started.liveId ? $0.endReason : nil } ?? "stopped before the end")
            do {
                try database.setProvinceBulletinAiring(
                    id: record.id, state: completed ? .aired : .interrupted, liveID: started.liveId,
                    reason: reason, at: now())
            } catch {
                logger.error("cannot record how a province emergency aired", metadata: ["live_id": "\(started.liveId)", "error": "\(error)"])
            }
        }
        return try database.provinceBulletin(id: record.id) ?? record
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
