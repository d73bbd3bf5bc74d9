import CommcastCore
import CommcastLink
import Foundation
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import CommcastDaemon
@testable import CommcastLinkServer

/// What a cluster is sent when its link opens (docs/protocol.md, `schedule`).
@Suite("Schedule pushes")
struct LinkScheduleSenderTests {
    /// Connects `id` on a testing channel at the fixture's time and returns the schedule it is sent.
    func connect(_ f: StationFixture, _ id: String) async throws -> ScheduleMessage {
        let channel = NIOAsyncTestingChannel()
        let (session, _) = f.registry.register(clusterID: id, token: UUID().uuidString, outlet: LinkOutlet(channel: channel), at: f.clock.now)
        defer { f.registry.unregister(session, at: f.clock.now) }
        let sender = LinkScheduleSender(settings: f.settings, database: f.database, registry: f.registry, logger: f.logger, now: f.clock.function)
        #expect(await sender.push(to: [id]) == 1)
        let frame = try await channel.waitForOutboundWrite(as: WebSocketFrame.self)
        return try LinkTime.decoder().decode(ScheduleMessage.self, from: Data(frame.data.readableBytesView))
    }

    @Test("a cluster that connects just after an airing's start is still sent it, to start late; a minute after, it is not")
    func aLinkOpenedAfterTheStartStillGetsTheAiring() async throws {
        // Found by scripts/kill_anywhere.py: a cluster whose link came back (the station
        // restarted) seconds after an airing's start was sent schedules from "now" only,
        // never learnt of the airing, and it stayed planned — no receipt, nothing missed.
        let f = try StationFixture(at: StationFixture.stationTime(9, 59))
        defer { f.remove() }
        let bulletin = try await f.queue(.normal, at: "10:00", media: try await f.recording())
        try f.scheduler.replan()

        f.clock.advance(by: 80)  // 10:00:20
        let late = try await connect(f, "a-1")
        #expect(late.from == StationFixture.stationTime(9, 59).addingTimeInterval(20), "a minute back")
        #expect(late.airings.map(\.bulletinID) == [bulletin.id], "the airing that started 20 s ago")

        f.clock.advance(by: 45)  // 10:01:05: more than a minute after its start
        #expect(try await connect(f, "a-2").airings.isEmpty, "too late to start: not sent")
    }
}
