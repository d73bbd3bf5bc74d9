import CommcastControlAPI
import CommcastCore
import CommcastStore
import Foundation
import TestSupport
import Testing

@testable import CommcastDaemon

/// The bulletin desk plans a bulletin before it stores it: one that would never
/// air is refused with the reason and the way out, and nothing is kept of it.
@Suite("Bulletin desk")
struct BulletinDeskTests {
    let root = Actor(name: "root", origin: "test")

    func request(
        _ level: BulletinLevel = .normal, zone: String = "tinh/xa-a", daily: [String]? = nil, text: String? = nil,
        media: MediaRecord? = nil
    ) -> AddBulletinRequest {
        AddBulletinRequest(
            title: "Thông báo", level: level, mediaSha256: media?.sha256, text: text, targets: [.zone(zone)],
            schedule: ScheduleSpec(daily: daily))
    }

    @Test("a normal bulletin only in quiet hours is refused with the way out, and nothing is stored")
    func neverAirs() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        let media = try await f.recording()
        let refusal = await #expect(throws: Refusal.self) {
            try await f.station.bulletins.create(request(daily: ["23:00"], media: media), by: StationFixture.admin, actor: root)
        }
        #expect(refusal?.code == "will_not_air")
        #expect(refusal?.message.contains("quiet hours") == true, "\(refusal?.message ?? "")")
        #expect(refusal?.message.contains("--level emergency") == true)
        #expect(try f.database.bulletins().isEmpty)
        // The same at emergency level airs every night.
        let (_, plan) = try await f.station.bulletins.create(
            request(.emergency, daily: ["23:00"], media: media), by: StationFixture.admin, actor: root)
        #expect(plan.airings == 14, "two clusters, seven nights")
    }

    @Test("a province priority bulletin that would air in quiet hours waits in the inbox, and approving it says why not yet")
    func provincePriorityInQuietHours() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(23, 0))
        defer { f.remove() }
        let intake = ProvinceIntake(
            settings: f.settings, database: f.database, media: f.media, station: f.station, logger: f.logger, now: f.clock.function)
        let samples = (0..<96_000).map { Float(sin(2 * Double.pi * 440 * Double($0) / 48_000) * 0.3) }
        let wav = WAVWriter.make(channels: [samples], sampleRate: 48_000, format: .pcm16)
        let (record, isNew) = try await intake.receive(
            ProvinceBulletin(provinceId: "p-1", title: "Cắt điện", level: .priority, zones: ["tinh/xa-a"], content: .audio(wav), airAt: nil))
        #expect(isNew)
        #expect(record.state == .inbox, "not queued to be skipped in silence")
        #expect(try f.database.bulletins().isEmpty)
        let refusal = #expect(throws: Refusal.self) { try f.station.bulletins.approve(inbox: record.id, by: StationFixture.admin, actor: root) }
        #expect(refusal?.code == "will_not_air")
        #expect(refusal?.message.contains("approve it from the inbox after quiet hours") == true, "\(refusal?.message ?? "")")
        // After quiet hours the same approval queues it.
        f.clock.advance(by: 7 * 3_600)
        #expect(try f.station.bulletins.approve(inbox: record.id, by: StationFixture.admin, actor: root).state == .approved)
        #expect(try f.database.bulletins().count == 1)
    }

    @Test("a bulletin partly in quiet hours is queued, and the plan counts what airs and what is skipped")
    func partlySkipped() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        let (bulletin, plan) = try await f.station.bulletins.create(
            request(daily: ["21:00", "23:00"], media: try await f.recording()),
            by: StationFixture.admin, actor: root)
        #expect(plan.clusters == 2)
        #expect(plan.airings == 14)
        #expect(plan.skippedCount == 14)
        #expect(plan.skipped.keys.allSatisfy { $0.hasPrefix("quiet hours") }, "\(plan.skipped)")
        #expect(plan.firstAiring == StationFixture.stationTime(21, 0))
        #expect(try f.database.bulletin(id: bulletin.id) != nil)
    }

    @Test("a zone with no cluster yet is refused, and a text for it is never spoken")
    func noClusterYet() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        _ = try f.database.addZone(path: "tinh/xa-c", createParents: false, quietHours: nil, at: f.clock.now)
        let mediaBefore = try f.database.counts().media
        let refusal = await #expect(throws: Refusal.self) {
            try await f.station.bulletins.create(
                request(zone: "tinh/xa-c", daily: ["06:00"], text: "Họp dân lúc 7 giờ"),
                by: StationFixture.admin, actor: root)
        }
        #expect(refusal?.message == "targets: zone tinh/xa-c has no cluster yet, so the bulletin would never air; add clusters to the zone first")
        #expect(try f.database.counts().media == mediaBefore)
        #expect(try f.database.bulletins().isEmpty)
    }

    @Test("text with nothing to speak is refused by name", arguments: ["🙂🙂🙂", "!!! ??? ...", "\u{200B}\u{200B}", "   \n  "])
    func nothingToSpeak(_ text: String) {
        let refusal = #expect(throws: Refusal.self) { try BulletinDesk.checkText(text, limit: 1000) }
        #expect(refusal?.message.hasPrefix("text: ") == true)
        #expect(refusal?.message.contains("nothing to speak") == true || refusal?.message.contains("empty") == true, "\(refusal?.message ?? "")")
    }

    @Test("the length limit counts what the operator typed, not the normaliser's words")
    func limitCountsTypedText() throws {
        let typed = String(repeating: "Họp lúc 7h30 ngày 24/11/2026. ", count: 40).trimmingCharacters(in: .whitespaces)
        let normalized = VietnameseTextNormalizer(dialect: .southern).normalize(typed)
        #expect(normalized.count > typed.count, "the normaliser writes numbers out")
        #expect(try BulletinDesk.checkText(typed, limit: typed.count) == typed)
        let over = #expect(throws: Refusal.self) { try BulletinDesk.checkText(typed + " Hết.", limit: typed.count) }
        #expect(over?.message.hasPrefix("text: \(typed.count + 5) characters, expected at most \(typed.count)") == true, "\(over?.message ?? "")")
    }
}
