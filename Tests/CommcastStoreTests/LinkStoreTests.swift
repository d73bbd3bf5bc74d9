import CommcastCore
import CommcastStore
import Foundation
import GRDB
import Logging
import TestSupport
import Testing

@Suite("Link store: keys and health")
struct LinkStoreTests {
    let now = Date(timeIntervalSince1970: 1_795_400_000)

    func station(_ dir: TemporaryDirectory) throws -> CommcastDatabase {
        let db = try CommcastDatabase(path: dir.file("c.sqlite").path, logger: Logger(label: "test"))
        try db.addZone(path: "bp/tan-phu", createParents: true, quietHours: nil, at: now)
        return db
    }

    @Test func onlyThePublicKeyIsStoredAndRevocationSticksUntilRotation() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try station(dir)
        let key1 = Data((0..<32).map { UInt8($0) })
        let key2 = Data((0..<32).map { UInt8(255 - $0) })
        try db.addCluster(Cluster(id: "tp-1", name: "A", zonePath: "bp/tan-phu"), publicKey: key1, at: now)
        var record = try #require(try db.clusterKey(id: "tp-1"))
        #expect(record.publicKey == key1 && record.usable)
        #expect(record.fingerprint?.count == 64)
        #expect(record.issuedAt == now)

        try db.revokeClusterKey(id: "tp-1", at: now + 60)
        record = try #require(try db.clusterKey(id: "tp-1"))
        #expect(!record.usable && record.revokedAt == now + 60)

        try db.setClusterKey(id: "tp-1", publicKey: key2, at: now + 120)
        record = try #require(try db.clusterKey(id: "tp-1"))
        #expect(record.usable && record.publicKey == key2 && record.issuedAt == now + 120)

        #expect(throws: StoreError.self) { try db.setClusterKey(id: "tp-1", publicKey: Data([1]), at: now) }
        #expect(throws: StoreError.self) { try db.revokeClusterKey(id: "nope", at: now) }
        #expect(try db.clusterKey(id: "nope") == nil)

        // Imports carry keys too; a cluster added without one has none and cannot link.
        let csv = "id,name,zone\ntp-2,B,bp/tan-phu\ntp-3,C,bp/tan-phu\n"
        _ = try db.importClusters(try ClusterCSV.parse(csv), createZones: false, publicKeys: ["tp-2": key1], at: now)
        #expect(try db.clusterKey(id: "tp-2")?.usable == true)
        #expect(try db.clusterKey(id: "tp-3")?.usable == false)
    }

    @Test func healthHistoryIsKeptAndPruned() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try station(dir)
        for id in ["tp-1", "tp-2"] { try db.addCluster(Cluster(id: id, name: id, zonePath: "bp/tan-phu"), at: now) }
        try db.recordHealthTransitions([
            HealthTransition(clusterID: "tp-1", from: .neverSeen, to: .online, at: now, reason: "all well"),
            HealthTransition(clusterID: "tp-2", from: .neverSeen, to: .online, at: now, reason: "all well"),
            HealthTransition(clusterID: "tp-1", from: .online, to: .offline, at: now + 3600, reason: "link down"),
        ])
        let sample = HeartbeatSample(
            receivedAt: now + 30, clusterTime: now + 30, playingAiringID: 7, volume: 80, signalDBm: -95,
            uptimeSeconds: 100, firmware: "sim 1", cached: ["a", "b"])
        try db.recordHealthSamples([("tp-1", .online, sample), ("tp-2", .online, sample)])
        #expect(try db.latestHealthStates() == ["tp-1": .offline, "tp-2": .online])
        #expect(try db.healthTransitions(clusterID: "tp-1", since: now).map(\.to) == [.online, .offline])
        let stored = try db.healthSamples(clusterID: "tp-1", since: now)
        #expect(
            stored == [
                StoredHealthSample(
                    clusterID: "tp-1", at: now + 30, state: .online, signalDBm: -95, volume: 80,
                    uptimeSeconds: 100, firmware: "sim 1", playingAiringID: 7, cachedCount: 2)
            ])

        // Pruning a week later drops the samples and old transitions but keeps each cluster's current state.
        let deleted = try db.pruneHealth(before: now + 7 * 86_400)
        #expect(deleted == 3, "two samples and tp-1's first transition")
        #expect(try db.latestHealthStates() == ["tp-1": .offline, "tp-2": .online])
        #expect(try db.healthSamples(clusterID: "tp-1", since: now).isEmpty)
    }
}
