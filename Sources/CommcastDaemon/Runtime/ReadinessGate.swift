import Synchronization

/// Calls `onReady` once, when every one of `parts` has arrived.
final class ReadinessGate: Sendable {
    private let remaining: Mutex<Int>
    private let onReady: @Sendable () async -> Void

    init(parts: Int, onReady: @escaping @Sendable () async -> Void) {
        remaining = Mutex(parts)
        self.onReady = onReady
    }

    func arrived() async {
        let last = remaining.withLock { n -> Bool in
            n -= 1
            return n == 0
        }
        if last { await onReady() }
    }
}
