/// How long the reporter waits before trying a failed batch again: exponential
/// from `base`, capped at `maximum`, with "equal jitter" (half fixed, half random)
/// so that a province's stations do not all retry in the same second after an
/// outage, yet none retries sooner than half its step.
public struct RetryBackoff: Sendable, Equatable {
    public var base: Duration
    public var maximum: Duration

    public init(base: Duration = .seconds(1), maximum: Duration = .seconds(300)) {
        self.base = base
        self.maximum = maximum
    }

    /// The wait after `failures` consecutive failures (1 for the first), with `random`
    /// a number in 0…1 (injected so tests are deterministic).
    public func delay(afterFailures failures: Int, random: Double) -> Duration {
        guard failures > 0 else { return .zero }
        let exponent = min(failures - 1, 30)
        let step = min(base * (1 << exponent), maximum)
        let jitter = min(max(random, 0), 1)
        return step / 2 + (step / 2) * jitter
    }
}
