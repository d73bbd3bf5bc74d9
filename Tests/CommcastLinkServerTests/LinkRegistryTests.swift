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

    /// Downloads find their link by token (an index, not a walk over every session):
    /// an open link's token while it is open, a replaced or closed one's for 60 s and
    /// only for what it was sent, then not at all.
    @Test("download tokens: open, replaced, closed and expired")
    func downloadTokens() {
        let registry = LinkRegistry()
        let channel = EmbeddedChannel()
        let (first, _) = registry.register(clusterID: "a-1", token: "t1", outlet: LinkOutlet(channel: channel), at: t0)
        #expect(registry.noteSchedule("a-1", hash: 1, media: ["m1"]))
        #expect(registry.mayDownload(token: "t1", sha256: "m1", at: t0) == "a-1")
        #expect(registry.mayDownload(token: "t1", sha256: "m2", at: t0) == nil, "not in its schedule")
        #expect(registry.mayDownload(token: "nobody", sha256: "m1", at: t0) == nil)
        // A new link of the same cluster replaces it: the new token works, the old one no longer opens a session.
        let (second, replaced) = registry.register(clusterID: "a-1", token: "t2", outlet: LinkOutlet(channel: channel), at: t0 + 5)
        #expect(replaced?.token == "t1")
        #expect(!registry.knows(token: "t1", at: t0 + 5))
        #expect(registry.knows(token: "t2", at: t0 + 5))
        // The replaced link then closes: the cluster's current link is untouched.
        registry.unregister(first, at: t0 + 6)
        #expect(registry.knows(token: "t2", at: t0 + 6), "closing the old link leaves the new one")
        #expect(registry.noteSchedule("a-1", hash: 2, media: ["m1"]))
        // The new link closes: its token still downloads what it was sent for 60 s.
        registry.unregister(second, at: t0 + 10)
        #expect(registry.mayDownload(token: "t2", sha256: "m1", at: t0 + 69) == "a-1")
        #expect(registry.knows(token: "t2", at: t0 + 69))
        #expect(registry.mayDownload(token: "t2", sha256: "m1", at: t0 + 71) == nil)
        #expect(!registry.knows(token: "t2", at: t0 + 71))
        // Ten thousand links closing at once are swept together, not each over all the others.
        for i in 0..<10_000 {
            let (s, _) = registry.register(clusterID: "c-\(i)", token: "s\(i)", outlet: LinkOutlet(channel: channel), at: t0 + 100)
            registry.unregister(s, at: t0 + 100)
        }
        #expect(registry.knows(token: "s9999", at: t0 + 150) && !registry.knows(token: "s0", at: t0 + 161))
    }
}
