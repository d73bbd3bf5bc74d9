import CommcastCore
import CommcastLink
import CommcastStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// The server clusters dial into: the WebSocket link at `/v1/link` and media
/// downloads at `/v1/media/{sha256}.opus` (docs/protocol.md). Also pushes new
/// schedules to connected clusters whenever the stored airings change.
public struct LinkService: Service {
    let runtime: DaemonRuntime
    let registry: LinkRegistry
    let logger: Logger
    let now: @Sendable () -> Date
    let onListening: @Sendable (String) async -> Void

    public init(runtime: DaemonRuntime, registry: LinkRegistry, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
                onListening: @escaping @Sendable (String) async -> Void) {
        self.runtime = runtime
        self.registry = registry
        self.logger = logger
        self.now = now
        self.onListening = onListening
    }

    public func run() async throws {
        let link = runtime.configuration.link
        let schedules = LinkScheduleSender(runtime: runtime, registry: registry, logger: logger, now: now)
        let router = Router()
        addMediaRoute(to: router)
        runtime.onClusterKeyChanged { [registry] id in
            registry.send(id, .close(code: 4403, reason: "credential changed"))
        }
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                configuration: .init(ws: .init(maxFrameSize: LinkCodec.maxTextBytes, autoPing: .enabled(timePeriod: .seconds(60))))
            ) { [runtime, registry, logger, now] request, channel, _ in
                guard request.path == "/v1/link" else { return .dontUpgrade }
                let peer = channel.remoteAddress.map { "\($0)" } ?? "unknown"
                return .upgrade([:]) { inbound, outbound, _ in
                    await ClusterLinkSession(runtime: runtime, registry: registry, schedules: schedules, peer: peer, logger: logger, now: now)
                        .run(inbound: inbound, outbound: outbound)
                }
            },
            configuration: .init(address: .hostname(link.listenAddress, port: link.port), serverName: "commcastd/\(CommcastVersion.current)"),
            onServerRunning: { [logger, onListening] channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? link.listenAddress):\($0.port ?? link.port)" } ?? "?"
                logger.info("cluster link listening", metadata: ["address": "\(address)"])
                await onListening(address)
            },
            logger: logger
        )
        // The server runs in this task and ends on graceful shutdown; the push loop
        // lives exactly as long as it.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // A change in the stored airings reaches connected clusters at once.
                while !Task.isCancelled {
                    await runtime.airingsChanged.wait(timeout: .seconds(60))
                    if Task.isCancelled { break }
                    await schedules.push()
                }
            }
            defer { group.cancelAll() }
            try await app.run()
        }
    }

    func addMediaRoute(to router: Router<BasicRequestContext>) {
        let cache = MediaMemoryCache()
        router.get("v1/media/:file") { [registry, runtime, now] request, context -> Response in
            let file = try context.parameters.require("file")
            guard let auth = request.headers[.authorization], auth.hasPrefix("Bearer ") else {
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"])
            }
            let token = String(auth.dropFirst(7))
            guard registry.knows(token: token, at: now()) else { return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"]) }
            let sha = file.hasSuffix(".opus") ? String(file.dropLast(5)) : file
            guard sha.utf8.count == 64, sha.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
                  registry.mayDownload(token: token, sha256: sha, at: now()) != nil, runtime.media.contains(sha) else {
                return Response(status: .notFound)
            }
            let media = try cache.buffer(sha256: sha, path: runtime.media.url(for: sha).path)
            let size = media.readableBytes
            var headers: HTTPFields = [.contentType: "audio/ogg", .acceptRanges: "bytes", .eTag: "\"\(sha)\""]
            switch ByteRangeRequest(header: request.headers[.range], size: size) {
            case .whole?:
                headers[.contentLength] = "\(size)"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: media))
            case .partial(let range)?:
                headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
                headers[.contentLength] = "\(range.count)"
                return Response(status: .partialContent, headers: headers,
                                body: .init(byteBuffer: media.getSlice(at: range.lowerBound, length: range.count)!))
            case .unsatisfiable?, nil:
                return Response(status: .rangeNotSatisfiable, headers: [.contentRange: "bytes */\(size)"])
            }
        }
    }
}
