import CommcastCore
import Foundation
import NIOEmbedded
import Testing

@testable import CommcastLinkServer

/// What the registry keeps of each link.
@Suite("Link registry")
struct LinkRegistryTests {
    let t0 = Date(timeIntervalSince1970: 1_796_256_000)

    func beat(_ at: TimeInterval, skew: TimeInterval) -> HeartbeatSample {
        HeartbeatSample(receivedAt: t0 + at, clusterTime: t0 + at + skew, activity: .idle)
    }

    @Test("the clock skew is the largest of the last ten readings: the heartbeat that spent least time on the way")
    func clockSkewOfTheLastTenHeartbeats() {
        let registry = LinkRegistry()
        let (session, _) = registry.register(clusterID: "a-1", token: "t", outlet: LinkOutlet(channel: EmbeddedChannel()), at: t0)
        #expect(registry.clockSkew(of: "a-1") == nil, "no heartbeat yet")
        // A cluster 0.3 s ahead; some heartbeats held by a stalled link read it behind.
        for (i, skew) in [0.3, -9.7, 0.25, -4.2, 0.3].enumerated() { registry.heartbeat("a-1", beat(Double(i) * 30, skew: skew)) }
        #expect(abs((registry.clockSkew(of: "a-1") ?? 99) - 0.3) < 1e-6)
        // Its clock is set back 20 s: after ten heartbeats the old readings are gone.
        for i in 5..<15 { registry.heartbeat("a-1", beat(Double(i) * 30, skew: i == 7 ? -25 : -20)) }
        #expect(abs((registry.clockSkew(of: "a-1") ?? 99) + 20) < 1e-6)
        registry.unregister(session, at: t0 + 600)
        #expect(registry.clockSkew(of: "a-1") == nil, "gone with its link")
    }
}
