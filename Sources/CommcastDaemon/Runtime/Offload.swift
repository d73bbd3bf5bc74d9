import Dispatch

/// Runs CPU-heavy or blocking work (ingest, text-to-speech) on a Dispatch thread,
/// so it never ties up the cooperative pool the event loops and services share.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(with: Result { try work() })
        }
    }
}
