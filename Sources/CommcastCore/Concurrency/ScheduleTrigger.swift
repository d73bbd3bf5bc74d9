import Synchronization

/// A coalescing wake-up: any number of `fire()` calls before the scheduler looks
/// become one replan. Lets a cancel or a new bulletin reach the plan at once
/// instead of at the next periodic pass.
public final class ScheduleTrigger: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    public init() {}

    /// Requests a replan.
    public func fire() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when fired (at once if a fire is pending) or after `timeout`.
    public func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let resumeNow: Bool = state.withLock { s in
                        if s.pending {
                            s.pending = false
                            return true
                        }
                        s.waiter = c
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            // Wake a continuation left behind by the timeout so the task group can finish.
            let leftover: CheckedContinuation<Void, Never>? = state.withLock { s in
                let w = s.waiter
                s.waiter = nil
                return w
            }
            leftover?.resume()
        }
    }
}
