import Foundation

/// A condition a test waited on did not come true in time.
public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public var deadline: Duration
    public var description: String { "timed out after \(deadline) waiting until \(what)" }
}

/// Polls `condition` until it holds; throws `TimedOut` naming `what` once
/// `deadline` passes. The one way the tests wait for another process or a
/// service to catch up: on the event itself, with a deadline, never a fixed sleep.
public func waitUntil(
    _ what: String, deadline: Duration = .seconds(30), every interval: Duration = .milliseconds(50),
    _ condition: () async throws -> Bool
) async throws {
    _ = try await waitFor(what, deadline: deadline, every: interval) { try await condition() ? true : nil }
}

/// Polls `produce` until it returns a value, and returns it; throws `TimedOut`
/// naming `what` once `deadline` passes.
public func waitFor<T>(
    _ what: String, deadline: Duration = .seconds(30), every interval: Duration = .milliseconds(50),
    _ produce: () async throws -> T?
) async throws -> T {
    let end = ContinuousClock.now + deadline
    while true {
        if let value = try await produce() { return value }
        guard ContinuousClock.now < end else { throw TimedOut(what: what, deadline: deadline) }
        try await Task.sleep(for: interval)
    }
}

/// `waitFor` for synchronous tests, which block their thread while they wait.
public func blockingWaitFor<T>(
    _ what: String, deadline: Duration = .seconds(30), every interval: Duration = .milliseconds(50),
    _ produce: () throws -> T?
) throws -> T {
    let end = ContinuousClock.now + deadline
    while true {
        if let value = try produce() { return value }
        guard ContinuousClock.now < end else { throw TimedOut(what: what, deadline: deadline) }
        Thread.sleep(forTimeInterval: Double(interval.components.attoseconds) / 1e18 + Double(interval.components.seconds))
    }
}
