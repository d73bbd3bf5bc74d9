import Foundation
import Synchronization

/// Slows password guessing: per account and per address, too many failed logins in
/// a window lock further attempts for a while. Failures are forgotten after the
/// window; a success clears the account's count. Pure apart from its lock, with the
/// clock injected.
public final class LoginThrottle: Sendable {
    /// What the throttle says about an attempt.
    public enum Decision: Sendable, Equatable {
        case allowed
        /// Refused without checking the password, until `until`.
        case locked(until: Date, what: String)
    }

    /// A lock that a failure just set: what to write in the audit log.
    public struct Lockout: Sendable, Equatable {
        /// `account NAME` or `address ADDR`.
        public var what: String
        public var until: Date
        public var failures: Int
    }

    public let accountLimit: Int
    public let addressLimit: Int
    public let window: TimeInterval
    public let lockDuration: TimeInterval
    private let now: @Sendable () -> Date

    struct Counter {
        var failures: [Date] = []
        var lockedUntil: Date?
    }

    private let counters = Mutex<[String: Counter]>([:])

    /// - Parameters:
    ///   - accountLimit: failures per account in `window` before it locks (5).
    ///   - addressLimit: failures per address in `window` before it locks (20: a
    ///     commune office behind one NAT may have several operators).
    public init(
        accountLimit: Int = 5, addressLimit: Int = 20, window: TimeInterval = 900, lockDuration: TimeInterval = 900,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.accountLimit = accountLimit
        self.addressLimit = addressLimit
        self.window = window
        self.lockDuration = lockDuration
        self.now = now
    }

    /// Whether a login for `account` from `address` may be tried now.
    public func check(account: String, address: String) -> Decision {
        let at = now()
        return counters.withLock { all in
            for key in [Self.accountKey(account), Self.addressKey(address)] {
                if let until = all[key]?.lockedUntil, until > at { return .locked(until: until, what: key) }
            }
            return .allowed
        }
    }

    /// Counts a failed login; returns the locks it set (for the audit log).
    public func recordFailure(account: String, address: String) -> [Lockout] {
        let at = now()
        return counters.withLock { all in
            var set: [Lockout] = []
            for (key, limit) in [(Self.accountKey(account), accountLimit), (Self.addressKey(address), addressLimit)] {
                var c = all[key] ?? Counter()
                c.failures = c.failures.filter { at.timeIntervalSince($0) < window } + [at]
                if c.failures.count >= limit, (c.lockedUntil ?? .distantPast) <= at {
                    c.lockedUntil = at.addingTimeInterval(lockDuration)
                    set.append(Lockout(what: key, until: c.lockedUntil!, failures: c.failures.count))
                    c.failures = []
                }
                all[key] = c
            }
            // Forget what is old, so a scan of names cannot grow the table without end.
            if all.count > 10_000 {
                all = all.filter { $0.value.lockedUntil.map { $0 > at } ?? false || $0.value.failures.contains { at.timeIntervalSince($0) < window } }
            }
            return set
        }
    }

    /// A successful login clears the account's failures (not the address's).
    public func recordSuccess(account: String) {
        _ = counters.withLock { $0.removeValue(forKey: Self.accountKey(account)) }
    }

    static func accountKey(_ name: String) -> String { "account \(name.lowercased())" }
    static func addressKey(_ address: String) -> String { "address \(address)" }
}
