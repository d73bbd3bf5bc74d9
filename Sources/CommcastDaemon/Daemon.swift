import CommcastCore
import CommcastStore
import Foundation
import Logging
import ServiceLifecycle

/// Builds the daemon's services from a configuration and runs them until SIGTERM.
public enum Daemon {
    /// Opens the store, composes the services in a `ServiceGroup`, and runs it.
    ///
    /// Order matters for shutdown, which runs in reverse: the notifier (last) says
    /// `STOPPING=1` first, then the control API stops accepting, then the rest.
    public static func run(configuration: DaemonConfiguration, configurationPath: String?,
                           logLevel: LogLevelControl, logger: Logger) async throws {
        let notifier = SystemdNotifier()
        let stateDirectory = configuration.resolvedStateDirectory()
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o750])
        let database = try CommcastDatabase(path: stateDirectory.appendingPathComponent("commcast.sqlite").path,
                                            logger: logger)
        let media = try MediaStore(root: stateDirectory.appendingPathComponent("media", isDirectory: true))
        let runtime = DaemonRuntime(configuration: configuration, configurationPath: configurationPath,
                                    database: database, media: media,
                                    socketPath: configuration.resolvedSocketPath(), logLevel: logLevel)
        logger.info("commcastd starting", metadata: [
            "version": "\(CommcastVersion.current)",
            "state_directory": "\(stateDirectory.path)",
            "configuration": "\(configurationPath ?? "embedded default")",
        ])

        // Ready once both listeners are up: the control socket and the cluster link.
        let readiness = ReadinessGate(parts: 2) {
            notifier.ready(status: "serving")
            logger.notice("commcastd ready")
        }
        let control = ControlAPIService(runtime: runtime, logger: logger) { await readiness.arrived() }
        let registry = LinkRegistry()
        runtime.linkRegistry = registry
        let live = LiveBroadcaster(settings: .init(configuration.live), logger: logger)
        runtime.liveBroadcaster = live
        let link = LinkService(runtime: runtime, registry: registry, live: live, logger: logger) { address in
            runtime.linkAddress = address
            await readiness.arrived()
        }
        try database.replaceOperators(configuration.operators, at: Date())
        var services: [any Service] = [SchedulerService(runtime: runtime, logger: logger), HealthService(runtime: runtime, registry: registry, logger: logger),
                                       link, control, LiveWatchdogService(live: live, timeout: .seconds(Int64(configuration.live.sourceTimeoutSeconds)), runtime: runtime)]
        // A service that returns ends the group, so the relay service runs only when there are relays.
        if !configuration.relays.isEmpty { services.append(RelayService(runtime: runtime, live: live, logger: logger, now: { Date() })) }
        // Reports: snapshots and daily figures always go to the outbox; the reporter
        // and the webhook run only when the province is configured.
        services.append(StatusReportService(runtime: runtime, registry: registry, logger: logger))
        if !configuration.province.reportURL.isEmpty {
            services.append(ReporterService(runtime: runtime, progress: runtime.reporterProgress, logger: logger))
        }
        if !configuration.province.webhookListen.isEmpty {
            services.append(ProvinceWebhookService(runtime: runtime, logger: logger) { runtime.webhookAddress = $0 })
        }
        services.append(MemoryTrimService())
        services.append(ReloadService(runtime: runtime, loader: ConfigurationLoader(), notifier: notifier, logger: logger))
        if let watchdog = SystemdWatchdogService(notifier: notifier, logger: logger) {
            services.append(watchdog)
        }
        services.append(ShutdownNotifierService(notifier: notifier))

        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        logger.notice("commcastd stopped")
    }
}
