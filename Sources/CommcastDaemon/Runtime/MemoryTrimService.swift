import CMalloc
import ServiceLifecycle

/// Hands memory freed after a burst (1,661 clusters downloading a bulletin, a
/// reconnect storm, an ingest) back to the kernel once a minute. glibc keeps freed
/// heap in its arenas otherwise, and the RSS budget is per station host
/// (docs/benchmarks.md).
public struct MemoryTrimService: Service {
    let interval: Duration

    public init(interval: Duration = .seconds(60)) {
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            _ = malloc_trim(0)
        }
    }
}
