import CommcastCore
import Crypto
import Foundation
import Synchronization

/// The console's login sessions, in memory: a restart of the daemon logs everyone
/// out, which is rare and costs a login, while sessions in the database would cost a
/// write on every request. The cookie carries a random token; only its sha256 is
/// kept, so a memory dump reveals no usable cookie.
public final class ConsoleSessions: Sendable {
    /// One logged-in operator on one browser.
    public struct Session: Sendable, Equatable {
        public let operatorName: String
        /// Sent back in `X-CSRF-Token` with every change (the cookie alone never suffices).
        public let csrfToken: String
        public let createdAt: Date
        public var lastSeen: Date
        /// Where the login came from, for the audit log.
        public let address: String
        /// The operator's roles and zones at login: when the configuration changes
        /// either, the session ends (the operator logs in again under the new rules).
        let access: Access

        struct Access: Sendable, Equatable {
            var roles: Set<OperatorRole>
            var zonePaths: [String]
        }
    }

    /// Ends a session this long after its last request.
    public let idleTimeout: TimeInterval
    /// Ends a session this long after login, however busy.
    public let absoluteTimeout: TimeInterval
    private let now: @Sendable () -> Date
    private let sessions = Mutex<[String: Session]>([:])

    public init(idleTimeout: TimeInterval, absoluteTimeout: TimeInterval, now: @escaping @Sendable () -> Date = { Date() }) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
        self.now = now
    }

    /// Opens a session; returns the cookie token (shown once) and the session.
    public func open(for op: Operator, address: String) -> (token: String, session: Session) {
        let token = SecretToken.random()
        let at = now()
        let session = Session(
            operatorName: op.name, csrfToken: SecretToken.random(), createdAt: at, lastSeen: at, address: address,
            access: .init(roles: op.roles, zonePaths: op.zonePaths))
        sessions.withLock { all in
            all = all.filter { !expired($0.value, at: at) }
            all[Self.key(token)] = session
        }
        return (token, session)
    }

    /// The live session of a cookie token, touched (its idle timer starts again) unless
    /// `touch` is false; nil when there is none, it expired, or the operator it belongs
    /// to was removed or given other roles or zones. An open event stream checks with
    /// `touch: false`: a console left open on a table is idle, not busy.
    public func find(token: String, touch: Bool = true, operatorNamed lookup: (String) -> Operator?) -> (
        session: Session, operator: Operator
    )? {
        let at = now()
        let key = Self.key(token)
        guard let session = sessions.withLock({ $0[key] }) else { return nil }
        guard !expired(session, at: at), let op = lookup(session.operatorName),
            session.access == .init(roles: op.roles, zonePaths: op.zonePaths)
        else {
            _ = sessions.withLock { $0.removeValue(forKey: key) }
            return nil
        }
        guard touch else { return (session, op) }
        sessions.withLock { $0[key]?.lastSeen = at }
        var touched = session
        touched.lastSeen = at
        return (touched, op)
    }

    /// Logs a session out.
    public func close(token: String) {
        _ = sessions.withLock { $0.removeValue(forKey: Self.key(token)) }
    }

    /// Ends every session of an operator (a new password); returns how many.
    @discardableResult
    public func closeAll(of operatorName: String) -> Int {
        sessions.withLock { all in
            let before = all.count
            all = all.filter { $0.value.operatorName != operatorName }
            return before - all.count
        }
    }

    /// Sessions open now.
    public var count: Int {
        let at = now()
        return sessions.withLock { $0.values.filter { !expired($0, at: at) }.count }
    }

    private func expired(_ s: Session, at: Date) -> Bool {
        at.timeIntervalSince(s.lastSeen) >= idleTimeout || at.timeIntervalSince(s.createdAt) >= absoluteTimeout
    }

    static func key(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
