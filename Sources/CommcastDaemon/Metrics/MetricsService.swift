import CommcastCore
import CommcastLinkServer
import CommcastStore
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// `GET /metrics` in Prometheus's text format, on its own listener (`[metrics]`,
/// 127.0.0.1 by default): the counters recorded across the station through
/// swift-metrics, and the gauges `StationGauges` reads at each scrape. Nothing else is
/// served there, and nothing there needs a login: it holds counts, never a name,
/// a token or a bulletin's text (docs/reliability.md, "Watching a station").
public struct MetricsService: Service {
    let settings: RunningConfiguration
    let database: CommcastDatabase
    let registry: LinkRegistry
    let progress: ReporterProgress
    let gauges: StationGauges
    let logger: Logger
    let onListening: @Sendable (String) async -> Void

    public init(
        settings: RunningConfiguration, database: CommcastDatabase, registry: LinkRegistry, progress: ReporterProgress,
        prometheus: PrometheusCollectorRegistry, logger: Logger, onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) {
        self.settings = settings
        self.database = database
        self.registry = registry
        self.progress = progress
        self.gauges = StationGauges(prometheus: prometheus)
        self.logger = logger
        self.onListening = onListening
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let (settings, database, registry, progress, gauges, logger) = (settings, database, registry, progress, gauges, logger)
        router.get("metrics") { _, _ -> Response in
            let text = try await offload {
                do {
                    try gauges.refresh(
                        database: database, registry: registry, progress: progress,
                        reporting: !settings.current.province.reportURL.isEmpty, now: Date())
                } catch {
                    // The counters are still worth a scrape; the log says why the gauges are stale.
                    logger.error("metrics: cannot read the station's state", metadata: ["error": "\(error)"])
                }
                return gauges.prometheus.emitToBuffer()
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
        return router
    }

    public func run() async throws {
        let section = settings.current.metrics
        let (host, port) = (section.listenAddress, section.port)
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: "commcastd/\(CommcastVersion.current)"),
            onServerRunning: { [logger, onListening] channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)"
                logger.info("metrics listening", metadata: ["address": "\(address)"])
                await onListening(address)
            },
            logger: logger)
        do {
            try await app.run()
        } catch {
            // Metrics are not worth the station: it runs on, and the log says why they are missing.
            logger.error("metrics cannot listen; the station runs without them", metadata: ["address": "\(host):\(port)", "error": "\(error)"])
            try? await gracefulShutdown()
        }
    }
}
