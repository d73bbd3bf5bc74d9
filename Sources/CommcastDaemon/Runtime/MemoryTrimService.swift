import CMalloc
import ServiceLifecycle

/// Hands memory freed after a burst (1,661 clusters downloading a bulletin, a
/// reconnect storm, an ingest) back to the kernel every 15 seconds. glibc keeps
/// freed heap in its arena otherwise, and the RSS budget is per station host
/// (docs/benchmarks.md).
public struct MemoryTrimService: Service {
    let interval: Duration

    public init(interval: Duration = .seconds(15)) {
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            _ = malloc_trim(0)
        }
    }
}
