import CommcastControlAPI
import CommcastCore
import CommcastStore
import Foundation
import Testing

@testable import CommcastDaemon

/// `schedule.approval = "required"`: an operator's bulletin waits as pending until
/// a supervisor other than its author approves it; nothing of it is planned
/// before; emergencies pass at once; each step is in the audit log and reported.
@Suite("Bulletin approval")
struct BulletinApprovalTests {
    /// A supervisor of commune B only.
    static let chi = Operator(name: "chi", unixUser: "chi", roles: [.operator, .supervisor], zonePaths: ["tinh/xa-b"])
    /// A second supervisor of commune A, without the emergency role.
    static let dung = Operator(name: "dung", unixUser: "dung", roles: [.operator, .supervisor], zonePaths: ["tinh/xa-a"])

    func fixture() throws -> StationFixture {
        try StationFixture(at: StationFixture.stationTime(10, 0)) { config in
            config.schedule.approval = .required
            config.operators += [Self.chi, Self.dung]
        }
    }

    func add(_ f: StationFixture, by op: Operator, level: BulletinLevel = .normal, at: String = "10:30") async throws -> (Bulletin, PlanPreview) {
        try await f.station.bulletins.create(
            AddBulletinRequest(
                title: "Họp dân", level: level, mediaSha256: try await f.recording().sha256, text: nil,
                targets: [.zone("tinh/xa-a")], schedule: ScheduleSpec(at: at)),
            by: op, actor: Actor(name: op.name, origin: "test"))
    }

    func planned(_ f: StationFixture, bulletin id: Int64) throws -> Bool {
        let input = try f.database.plannerInput(
            horizon: DateInterval(start: f.clock.now, duration: 86_400), defaultQuietHours: nil)
        return input.bulletins.contains { $0.id == id }
    }

    func reportEvents(_ f: StationFixture, bulletin id: Int64) throws -> [String] {
        try f.database.pendingReports(limit: 1000).filter { $0.kind == .bulletin }.compactMap { event in
            let payload = try JSONSerialization.jsonObject(with: Data(event.payloadJSON.utf8)) as? [String: Any]
            return (payload?["bulletin_id"] as? Int).map(Int64.init) == id ? payload?["event"] as? String : nil
        }
    }

    @Test("an operator's bulletin waits, is not planned, and airs once another supervisor approves it")
    func approveByAnotherPerson() async throws {
        let f = try fixture()
        defer { f.remove() }
        let (pending, plan) = try await add(f, by: StationFixture.an)
        #expect(pending.state == .pending)
        #expect(plan.airings == 2, "the plan shown is what airs once approved")
        #expect(try planned(f, bulletin: pending.id) == false)
        // The author's own operator account has no supervisor role.
        let notSupervisor = #expect(throws: Refusal.self) {
            try f.station.bulletins.review(pending.id, approve: true, reason: nil, by: StationFixture.an, actor: Actor(name: "an", origin: "test"))
        }
        #expect(notSupervisor?.message.contains("needs the supervisor role") == true, "\(notSupervisor?.message ?? "")")
        // Commune B's supervisor does not even see it.
        let hidden = #expect(throws: Refusal.self) {
            try f.station.bulletins.review(pending.id, approve: true, reason: nil, by: Self.chi, actor: Actor(name: "chi", origin: "test"))
        }
        #expect(hidden?.kind == .notFound)
        let approved = try f.station.bulletins.review(
            pending.id, approve: true, reason: nil, by: StationFixture.binh, actor: Actor(name: "binh", origin: "test"))
        #expect(approved.state == .active)
        #expect(approved.review?.by == "binh")
        #expect(approved.review?.note == nil)
        #expect(try planned(f, bulletin: pending.id))
        #expect(try f.audit("bulletin.add").first?.details["state"] == "pending")
        #expect(try f.audit("bulletin.approve").map(\.actor) == ["binh"])
        #expect(try reportEvents(f, bulletin: pending.id) == ["created", "approved"])
        // Twice is refused: it is no longer pending.
        let again = #expect(throws: Refusal.self) {
            try f.station.bulletins.review(pending.id, approve: true, reason: nil, by: Self.dung, actor: Actor(name: "dung", origin: "test"))
        }
        #expect(again?.kind == .conflict)
    }

    @Test("a supervisor's own bulletin waits for another supervisor; an administrator's and an emergency pass at once")
    func fourEyes() async throws {
        let f = try fixture()
        defer { f.remove() }
        let (own, _) = try await add(f, by: StationFixture.binh)
        #expect(own.state == .pending)
        let refusal = #expect(throws: Refusal.self) {
            try f.station.bulletins.review(own.id, approve: true, reason: nil, by: StationFixture.binh, actor: Actor(name: "binh", origin: "test"))
        }
        #expect(refusal?.kind == .forbidden)
        #expect(refusal?.message == "binh wrote bulletin #\(own.id); another supervisor must approve it")
        #expect(
            try f.station.bulletins.review(own.id, approve: true, reason: nil, by: Self.dung, actor: Actor(name: "dung", origin: "test")).state
                == .active)
        let (emergency, _) = try await add(f, by: StationFixture.binh, level: .emergency, at: "10:40")
        #expect(emergency.state == .active)
        #expect(try await add(f, by: StationFixture.admin, at: "10:50").0.state == .active)
        // A supervisor without the emergency role could not approve an emergency either
        // (it never waits, but the rule is the one for queueing).
        #expect(StationFixture.binh.mayQueue(.emergency) && !Self.dung.mayQueue(.emergency))
    }

    @Test("a rejection needs a reason, keeps it, and the bulletin never airs; a pending bulletin may be cancelled but not resumed")
    func rejectAndTransitions() async throws {
        let f = try fixture()
        defer { f.remove() }
        let (first, _) = try await add(f, by: StationFixture.an)
        let binh = Actor(name: "binh", origin: "test")
        let noReason = #expect(throws: Refusal.self) {
            try f.station.bulletins.review(first.id, approve: false, reason: "  ", by: StationFixture.binh, actor: binh)
        }
        #expect(noReason?.message.hasPrefix("reason: ") == true)
        let rejected = try f.station.bulletins.review(first.id, approve: false, reason: "Sai giờ họp", by: StationFixture.binh, actor: binh)
        #expect(rejected.state == .rejected)
        #expect(rejected.review?.note == "Sai giờ họp")
        #expect(try planned(f, bulletin: first.id) == false)
        #expect(try f.audit("bulletin.reject").first?.details["reason"] == "Sai giờ họp")
        #expect(try reportEvents(f, bulletin: first.id) == ["created", "rejected"])
        #expect(throws: StoreError.self) { try f.station.bulletins.setState(first.id, to: .active, by: StationFixture.binh, actor: binh) }

        let (second, _) = try await add(f, by: StationFixture.an, at: "11:00")
        let resume = #expect(throws: StoreError.self) {
            try f.station.bulletins.setState(second.id, to: .active, by: StationFixture.an, actor: Actor(name: "an", origin: "test"))
        }
        #expect(resume?.message.contains("until a supervisor approves it") == true, "\(resume?.message ?? "")")
        #expect(throws: StoreError.self) { try f.station.bulletins.setState(second.id, to: .paused, by: StationFixture.an, actor: binh) }
        #expect(try f.station.bulletins.setState(second.id, to: .cancelled, by: StationFixture.an, actor: binh).state == .cancelled)
    }

    @Test("approving after the only airing's time has passed is refused as will_not_air, with the way out")
    func approvalTooLate() async throws {
        let f = try fixture()
        defer { f.remove() }
        let (pending, _) = try await add(f, by: StationFixture.an, at: "10:30")
        f.clock.advance(by: 3_600)
        let refusal = #expect(throws: Refusal.self) {
            try f.station.bulletins.review(
                pending.id, approve: true, reason: nil, by: StationFixture.binh, actor: Actor(name: "binh", origin: "test"))
        }
        #expect(refusal?.code == "will_not_air")
        #expect(refusal?.message.contains("reject it, and queue it again for a later time") == true, "\(refusal?.message ?? "")")
        #expect(try f.database.bulletin(id: pending.id)?.state == .pending)
    }
}
