import Foundation
import Synchronization

/// What the reporter is doing, for `commcast report status`; the backlog itself is on disk.
public final class ReporterProgress: Sendable {
    /// One moment's view.
    public struct Snapshot: Sendable {
        public var consecutiveFailures = 0
        public var lastSuccessAt: Date?
        public var lastError: String?
        public var lastErrorAt: Date?
        public var nextAttemptAt: Date?
        public var delivered = 0
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func succeeded(events: Int, at now: Date) {
        state.withLock {
            $0.consecutiveFailures = 0
            $0.lastSuccessAt = now
            $0.nextAttemptAt = nil
            $0.delivered += events
        }
    }

    func failed(_ error: String, at now: Date, retryAt: Date) {
        state.withLock {
            $0.consecutiveFailures += 1
            $0.lastError = error
            $0.lastErrorAt = now
            $0.nextAttemptAt = retryAt
        }
    }
}
