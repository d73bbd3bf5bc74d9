import Logging
import ServiceLifecycle

/// Pings systemd's watchdog at half of `WATCHDOG_USEC`, as sd_watchdog_enabled(3)
/// recommends, for as long as the daemon runs.
///
/// The ping rides on the same cooperative executor as the other services, so a
/// wedged daemon stops pinging and systemd restarts it.
public struct SystemdWatchdogService: Service {
    private let notifier: SystemdNotifier
    private let interval: Duration
    private let logger: Logger

    /// Nil when systemd did not ask for a watchdog.
    public init?(notifier: SystemdNotifier, logger: Logger) {
        guard let full = notifier.watchdogInterval() else { return nil }
        self.notifier = notifier
        self.interval = full / 2
        self.logger = logger
    }

    public func run() async throws {
        logger.info("systemd watchdog enabled", metadata: ["interval": "\(interval)"])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            notifier.watchdog()
            do {
                try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
