import CommcastCore
import Foundation
import Testing

@Suite("Cluster health")
struct ClusterHealthTests {
    let policy = HealthPolicy(heartbeatInterval: 30)
    let t0 = Date(timeIntervalSince1970: 1_795_400_000)

    func beat(
        _ at: TimeInterval, skew: TimeInterval = 0, activity: HeartbeatSample.Activity = .idle, signal: Int? = -90,
        errors: [String] = []
    ) -> HeartbeatSample {
        HeartbeatSample(receivedAt: t0 + at, clusterTime: t0 + at + skew, activity: activity, signalDBm: signal, errors: errors)
    }

    @Test func theRulesAsWritten() {
        func state(_ o: HealthPolicy.Observation, at: TimeInterval) -> HealthState { policy.assess(o, now: t0 + at).state }
        #expect(state(.init(linkUp: false, everSeen: false), at: 0) == .neverSeen)
        #expect(state(.init(linkUp: false, lastHeartbeat: beat(0), everSeen: true), at: 1) == .offline)
        // Just connected, no heartbeat yet: online until the first one is late.
        #expect(state(.init(linkUp: true, linkSince: t0, everSeen: true), at: 10) == .online)
        #expect(state(.init(linkUp: true, linkSince: t0, everSeen: true), at: 60) == .degraded)
        #expect(state(.init(linkUp: true, linkSince: t0, everSeen: true), at: 90) == .offline, "a silent link counts as down")
        let fresh = HealthPolicy.Observation(linkUp: true, linkSince: t0, lastHeartbeat: beat(100), everSeen: true)
        #expect(state(fresh, at: 129) == .online)
        #expect(state(fresh, at: 159) == .online)
        #expect(state(fresh, at: 160) == .degraded)
        #expect(state(fresh, at: 190) == .offline)
    }

    @Test func degradedSaysWhy() {
        let o = HealthPolicy.Observation(
            linkUp: true,
            lastHeartbeat: beat(
                0, skew: -3.5, activity: .fault, signal: -115,
                errors: ["download 9f86: sha256 mismatch"]),
            missingMediaSoon: 2, everSeen: true)
        let (state, reasons) = policy.assess(o, now: t0 + 5)
        #expect(state == .degraded)
        #expect(
            reasons == [
                "cluster reports a fault", "weak signal -115 dBm", "clock behind by 3.5 s",
                "download 9f86: sha256 mismatch", "2 media file(s) for the next hour not cached",
            ])
        // A wired cluster (no signal figure) with a good clock is fine.
        #expect(policy.assess(.init(linkUp: true, lastHeartbeat: beat(0, signal: nil), everSeen: true), now: t0 + 5).state == .online)
    }

    @Test("a heartbeat held on a stalled link is judged by the station's estimate of the clock, not its own reading")
    func skewIsJudgedByTheEstimate() {
        // Received 12 s after it was sent: by itself it reads the clock 12 s behind.
        let held = beat(0, skew: -12)
        #expect(policy.assess(.init(linkUp: true, lastHeartbeat: held, everSeen: true), now: t0 + 1).reasons == ["clock behind by 12.0 s"])
        #expect(policy.assess(.init(linkUp: true, lastHeartbeat: held, everSeen: true, clockSkew: 0.2), now: t0 + 1).state == .online)
        #expect(
            policy.assess(.init(linkUp: true, lastHeartbeat: beat(0), everSeen: true, clockSkew: 30), now: t0 + 1).reasons
                == ["clock ahead by 30.0 s"])
    }

    @Test func transitionsAreReportedOnce() {
        var machine = HealthStateMachine(policy: policy)
        let up = HealthPolicy.Observation(linkUp: true, linkSince: t0, lastHeartbeat: beat(0), everSeen: true)
        #expect(
            machine.observe("tp-1", up, now: t0) == HealthTransition(clusterID: "tp-1", from: .neverSeen, to: .online, at: t0, reason: "all well"))
        #expect(machine.observe("tp-1", up, now: t0 + 10) == nil, "no change, no transition")
        let late = machine.observe("tp-1", up, now: t0 + 70)
        #expect(late?.from == .online && late?.to == .degraded && late?.reason == "heartbeat late by 40 s")
        let down = machine.observe("tp-1", .init(linkUp: false, lastHeartbeat: beat(0), everSeen: true), now: t0 + 75)
        #expect(down?.to == .offline && down?.reason == "link down")
        #expect(machine.states == ["tp-1": .offline])
    }

    @Test func worstSortsFirst() {
        #expect(HealthState.allCases.sorted() == [.offline, .neverSeen, .degraded, .online])
    }
}
