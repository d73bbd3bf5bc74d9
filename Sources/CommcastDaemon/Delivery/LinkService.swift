import CommcastCore
import CommcastLink
import CommcastLinkServer
import CommcastStore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import ServiceLifecycle

/// The server clusters dial into: the WebSocket link at `/v1/link` and media
/// downloads at `/v1/media/{sha256}.opus` (docs/protocol.md). Also pushes new
/// schedules to connected clusters whenever the stored airings change.
///
/// Built on SwiftNIO's channel handlers rather than a task per connection: a
/// province keeps 1,661 links open all day, and an idle link should cost only its
/// channel (docs/benchmarks.md).
public struct LinkService: Service {
    let settings: RunningConfiguration
    let database: CommcastDatabase
    let media: MediaStore
    let registry: LinkRegistry
    let live: LiveBroadcaster
    let planStored: ScheduleTrigger
    let logger: Logger
    let now: @Sendable () -> Date
    let onListening: @Sendable (String) async -> Void

    /// - Parameters:
    ///   - planStored: when it fires, every connected cluster is sent its schedule if it changed.
    ///   - onListening: called with `host:port` once the server has bound.
    public init(
        settings: RunningConfiguration, database: CommcastDatabase, media: MediaStore, registry: LinkRegistry,
        live: LiveBroadcaster, planStored: ScheduleTrigger, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
        onListening: @escaping @Sendable (String) async -> Void
    ) {
        self.settings = settings
        self.database = database
        self.media = media
        self.planStored = planStored
        self.registry = registry
        self.live = live
        self.logger = logger
        self.now = now
        self.onListening = onListening
    }

    public func run() async throws {
        let link = settings.current.link
        let schedules = LinkScheduleSender(settings: settings, database: database, registry: registry, logger: logger, now: now)
        let pushes = SchedulePushQueue()
        let environment = LinkEnvironment(
            keys: database, receipts: database, heartbeatSeconds: { [settings] in settings.current.link.heartbeatSeconds },
            registry: registry, pushes: pushes, live: live, logger: logger, now: now)
        let media = MediaResponder(media: media, registry: registry, live: live, now: now)
        let connections = OpenConnections()
        let tls = try link.usesTLS ? Self.tlsContext(certificate: link.tlsCertificate, key: link.tlsKey) : nil

        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: LinkCodec.maxTextBytes,
            // The link handler answers a broken or oversized frame itself: an `error` first, then the close.
            automaticErrorHandling: false,
            shouldUpgrade: { channel, head in
                channel.eventLoop.makeSucceededFuture(URLComponents(string: head.uri)?.path == "/v1/link" ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    sync.removeHandler(name: MediaHTTPHandler.name).whenComplete { _ in }
                    try sync.addHandler(
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 1, maxAccumulatedFrameCount: 64,
                            maxAccumulatedFrameSize: LinkCodec.maxTextBytes))
                    try sync.addHandler(ClusterLinkHandler(environment: environment))
                }
            }
        )
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            // A reconnect storm: every cluster of a province dialling within two seconds.
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 64 << 10, high: 1 << 20))
            // Each channel keeps its receive buffer between reads. A link reads
            // heartbeats of a few hundred bytes, so start at 512 rather than NIO's
            // 2 KiB (3 MB over a province); bigger reads still grow it.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 64 << 10))
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(NIOSSLServerHandler(context: tls)) }
                    try sync.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    try sync.addHandler(MediaHTTPHandler(responder: media), name: MediaHTTPHandler.name)
                }
            }
        let server = try await bootstrap.bind(host: link.listenAddress, port: link.port).get()
        let address = server.localAddress.map { "\($0.ipAddress ?? link.listenAddress):\($0.port ?? link.port)" } ?? "?"
        logger.info("cluster link listening", metadata: ["address": "\(address)", "tls": "\(tls != nil)"])
        await onListening(address)

        // Schedules go out from one loop until graceful shutdown: to every cluster
        // when the airings change (and every minute, as the horizon moves), to new
        // links as they arrive. Then every cluster is told the station is going away
        // (1001) so it reconnects after the usual delay.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !Task.isCancelled {
                        await planStored.wait(timeout: .seconds(60))
                        pushes.requestAll()
                    }
                }
                while !Task.isCancelled {
                    let due = await pushes.next(timeout: .seconds(60))
                    if Task.isCancelled { break }
                    if due.all { await schedules.push() } else if !due.ids.isEmpty { await schedules.push(to: due.ids) }
                }
                group.cancelAll()
            }
        }
        try? await server.close()
        for channel in connections.all {
            channel.pipeline.fireUserInboundEventTriggered(
                LinkCloseRequest(
                    code: 1001, reason: "shutting_down",
                    error: ErrorMessage(code: "shutting_down", message: "the station is stopping; reconnect after the usual delay")))
        }
        try? await Task.sleep(for: .milliseconds(200))
        for channel in connections.all { try? await channel.close() }
        logger.info("cluster link stopped")
    }
}

extension LinkService {
    /// The server's TLS context from PEM files; a bad file stops the daemon with the reason.
    static func tlsContext(certificate: String, key: String) throws -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey))
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationProblem(
                key: "link.tls_certificate", value: certificate, message: "expected a PEM certificate chain with its key in \(key) (\(error))")
        }
    }
}

/// Every accepted connection still open, so shutdown can say goodbye to each.
final class OpenConnections: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLockedValue { $0[id] = channel }
        channel.closeFuture.whenComplete { [channels] _ in _ = channels.withLockedValue { $0.removeValue(forKey: id) } }
    }

    var all: [any Channel] { channels.withLockedValue { Array($0.values) } }
}
