import CommcastConsole
import CommcastCore
import CommcastLinkServer
import CommcastStore
import Foundation
import Logging
import ServiceLifecycle

/// Builds the daemon's services from a configuration and runs them until SIGTERM.
public enum Daemon {
    /// Opens the store, builds the application layer and the services around it,
    /// each given what it needs by name, and runs them in a `ServiceGroup`.
    ///
    /// Order matters for shutdown, which runs in reverse: the notifier (last) says
    /// `STOPPING=1` first, then the control API stops accepting, then the rest.
    ///
    /// With `[metrics]` on, this bootstraps the process's swift-metrics backend, which
    /// can be done once: call it once per process.
    public static func run(
        configuration: DaemonConfiguration, configurationPath: String?, overrides: CommandLineOverrides = .init(),
        logLevel: LogLevelControl, logger: Logger
    ) async throws {
        // Before anything records a metric: a counter made earlier would stay a no-op.
        let prometheus = configuration.metrics.enabled ? StationMetrics.bootstrap() : nil
        let notifier = SystemdNotifier()
        let stateDirectory = configuration.resolvedStateDirectory()
        try FileManager.default.createDirectory(
            at: stateDirectory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o750])
        let database = try CommcastDatabase(
            path: stateDirectory.appendingPathComponent("commcast.sqlite").path,
            logger: logger)
        let media = try MediaStore(root: stateDirectory.appendingPathComponent("media", isDirectory: true))
        let settings = RunningConfiguration(configuration, path: configurationPath, logLevel: logLevel, overrides: overrides)
        // Uploads and the ingest's working files: what a kill left there belongs to
        // a request that was never answered, and is cleared.
        try? FileManager.default.removeItem(at: settings.uploadDirectory)
        try FileManager.default.createDirectory(
            at: settings.uploadDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        logger.info(
            "commcastd starting",
            metadata: [
                "version": "\(CommcastVersion.current)",
                "state_directory": "\(stateDirectory.path)",
                "configuration": "\(configurationPath ?? "embedded default")",
            ])
        try database.replaceOperators(configuration.operators, at: Date())

        // What the services share, made once: the plan's two wake-ups, the
        // connected clusters, the one live broadcast, and where listeners bound.
        let replanRequests = ScheduleTrigger()
        let planStored = ScheduleTrigger()
        let registry = LinkRegistry()
        let broadcaster = LiveBroadcaster(settings: .init(configuration.live), logger: logger)
        let addresses = ListeningAddresses()
        let reporterProgress = ReporterProgress()
        let uplinks = PhoneUplinks(settings: .init(configuration.live))

        let scope = OperatorScope(database: database)
        let station = Station(
            bulletins: BulletinDesk(
                settings: settings, database: database, media: media, scope: scope,
                replanRequests: replanRequests, logger: logger),
            onAir: OnAir(
                broadcaster: broadcaster, registry: registry, database: database, settings: settings, scope: scope, uplinks: uplinks,
                logger: logger),
            inventory: InventoryDesk(database: database, scope: scope, registry: registry, replanRequests: replanRequests),
            commands: ClusterCommands(database: database, scope: scope, registry: registry, planStored: planStored),
            scope: scope)

        try station.onAir.endBroadcastsLeftOnAir()

        // Ready once both listeners are up: the control socket and the cluster link.
        let readiness = ReadinessGate(parts: 2) {
            notifier.ready(status: "serving")
            logger.notice("commcastd ready")
        }
        // Console sessions are shared: a password set over the socket ends the web's.
        let sessions = ConsoleSessions(
            idleTimeout: TimeInterval(configuration.web.sessionIdleMinutes * 60),
            absoluteTimeout: TimeInterval(configuration.web.sessionMaxHours * 3600))
        let controlAPI = ControlAPIService(
            settings: settings, station: station, database: database, media: media, registry: registry,
            reporterProgress: reporterProgress, addresses: addresses, socketPath: configuration.resolvedSocketPath(),
            sessions: sessions, logger: logger
        ) { await readiness.arrived() }
        var services: [any Service] = [
            SchedulerService(settings: settings, database: database, replanRequests: replanRequests, planStored: planStored, logger: logger),
            HealthService(settings: settings, database: database, registry: registry, logger: logger),
            LinkService(
                settings: settings, database: database, media: media, registry: registry, live: broadcaster,
                planStored: planStored, logger: logger
            ) { address in
                addresses.link = address
                await readiness.arrived()
            },
            controlAPI,
            LiveWatchdogService(onAir: station.onAir, timeout: .seconds(configuration.live.sourceTimeoutSeconds)),
            PhoneUplinkService(uplinks: uplinks, onAir: station.onAir, logger: logger),
        ]
        // A service that returns ends the group, so the relay service runs only when there are relays.
        if !configuration.relays.isEmpty {
            services.append(RelayService(settings: settings, onAir: station.onAir, scope: scope, logger: logger, now: { Date() }))
        }
        // Reports: snapshots and daily figures always go to the outbox; the reporter
        // and the webhook run only when the province is configured.
        services.append(StatusReportService(settings: settings, database: database, registry: registry, logger: logger))
        if !configuration.province.reportURL.isEmpty {
            services.append(ReporterService(settings: settings, database: database, progress: reporterProgress, logger: logger))
        }
        if !configuration.province.webhookListen.isEmpty {
            services.append(
                ProvinceWebhookService(settings: settings, database: database, media: media, station: station, logger: logger) {
                    addresses.webhook = $0
                })
        }
        if configuration.web.enabled {
            services.append(
                WebConsoleService(settings: settings, api: controlAPI, database: database, sessions: sessions, logger: logger) {
                    addresses.console = $0
                })
        }
        if let prometheus {
            services.append(
                MetricsService(
                    settings: settings, database: database, registry: registry, progress: reporterProgress, prometheus: prometheus,
                    logger: logger
                ) { addresses.metrics = $0 })
        }
        services.append(MemoryTrimService())
        services.append(
            ReloadService(
                settings: settings, database: database, replanRequests: replanRequests,
                loader: ConfigurationLoader(), notifier: notifier, preflight: ConfigurationPreflight(), logger: logger))
        if let watchdog = SystemdWatchdogService(notifier: notifier, logger: logger) {
            services.append(watchdog)
        }
        services.append(ShutdownNotifierService(notifier: notifier))

        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
        try await group.run()
        logger.notice("commcastd stopped")
    }
}
