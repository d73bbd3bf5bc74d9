import Synchronization

/// Keeps timing-sensitive end-to-end tests (live audio judged late against a
/// 100 ms jitter buffer) apart from the CPU-heavy ones (many simulated clusters,
/// ingest) on a 2-core machine. Swift Testing runs suites in parallel: heavy tests
/// take the lock `shared` and still run together; a timing test takes it
/// `exclusive` and runs with none of them. A waiting exclusive holder goes first.
public final class ExclusiveTests: Sendable {
    public static let cpuHeavy = ExclusiveTests()

    private struct State {
        var sharedHolders = 0
        var exclusiveHeld = false
        var exclusiveWaiters: [CheckedContinuation<Void, Never>] = []
        var sharedWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` beside other shared holders, never beside an exclusive one.
    public func shared<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                guard !s.exclusiveHeld, s.exclusiveWaiters.isEmpty else {
                    s.sharedWaiters.append(c)
                    return false
                }
                s.sharedHolders += 1
                return true
            }
            if now { c.resume() }
        }
        defer { release { $0.sharedHolders -= 1 } }
        return try await body()
    }

    /// Runs `body` alone.
    public func exclusive<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                guard !s.exclusiveHeld, s.sharedHolders == 0 else {
                    s.exclusiveWaiters.append(c)
                    return false
                }
                s.exclusiveHeld = true
                return true
            }
            if now { c.resume() }
        }
        defer { release { $0.exclusiveHeld = false } }
        return try await body()
    }

    /// Gives up a hold, then lets in the next exclusive waiter, or else every shared one.
    private func release(_ change: (inout State) -> Void) {
        let wake = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            change(&s)
            guard !s.exclusiveHeld, s.sharedHolders == 0 || s.exclusiveWaiters.isEmpty else { return [] }
            if s.sharedHolders == 0, !s.exclusiveWaiters.isEmpty {
                s.exclusiveHeld = true
                return [s.exclusiveWaiters.removeFirst()]
            }
            guard s.exclusiveWaiters.isEmpty else { return [] }
            let waiting = s.sharedWaiters
            s.sharedHolders += waiting.count
            s.sharedWaiters = []
            return waiting
        }
        for waiter in wake { waiter.resume() }
    }
}
