import CommcastCore
import CommcastLink
import CommcastLinkServer
import CommcastStore
import Foundation
import GRDB
import Testing

@testable import CommcastDaemon

/// Receipts as the station counts them (issue 18): on the station's clock whatever
/// the cluster's says, and for an airing withdrawn while the cluster was offline.
@Suite("Receipt counting")
struct ReceiptCountingTests {
    @Test("a cluster 30 s fast that played on time is counted on time, its own time kept beside it")
    func receiptTimesAreTheStations() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(9, 59))
        defer { f.remove() }
        _ = try await f.queue(.normal, at: "10:00", media: try await f.recording())
        try f.scheduler.replan()
        let airing = try #require(try f.database.airings(from: f.clock.now, to: f.clock.now.addingTimeInterval(3600), clusterID: "a-1").first)
        let clusterTime = airing.plannedAt.addingTimeInterval(30)
        let outcome = try f.database.store(
            ReceiptMessage(receiptID: "r1", airingID: airing.id, kind: .started, at: clusterTime), from: "a-1",
            receivedAt: airing.plannedAt.addingTimeInterval(0.2), clockSkew: 30)
        #expect(outcome == .stored)
        let stored = try #require(try f.database.airings(from: airing.plannedAt, to: airing.plannedAt.addingTimeInterval(1), clusterID: "a-1").first)
        #expect(stored.startedAt == airing.plannedAt, "the station's view: \(String(describing: stored.startedAt))")
        let own = try await f.database.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT cluster_at FROM airing_receipts WHERE receipt_id = 'a-1:r1'")
        }
        #expect(own == Int64((clusterTime.timeIntervalSince1970 * 1000).rounded()), "the cluster's own time is kept")
    }

    @Test("a receipt for an airing cancelled while the cluster was offline is counted, not thrown away")
    func receiptForACancelledAiringCounts() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(9, 59))
        defer { f.remove() }
        let bulletin = try await f.queue(.normal, at: "10:00", media: try await f.recording())
        try f.scheduler.replan()
        let airing = try #require(try f.database.airings(from: f.clock.now, to: f.clock.now.addingTimeInterval(3600), clusterID: "a-1").first)
        _ = try f.database.setBulletinState(id: bulletin.id, to: .cancelled, by: Actor(name: "root", origin: "test"), at: f.clock.now)
        for (id, kind, offset) in [("s", ReceiptMessage.Kind.started, 0.0), ("c", .completed, 2.0)] {
            let outcome = try f.database.store(
                ReceiptMessage(receiptID: id, airingID: airing.id, kind: kind, at: airing.plannedAt.addingTimeInterval(offset)), from: "a-1",
                receivedAt: f.clock.now.addingTimeInterval(600), clockSkew: nil)
            #expect(outcome == .stored)
        }
        let counted = try #require(try f.database.airings(from: airing.plannedAt, to: airing.plannedAt.addingTimeInterval(1), clusterID: "a-1").first)
        #expect(counted.outcome == "completed")
        let unknown = try f.database.store(
            ReceiptMessage(receiptID: "x", airingID: 999_999, kind: .started, at: f.clock.now), from: "a-1", receivedAt: f.clock.now, clockSkew: nil)
        #expect(unknown == .rejected("airing_id: got 999999, expected an airing this station sent to a-1"))
    }
}
