import CommcastConsole
import CommcastControlAPI
import CommcastCore
import CommcastLinkServer
import CommcastStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// The control API the CLI talks to: HTTP + JSON on a Unix socket whose file
/// mode and group, and the caller's peer credentials, decide who may call it.
public struct ControlAPIService: Service {
    let settings: RunningConfiguration
    let station: Station
    let database: CommcastDatabase
    let media: MediaStore
    let registry: LinkRegistry
    let reporterProgress: ReporterProgress
    let addresses: ListeningAddresses
    let socketPath: String
    let identify: CallerIdentification
    /// The web console's sessions: a new password ends the operator's.
    let sessions: ConsoleSessions
    let logger: Logger
    private let startedAt = Date()
    private let startInstant = ContinuousClock.now
    private let onReady: @Sendable () async -> Void

    /// - Parameters:
    ///   - identify: who is calling; the kernel's peer credentials unless a test says otherwise.
    ///   - onReady: called once the socket is listening with its final permissions.
    public init(
        settings: RunningConfiguration, station: Station, database: CommcastDatabase, media: MediaStore,
        registry: LinkRegistry, reporterProgress: ReporterProgress,
        addresses: ListeningAddresses, socketPath: String, identify: CallerIdentification = .peerCredentials(),
        sessions: ConsoleSessions = ConsoleSessions(idleTimeout: 1800, absoluteTimeout: 43_200), logger: Logger,
        onReady: @escaping @Sendable () async -> Void
    ) {
        self.sessions = sessions
        self.settings = settings
        self.station = station
        self.database = database
        self.media = media
        self.registry = registry
        self.reporterProgress = reporterProgress
        self.addresses = addresses
        self.socketPath = socketPath
        self.identify = identify
        self.logger = logger
        self.onReady = onReady
    }

    /// Routes of API version 1 on the socket.
    func makeRouter() -> Router<ControlRequestContext> {
        let router = Router(context: ControlRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ErrorMappingMiddleware())
        router.add(middleware: PeerAccessMiddleware(settings: settings, identify: identify))
        addAPIRoutes(to: router.group(RouterPath(ControlAPI.versionPrefix)))
        router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
        return router
    }

    /// Every route of the API, as the socket and the web console both serve them:
    /// one set of checks whatever the entry point.
    func addAPIRoutes(to v1: RouterGroup<ControlRequestContext>) {
        addInventoryRoutes(to: v1)
        addClusterHealthRoutes(to: v1)
        addBulletinRoutes(to: v1)
        addReportRoutes(to: v1)
        addLiveRoutes(to: v1)
        addProvinceRoutes(to: v1)
        addOperatorRoutes(to: v1)
        addBackupRoutes(to: v1)
        v1.get("status") { [self] _, context in
            let uptime = ContinuousClock.now - startInstant
            var status = StatusResponse(
                version: CommcastVersion.current,
                startedAt: startedAt.timeIntervalSince1970,
                uptimeSeconds: Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18,
                storePath: database.path,
                mediaPath: media.root.path,
                counts: try database.counts(),
                caller: context.peer,
                linkAddress: addresses.link,
                clustersConnected: addresses.link == nil ? nil : registry.connectedCount,
                heartbeatsReceived: addresses.link == nil ? nil : registry.heartbeatsReceived
            )
            status.receiptsRejected = addresses.link == nil ? nil : registry.receiptsRejected
            status.consoleAddress = addresses.console
            status.consoleTls = addresses.console == nil ? nil : WebConsoleService.certificate(settings.current) != nil
            status.liveMicrophone = settings.current.live.microphone
            status.linkTls = settings.current.link.usesTLS
            status.metricsAddress = addresses.metrics
            return try JSONResponse.ok(status)
        }
    }

    public func run() async throws {
        let path = socketPath
        try prepareSocketPath(path)
        let control = settings.current.control
        let group = control.socketGroup.isEmpty ? nil : (UInt32(control.socketGroup) ?? identify.accounts.groupID(named: control.socketGroup))
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .unixDomainSocket(path: path), serverName: "commcastd/\(CommcastVersion.current)"),
            onServerRunning: { [logger, onReady] _ in
                // Tighten the socket before announcing readiness: until then only the
                // daemon's umask protects it.
                if chmod(path, mode_t(control.socketMode)) != 0 {
                    logger.error("cannot chmod control socket", metadata: ["path": "\(path)", "errno": "\(errno)"])
                }
                if let group, chown(path, uid_t.max, group) != 0 {
                    logger.error(
                        "cannot give control socket to its group",
                        metadata: ["path": "\(path)", "group": "\(control.socketGroup)", "errno": "\(errno)"])
                }
                logger.info("control API listening", metadata: ["socket": "\(path)", "mode": "\(String(control.socketMode, radix: 8))"])
                await onReady()
            },
            logger: logger
        )
        defer { unlink(path) }
        try await app.run()
    }

    /// Removes a stale socket left by a crash, but refuses to steal a live one.
    func prepareSocketPath(_ path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard FileManager.default.fileExists(atPath: path) else { return }
        if ControlSocketProbe.probe(path) == .listening {
            throw SocketInUse(path: path)
        }
        unlink(path)
    }

    /// Another process already serves the socket.
    public struct SocketInUse: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "another process is already serving the control socket \(path); is commcastd already running?" }
    }
}
