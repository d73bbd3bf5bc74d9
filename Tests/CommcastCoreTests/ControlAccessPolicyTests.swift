import CommcastCore
import Testing

@Suite("Control access policy")
struct ControlAccessPolicyTests {
    let policy = ControlAccessPolicy(allowedUIDs: [1001], allowedGIDs: [900], daemonUID: 998)

    @Test func rootAndDaemonAreAlwaysAllowed() {
        #expect(policy.decide(PeerIdentity(pid: 1, uid: 0, gid: 0)) == .allowed)
        #expect(policy.decide(PeerIdentity(pid: 1, uid: 998, gid: 998)) == .allowed)
    }

    @Test func listedUserAndGroupMembersAreAllowed() {
        #expect(policy.decide(PeerIdentity(pid: 1, uid: 1001, gid: 1001)) == .allowed)
        #expect(policy.decide(PeerIdentity(pid: 1, uid: 1002, gid: 1002, groupIDs: [1002, 900])) == .allowed)
        #expect(policy.decide(PeerIdentity(pid: 1, uid: 1003, gid: 900)) == .allowed)
    }

    @Test func othersAreRefusedWithTheirName() {
        let decision = policy.decide(PeerIdentity(pid: 1, uid: 65534, gid: 65534, userName: "nobody", groupIDs: [65534]))
        guard case .denied(let reason) = decision else {
            Issue.record("nobody was allowed")
            return
        }
        #expect(reason.contains("nobody (uid 65534)"))
        #expect(reason.contains("control.allowed_groups"))
    }
}
