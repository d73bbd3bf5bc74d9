import CommcastCore
import Synchronization

/// Clusters waiting for their schedule, pushed together by one loop. When a whole
/// province reconnects within two seconds, 1,661 "send me my schedule" requests
/// become a few batched reads of the airings instead of 1,661 concurrent ones.
public final class SchedulePushQueue: Sendable {
    private let pending = Mutex<(all: Bool, ids: Set<String>)>((false, []))
    private let wakeUp = ScheduleTrigger()

    public init() {}

    /// A cluster that just connected needs its schedule.
    public func request(_ clusterID: String) {
        pending.withLock { _ = $0.ids.insert(clusterID) }
        wakeUp.fire()
    }

    /// The stored airings changed: every connected cluster may need a new schedule.
    public func requestAll() {
        pending.withLock { $0.all = true }
        wakeUp.fire()
    }

    /// Waits for requests and hands them over; `all` means every connected cluster.
    public func next(timeout: Duration) async -> (all: Bool, ids: Set<String>) {
        await wakeUp.wait(timeout: timeout)
        return pending.withLock { p in
            defer { p = (false, []) }
            return p
        }
    }
}
