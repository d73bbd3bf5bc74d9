/// Lets at most `limit` password checks run at once: each Argon2id check takes 19 MiB
/// for tens of milliseconds, and a burst of logins (or of guesses from many
/// addresses) must not take the station's memory. The rest wait their turn, in order.
public actor PasswordCheckGate {
    public let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(limit: Int = 2) {
        self.limit = max(1, limit)
    }

    /// Runs `check` when a slot is free.
    public func run<T: Sendable>(_ check: @Sendable () async throws -> T) async rethrows -> T {
        if running >= limit {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        defer {
            if waiting.isEmpty {
                running -= 1
            } else {
                waiting.removeFirst().resume()  // the slot passes straight to the next
            }
        }
        return try await check()
    }
}
