import CommcastCore
import CommcastLink
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Answers `GET /v1/media/{sha256}.opus` (docs/protocol.md, "Media"): only with the
/// bearer token of a link that was sent that file in a schedule, whole or by Range.
public struct MediaResponder: Sendable {
    let media: any MediaFiles
    let registry: LinkRegistry
    let live: LiveBroadcaster
    let now: @Sendable () -> Date
    let cache = MediaMemoryCache()

    public init(media: any MediaFiles, registry: LinkRegistry, live: LiveBroadcaster, now: @escaping @Sendable () -> Date) {
        self.media = media
        self.registry = registry
        self.live = live
        self.now = now
    }

    /// A response: status, headers and the body to send (a slice of the shared file).
    struct Reply: Sendable {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: ByteBuffer?
    }

    func respond(to head: HTTPRequestHead) -> Reply {
        let path = URLComponents(string: head.uri)?.path ?? head.uri
        guard head.method == .GET || head.method == .HEAD else { return Reply(status: .methodNotAllowed, headers: ["Allow": "GET, HEAD"]) }
        if path == "/v1/link" { return Reply(status: .upgradeRequired, headers: ["Upgrade": "websocket"]) }
        guard path.hasPrefix("/v1/media/") else { return Reply(status: .notFound, headers: [:]) }
        let file = String(path.dropFirst("/v1/media/".count))
        guard let auth = head.headers.first(name: "Authorization"), auth.hasPrefix("Bearer "),
            registry.knows(token: String(auth.dropFirst(7)), at: now())
        else {
            return Reply(status: .unauthorized, headers: ["WWW-Authenticate": "Bearer"])
        }
        let token = String(auth.dropFirst(7))
        // Hex digits in either case name the same file.
        let sha = (file.hasSuffix(".opus") ? String(file.dropLast(5)) : file).lowercased()
        guard sha.utf8.count == 64, sha.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
            registry.mayDownload(token: token, sha256: sha, at: now()) != nil, media.contains(sha)
        else {
            return Reply(status: .notFound, headers: [:])
        }
        let media: ByteBuffer
        do { media = try cache.buffer(sha256: sha, path: self.media.path(of: sha)) } catch {
            return Reply(status: .internalServerError, headers: [:])
        }
        let size = media.readableBytes
        var headers: HTTPHeaders = ["Content-Type": "audio/ogg", "Accept-Ranges": "bytes", "ETag": "\"\(sha)\""]
        switch ByteRangeRequest(header: head.headers.first(name: "Range"), size: size) {
        case .whole:
            return Reply(status: .ok, headers: headers, body: media)
        case .partial(let range):
            headers.add(name: "Content-Range", value: "bytes \(range.lowerBound)-\(range.upperBound)/\(size)")
            return Reply(status: .partialContent, headers: headers, body: media.getSlice(at: range.lowerBound, length: range.count))
        case .unsatisfiable:
            return Reply(status: .rangeNotSatisfiable, headers: ["Content-Range": "bytes */\(size)"])
        }
    }
}

/// Plain HTTP on the link port: media downloads, and the live Ogg Opus stream. A file
/// not yet in memory is read on NIO's thread pool so the event loop never waits on
/// the disk.
public final class MediaHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPServerRequestPart
    public typealias OutboundOut = HTTPServerResponsePart
    public static let name = "commcast-media"

    /// An HTTP connection with no request in progress for this long is closed: a
    /// cluster's finished download connections would otherwise stay open beside its
    /// link all day (docs/protocol.md).
    static let idleTimeout = TimeAmount.seconds(15)

    let responder: MediaResponder
    var head: HTTPRequestHead?
    var idleClose: Scheduled<Void>?
    var removed = false
    /// Set while this connection carries the live Ogg stream: pages are written by the broadcaster.
    var streaming = false

    public init(responder: MediaResponder) {
        self.responder = responder
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        armIdleClose(context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if streaming { responder.live.removeListener(context.channel) }
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        removed = true
        idleClose?.cancel()
        idleClose = nil
    }

    func armIdleClose(context: ChannelHandlerContext) {
        idleClose?.cancel()
        guard !removed, !streaming else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        idleClose = context.eventLoop.scheduleTask(in: Self.idleTimeout) { loopBound.value.close(promise: nil) }
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            idleClose?.cancel()
            idleClose = nil
            head = h
        case .body: break
        case .end:
            guard let head, !streaming else { return }
            self.head = nil
            if head.method == .GET, let stream = LiveStreamRequest(uri: head.uri) {
                serveLive(stream, head: head, context: context)
                return
            }
            let responder = self.responder
            NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) { responder.respond(to: head) }
                .assumeIsolated().whenSuccess { reply in self.write(reply, for: head, context: context) }
        }
    }

    /// Joins the connection to the running broadcast's Ogg stream: the headers now,
    /// then a page every 20 ms until the broadcast ends and the connection closes.
    func serveLive(_ stream: LiveStreamRequest, head: HTTPRequestHead, context: ChannelHandlerContext) {
        let channel = context.channel
        let joined = responder.live.addListener(liveID: stream.liveID, token: stream.token, channel: channel) { pages in
            // HTTP/1.0 as Icecast answers: the body has no length and no chunking, ends
            // when the connection closes, and every listener gets the very same bytes.
            let headers: HTTPHeaders = [
                "Content-Type": "audio/ogg", "Cache-Control": "no-cache, no-store", "Connection": "close",
                "Server": "commcastd/\(CommcastVersion.current)",
            ]
            channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_0, status: .ok, headers: headers)), promise: nil)
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(pages)), promise: nil)
        }
        if joined {
            // The broadcaster writes the pages from now on, until the broadcast ends.
            streaming = true
        } else {
            write(MediaResponder.Reply(status: .notFound, headers: [:]), for: head, context: context)
        }
    }

    func write(_ reply: MediaResponder.Reply, for head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = reply.headers
        headers.replaceOrAdd(name: "Content-Length", value: "\(reply.body?.readableBytes ?? 0)")
        headers.replaceOrAdd(name: "Server", value: "commcastd/\(CommcastVersion.current)")
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: reply.status, headers: headers))), promise: nil)
        if let body = reply.body, head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            LinkMetrics.mediaServed(bytes: body.readableBytes)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated()
        if keepAlive {
            // The timer starts once the whole body is written, so a slow 4G download is never cut.
            done.whenSuccess { self.armIdleClose(context: context) }
        } else {
            done.whenComplete { _ in context.close(promise: nil) }
        }
    }
}

/// `GET /v1/live/{live_id}.ogg?token=…`
struct LiveStreamRequest {
    var liveID: String
    var token: String

    init?(uri: String) {
        guard let components = URLComponents(string: uri), components.path.hasPrefix("/v1/live/"), components.path.hasSuffix(".ogg") else {
            return nil
        }
        liveID = String(components.path.dropFirst("/v1/live/".count).dropLast(4))
        token = components.queryItems?.first { $0.name == "token" }?.value ?? ""
    }
}
