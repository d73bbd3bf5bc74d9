import CommcastCore
import CommcastLink
import CommcastStore
import Foundation
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import CommcastDaemon
@testable import CommcastLinkServer

/// `revision` grows with every schedule a cluster is sent, across a reconnect,
/// a key rotation and a daemon restart (docs/protocol.md), so a cluster may drop a
/// schedule whose revision is not newer than the last it took.
@Suite("Schedule revisions")
struct ScheduleRevisionTests {
    /// Connects cluster `id` on a testing channel, pushes, and returns the revision it was sent.
    func pushAndRead(_ f: StationFixture, registry: LinkRegistry, database: CommcastDatabase, _ id: String) async throws -> Int {
        let channel = NIOAsyncTestingChannel()
        let (session, _) = registry.register(clusterID: id, token: UUID().uuidString, outlet: LinkOutlet(channel: channel), at: f.clock.now)
        defer { registry.unregister(session, at: f.clock.now) }
        let sender = LinkScheduleSender(settings: f.settings, database: database, registry: registry, logger: f.logger, now: f.clock.function)
        #expect(await sender.push(to: [id]) == 1)
        let frame = try await channel.waitForOutboundWrite(as: WebSocketFrame.self)
        let message = try JSONDecoder().decode(Revision.self, from: Data(frame.data.readableBytesView))
        #expect(message.type == "schedule")
        return message.revision
    }

    struct Revision: Decodable {
        var type: String
        var revision: Int
    }

    @Test("a reconnect, a key rotation and a restart never take the revision back to 1")
    func revisionsOnlyGrow() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        let first = try await pushAndRead(f, registry: f.registry, database: f.database, "a-1")
        // The same link, a changed schedule: the next revision.
        let media = try await f.recording()
        _ = try await f.queue(.normal, at: "11:00", media: media)
        try f.scheduler.replan()
        let channel = NIOAsyncTestingChannel()
        let (session, _) = f.registry.register(clusterID: "a-1", token: "t", outlet: LinkOutlet(channel: channel), at: f.clock.now)
        let sender = LinkScheduleSender(settings: f.settings, database: f.database, registry: f.registry, logger: f.logger, now: f.clock.function)
        #expect(await sender.push(to: ["a-1"]) == 1)
        let second = try JSONDecoder().decode(
            Revision.self, from: Data(try await channel.waitForOutboundWrite(as: WebSocketFrame.self).data.readableBytesView))
        f.registry.unregister(session, at: f.clock.now)
        #expect(second.revision == first + 1)
        // A reconnect (a new link), after a key rotation.
        try f.database.setClusterKey(id: "a-1", publicKey: Data(repeating: 7, count: 32), at: f.clock.now)
        let third = try await pushAndRead(f, registry: f.registry, database: f.database, "a-1")
        #expect(third == second.revision + 1)
        // A daemon restart: a new registry, the database opened again.
        let reopened = try CommcastDatabase(path: f.directory.file("commcast.sqlite").path, logger: f.logger)
        let fourth = try await pushAndRead(f, registry: LinkRegistry(), database: reopened, "a-1")
        #expect(fourth == third + 1)
        // Another cluster counts on its own.
        #expect(try await pushAndRead(f, registry: f.registry, database: f.database, "a-2") == 1)
    }
}
