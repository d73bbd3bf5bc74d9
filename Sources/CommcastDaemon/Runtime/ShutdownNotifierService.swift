import ServiceLifecycle

/// Tells systemd `STOPPING=1` as soon as graceful shutdown begins.
///
/// Registered last in the group, so it is the first to hear of the shutdown.
public struct ShutdownNotifierService: Service {
    private let notifier: SystemdNotifier

    public init(notifier: SystemdNotifier) {
        self.notifier = notifier
    }

    public func run() async throws {
        try? await gracefulShutdown()
        notifier.stopping()
    }
}
