import CommcastCore
import Foundation
import Synchronization
import Testing

@testable import CommcastConsole

/// A clock a test moves by hand.
final class ManualClock: Sendable {
    private let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

@Suite("Console access")
struct ConsoleAccessTests {
    let operatorA = Operator(name: "lan", roles: [.operator], zonePaths: ["tinh/xa-a"])

    @Test func passwordsAreArgon2idAndVerifyOnlyTheRightOne() throws {
        let hash = try PasswordHasher.hash("nắng sớm trên đồng")
        #expect(hash.hasPrefix("$argon2id$"), "\(hash)")
        #expect(hash.contains("m=19456,t=2"), "19 MiB, two passes: \(hash)")
        #expect(PasswordHasher.verify("nắng sớm trên đồng", against: hash))
        #expect(!PasswordHasher.verify("nang som tren dong", against: hash))
        #expect(!PasswordHasher.verify("", against: hash))
        #expect(!PasswordHasher.verify("nắng sớm trên đồng", against: "not a hash"))
        #expect(try PasswordHasher.hash("nắng sớm trên đồng") != hash, "a new salt every time")
        #expect(!PasswordHasher.needsRehash(hash))
    }

    @Test func newPasswordsAreCheckedWithTheReason() {
        #expect(PasswordHasher.check("ngắn", operatorName: "lan")?.expected == "10 to 200 characters")
        #expect(PasswordHasher.check("lan-2026-mat-khau", operatorName: "lan")?.field == "password")
        #expect(PasswordHasher.check("aaaaabbbbbaaaaa", operatorName: "lan")?.expected == "at least 4 different characters")
        #expect(PasswordHasher.check("đồng lúa chín vàng", operatorName: "lan") == nil)
    }

    @Test func sessionsEndWhenIdleWhenOldAndWhenTheOperatorChanges() {
        let clock = ManualClock()
        let sessions = ConsoleSessions(idleTimeout: 1800, absoluteTimeout: 12 * 3600) { clock.now }
        var current = operatorA
        let lookup: (String) -> Operator? = { $0 == current.name ? current : nil }
        let (token, session) = sessions.open(for: operatorA, address: "203.0.113.7")
        #expect(session.csrfToken.count >= 40 && token.count >= 40 && token != session.csrfToken)
        #expect(sessions.find(token: token, operatorNamed: lookup)?.operator == operatorA)
        #expect(sessions.find(token: "forged", operatorNamed: lookup) == nil)

        // Busy: each request within 30 minutes keeps it, until 12 hours after login.
        for _ in 0..<24 {
            clock.advance(1790)
            #expect(sessions.find(token: token, operatorNamed: lookup) != nil)
        }
        clock.advance(300)
        #expect(sessions.find(token: token, operatorNamed: lookup) == nil, "12 hours after login")

        // Idle: 30 minutes without a request. An open event stream's checks do not count.
        let (idle, _) = sessions.open(for: operatorA, address: "x")
        clock.advance(1000)
        #expect(sessions.find(token: idle, touch: false, operatorNamed: lookup) != nil)
        clock.advance(800)
        #expect(sessions.find(token: idle, touch: false, operatorNamed: lookup) == nil, "the stream's check did not keep it alive")

        // Another role or zone in the configuration ends the session.
        let (changed, _) = sessions.open(for: operatorA, address: "x")
        current.roles = [.operator, .supervisor]
        #expect(sessions.find(token: changed, operatorNamed: lookup) == nil)

        // A new password ends every session of that operator.
        current = operatorA
        let (one, _) = sessions.open(for: operatorA, address: "x")
        let (two, _) = sessions.open(for: operatorA, address: "y")
        #expect(sessions.closeAll(of: "lan") == 2)
        #expect(sessions.find(token: one, operatorNamed: lookup) == nil && sessions.find(token: two, operatorNamed: lookup) == nil)
    }

    @Test func failedLoginsLockTheAccountThenTheAddress() {
        let clock = ManualClock()
        let throttle = LoginThrottle(accountLimit: 5, addressLimit: 20, window: 900, lockDuration: 900) { clock.now }
        for n in 1...4 {
            #expect(throttle.check(account: "lan", address: "a") == .allowed)
            #expect(throttle.recordFailure(account: "lan", address: "a").isEmpty, "failure \(n)")
        }
        let locks = throttle.recordFailure(account: "lan", address: "a")
        #expect(locks.map(\.what) == ["account lan"] && locks.first?.failures == 5)
        #expect(throttle.check(account: "LAN", address: "b") == .locked(until: clock.now.addingTimeInterval(900), what: "account lan"))
        #expect(throttle.check(account: "hoa", address: "a") == .allowed, "other accounts from the same address still may")
        clock.advance(901)
        #expect(throttle.check(account: "lan", address: "a") == .allowed, "the lock ends")

        // Spread over many names, one address is locked at 20 failures.
        var addressLocks: [LoginThrottle.Lockout] = []
        for n in 0..<20 { addressLocks += throttle.recordFailure(account: "name\(n)", address: "198.51.100.9") }
        #expect(addressLocks.map(\.what) == ["address 198.51.100.9"])
        #expect(throttle.check(account: "anyone", address: "198.51.100.9") != .allowed)

        // Old failures are forgotten; a success clears the account.
        for _ in 0..<4 { _ = throttle.recordFailure(account: "hoa", address: "c") }
        clock.advance(901)
        #expect(throttle.recordFailure(account: "hoa", address: "c").isEmpty, "the window moved on")
        for _ in 0..<3 { _ = throttle.recordFailure(account: "hoa", address: "c") }
        throttle.recordSuccess(account: "hoa")
        #expect(throttle.recordFailure(account: "hoa", address: "c").isEmpty)
    }

    /// The compiled-in assets are the files of the Assets folder, byte for byte.
    @Test func embeddedAssetsMatchTheAssetsFolder() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/CommcastConsole/Assets")
            .standardizedFileURL
        let served = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasSuffix(".md") }.sorted()
        #expect(ConsoleAssets.paths == served.map { "/\($0)" }, "run scripts/embed-console-assets.py")
        for name in served {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            #expect(ConsoleAssets.asset(at: "/\(name)")?.bytes == bytes, "\(name) changed: run scripts/embed-console-assets.py")
        }
        #expect(ConsoleAssets.asset(at: "/")?.contentType == "text/html; charset=utf-8")
        #expect(ConsoleAssets.asset(at: "/../etc/passwd") == nil)
    }
}

@Suite("Password check gate")
struct PasswordCheckGateTests {
    /// Counts how many checks run at once, and holds them until opened.
    actor Meter {
        var now = 0
        var most = 0
        var isOpen = false
        var held: [CheckedContinuation<Void, Never>] = []

        func enter() async {
            now += 1
            most = max(most, now)
            if !isOpen { await withCheckedContinuation { held.append($0) } }
        }

        func leave() { now -= 1 }

        func open() {
            isOpen = true
            for continuation in held { continuation.resume() }
            held = []
        }
    }

    @Test(.timeLimit(.minutes(3))) func atMostTwoChecksRunAtOnceAndAllFinish() async throws {
        let gate = PasswordCheckGate(limit: 2)
        let meter = Meter()
        let all = Task {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for n in 0..<6 {
                    group.addTask {
                        try await gate.run {
                            await meter.enter()
                            let ok = PasswordHasher.verify("mật khẩu số \(n)", against: try PasswordHasher.hash("mật khẩu số \(n)"))
                            await meter.leave()
                            return ok
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
        }
        // Two checks get in and are held there; the other four wait at the gate. (A
        // generous deadline: beside the end-to-end tests the two cooperative threads
        // can be busy for a long while before these tasks run.)
        let deadline = ContinuousClock.now + .seconds(120)
        while await meter.now < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let inside = await meter.now
        #expect(inside == 2, "\(inside) checks inside the gate")
        await meter.open()
        let results = try await all.value
        #expect(results.count == 6 && results.allSatisfy { $0 })
        let most = await meter.most
        #expect(most == 2, "\(most) at once")
    }
}
