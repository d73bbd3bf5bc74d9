import CommcastCore
import CommcastLink
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// What every cluster link shares: where keys and receipts live, the registry and
/// the schedule pushes. Narrow on purpose, so a handler runs in a test without a station.
public struct LinkEnvironment: Sendable {
    let keys: any ClusterKeySource
    let receipts: any ReceiptSink
    /// The heartbeat interval told to each cluster in its welcome.
    let heartbeatSeconds: @Sendable () -> Int
    let registry: LinkRegistry
    let pushes: SchedulePushQueue
    let live: LiveBroadcaster
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        keys: any ClusterKeySource, receipts: any ReceiptSink, heartbeatSeconds: @escaping @Sendable () -> Int,
        registry: LinkRegistry, pushes: SchedulePushQueue, live: LiveBroadcaster, logger: Logger,
        now: @escaping @Sendable () -> Date
    ) {
        self.keys = keys
        self.receipts = receipts
        self.heartbeatSeconds = heartbeatSeconds
        self.registry = registry
        self.pushes = pushes
        self.live = live
        self.logger = logger
        self.now = now
    }
}

/// One cluster's WebSocket, from challenge to close (docs/protocol.md), as a channel
/// handler on its event loop. It holds no task while the link is idle: database work
/// runs on NIO's thread pool and its result comes back to the event loop. Anything
/// malformed or hostile ends this link only, with the reason logged and sent.
public final class ClusterLinkHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = WebSocketFrame
    public typealias OutboundOut = WebSocketFrame

    static let helloTimeout: TimeAmount = .seconds(10)
    /// How long the station waits for the cluster's close frame before it drops the connection.
    static let closeTimeout: TimeAmount = .seconds(5)

    enum Phase {
        case upgrading
        case awaitingHello(nonce: String)
        case authenticating
        case open(LinkRegistry.Session)
        case closing
    }

    let environment: LinkEnvironment
    var phase: Phase = .upgrading
    var helloDeadline: Scheduled<Void>?
    /// A receipt to answer: one to store, or one refused as it arrived.
    enum PendingReceipt {
        case store(ReceiptMessage)
        case reject(receiptID: String, reason: String)
    }

    /// Receipts wait here to be answered one at a time, in the order they arrived.
    var receipts: [PendingReceipt] = []
    /// Unknown message types already logged on this link (once each, at most 16).
    var unknownTypesLogged: Set<String> = []
    var storingReceipt = false
    var peer = "unknown"
    /// The cluster this link authenticated as, kept after it closes so late log lines name it.
    var authenticatedID: String?

    public init(environment: LinkEnvironment) {
        self.environment = environment
    }

    /// Built when something is logged rather than kept per link: 1,661 idle links
    /// would otherwise each hold a metadata dictionary (docs/benchmarks.md).
    var log: Logger {
        var logger = environment.logger
        logger[metadataKey: "peer"] = "\(peer)"
        if let id = clusterID ?? authenticatedID { logger[metadataKey: "cluster"] = "\(id)" }
        return logger
    }

    var registry: LinkRegistry { environment.registry }

    // MARK: - Channel events

    public func handlerAdded(context: ChannelHandlerContext) {
        peer = context.channel.remoteAddress.map { "\($0)" } ?? "unknown"
    }

    /// The challenge goes out once the HTTP upgrade is complete, never in the same
    /// breath as the 101 response: a client still switching protocols could lose it.
    func challenge(context: ChannelHandlerContext) {
        let nonce = LinkAuthentication.makeNonce()
        phase = .awaitingHello(nonce: nonce)
        send(ChallengeMessage(nonce: nonce, serverTime: environment.now()), context: context)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        helloDeadline = context.eventLoop.scheduleTask(in: Self.helloTimeout) {
            let (handler, context) = loopBound.value
            guard case .awaitingHello = handler.phase else { return }
            handler.refuse(ErrorMessage(code: "hello_timeout", message: "no hello within 10 s"), close: 4407, context: context)
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        helloDeadline?.cancel()
        endSession(context: context)
        phase = .closing
        context.fireChannelInactive()
    }

    /// Takes the cluster out of the registry once its link is over.
    func endSession(context: ChannelHandlerContext) {
        guard case .open(let session) = phase else { return }
        registry.unregister(session, at: environment.now())
        environment.live.linkClosed(session.clusterID, channel: context.channel)
        log.info("cluster disconnected")
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            var data = frame.unmaskedData
            received(data.readString(length: data.readableBytes) ?? "", context: context)
        case .binary:
            refuse(ErrorMessage(code: "malformed", message: "binary frames go only from the station to clusters"), close: 4400, context: context)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            // Either the cluster is leaving, or it answers our close: echo its code if it
            // started it, then hang up.
            if case .closing = phase {
                context.close(promise: nil)
            } else {
                endSession(context: context)
                phase = .closing
                var data = frame.unmaskedData
                let code = data.readInteger(as: UInt16.self).map { ByteBuffer(integer: $0) } ?? ByteBuffer()
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: code)))
                    .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
        default:
            break
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let request = event as? LinkCloseRequest {
            if let error = request.error, !isClosing {
                log.notice("cluster link closed by the station", metadata: ["reason": "\(error.code)", "detail": "\(error.message)"])
                send(error, context: context)
            }
            close(code: request.code, reason: request.reason, context: context)
        } else if case .upgradeComplete = event as? HTTPServerUpgradeEvents, case .upgrading = phase {
            challenge(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Oversized or broken frames, from the frame decoder (its automatic answer is
        // off, so that an `error` message goes first) or from the aggregator.
        let tooBig =
            (error as? NIOWebSocketError) == .invalidFrameLength
            || (error as? NIOWebSocketFrameAggregator.Error) == .accumulatedFrameSizeIsTooLarge
        if tooBig {
            refuse(
                ErrorMessage(code: "too_big", message: "a frame over \(LinkCodec.maxTextBytes) bytes; a message is at most 64 KiB"),
                close: 1009, context: context)
        } else if error is NIOWebSocketError || error is NIOWebSocketFrameAggregator.Error {
            refuse(ErrorMessage(code: "malformed", message: "broken WebSocket framing (\(error))"), close: 1002, context: context)
        } else if !isClosing {
            log.warning("cluster link closed on error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    var clusterID: String? {
        if case .open(let s) = phase { s.clusterID } else { nil }
    }

    // MARK: - Messages

    func received(_ text: String, context: ChannelHandlerContext) {
        switch phase {
        case .awaitingHello(let nonce):
            helloDeadline?.cancel()
            switch Self.parseHello(text) {
            case .success(let hello):
                phase = .authenticating
                authenticate(hello, nonce: nonce, context: context)
            case .failure(let refusal):
                refuse(refusal, close: 4400, context: context)
            }
        case .authenticating:
            refuse(ErrorMessage(code: "malformed", message: "wait for welcome before sending more"), close: 4400, context: context)
        case .open(let session):
            receivedOnOpenLink(text, session: session, context: context)
        case .upgrading:
            refuse(ErrorMessage(code: "malformed", message: "wait for the challenge before sending"), close: 4400, context: context)
        case .closing:
            break
        }
    }

    func receivedOnOpenLink(_ text: String, session: LinkRegistry.Session, context: ChannelHandlerContext) {
        let decoded: ClusterMessage
        do { decoded = try LinkCodec.decodeClusterMessage(text) } catch {
            return refuse(error, close: 4400, context: context)
        }
        switch decoded {
        case .heartbeat(let h):
            registry.heartbeat(session.clusterID, h.sample(receivedAt: environment.now()))
        case .receipt(let r):
            receipts.append(.store(r))
            storeNextReceipt(session: session, context: context)
        case .unanswerableReceipt(let error):
            log.warning("receipt without a usable id", metadata: ["detail": "\(error.message)"])
            registry.noteRejectedReceipt()
            send(error, context: context)
        case .rejectedReceipt(let id, let reason):
            receipts.append(.reject(receiptID: id, reason: reason))
            storeNextReceipt(session: session, context: context)
        case .hello:
            refuse(ErrorMessage(code: "malformed", message: "hello: sent twice on one link"), close: 4400, context: context)
        case .mediaReport(let m):
            // Logged only: the cluster's next heartbeat shows what it holds, and health
            // turns degraded if an airing of the next hour lacks its media.
            log.warning("cluster reports a media problem", metadata: ["sha256": "\(m.sha256)", "state": "\(m.state)", "reason": "\(m.reason ?? "")"])
        case .commandResult(let r):
            log.info("command result", metadata: ["command_id": "\(r.commandID)", "ok": "\(r.ok)", "error": "\(r.error ?? "")"])
            registry.resolveCommand(r.commandID, from: session.clusterID, .answered(r))
        case .unknown(let type):
            // Once per link and type: a newer cluster's additions should not flood the log.
            if unknownTypesLogged.count < 16, unknownTypesLogged.insert(type).inserted {
                log.notice("ignoring unknown message type", metadata: ["type": "\(type)"])
            }
        }
    }

    static func parseHello(_ text: String) -> Result<HelloMessage, ErrorMessage> {
        do {
            switch try LinkCodec.decodeClusterMessage(text) {
            case .hello(let h): return .success(h)
            default: return .failure(ErrorMessage(code: "malformed", message: "expected hello as the first message"))
            }
        } catch {
            return .failure(error)
        }
    }

    /// Checks the signature against the cluster's stored public key, then opens the link.
    func authenticate(_ hello: HelloMessage, nonce: String, context: ChannelHandlerContext) {
        let id = hello.clusterID
        let keys = environment.keys
        NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) { try keys.linkKey(for: id) }
            .assumeIsolated().whenComplete { result in
                guard case .authenticating = self.phase else { return }
                switch result {
                case .failure(let error):
                    self.log.error("cannot read cluster key", metadata: ["cluster": "\(id)", "error": "\(error)"])
                    self.refuse(ErrorMessage(code: "unavailable", message: "the station cannot check credentials now"), close: 1011, context: context)
                case .success(nil):
                    self.refuse(
                        ErrorMessage(code: "unknown_cluster", message: "no cluster \(id) at this station"), close: 4404, context: context, cluster: id
                    )
                case .success(let record?) where record.revoked:
                    self.refuse(
                        ErrorMessage(code: "revoked", message: "the credential of \(id) was revoked"), close: 4403, context: context, cluster: id)
                case .success(let record?):
                    guard let key = record.publicKey,
                        LinkAuthentication.verify(signature: hello.signature, publicKey: key, clusterID: id, nonce: nonce)
                    else {
                        return self.refuse(
                            ErrorMessage(code: "bad_signature", message: "the signature does not verify with the key of \(id)"),
                            close: 4401, context: context, cluster: id)
                    }
                    switch LinkProtocolVersion.negotiate(hello.protocol) {
                    case .success(let version): self.open(id, version: version, firmware: hello.firmware, context: context)
                    case .failure(let refusal): self.refuse(refusal, close: 4426, context: context, cluster: id)
                    }
                }
            }
    }

    func open(_ clusterID: String, version: LinkProtocolVersion, firmware: String?, context: ChannelHandlerContext) {
        let token = LinkAuthentication.makeNonce()
        let (session, replaced) = registry.register(
            clusterID: clusterID, token: token, version: version, outlet: LinkOutlet(channel: context.channel), at: environment.now())
        replaced?.outgoing.yield(.close(code: 4409, reason: "replaced", message: "a newer link of \(clusterID) replaced this one"))
        phase = .open(session)
        authenticatedID = clusterID
        log.info("cluster connected", metadata: ["firmware": "\(firmware ?? "")", "protocol": "\(version)"])
        let heartbeat = environment.heartbeatSeconds()
        send(
            WelcomeMessage(session: token, heartbeatSeconds: heartbeat, serverTime: environment.now(), protocol: version.description),
            context: context)
        // A running broadcast first: `live_start` goes out now, while the cancels and
        // the schedule wait for a database read (docs/protocol.md, "Joining").
        environment.live.linkOpened(clusterID, channel: context.channel)
        environment.pushes.request(clusterID)
    }

    /// Stores the oldest waiting receipt and answers it, then the next. Every receipt
    /// gets an answer that lets the cluster drop it, unless it could not be stored now.
    func storeNextReceipt(session: LinkRegistry.Session, context: ChannelHandlerContext) {
        guard !storingReceipt, !receipts.isEmpty else { return }
        let r: ReceiptMessage
        switch receipts.removeFirst() {
        case .reject(let id, let reason):
            reject(id, reason, context: context)
            return storeNextReceipt(session: session, context: context)
        case .store(let receipt):
            r = receipt
        }
        storingReceipt = true
        let clusterID = session.clusterID
        let (sink, now) = (environment.receipts, environment.now)
        let skew = registry.clockSkew(of: clusterID)
        NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) {
            try sink.store(r, from: clusterID, receivedAt: now(), clockSkew: skew)
        }.assumeIsolated().whenComplete { result in
            self.storingReceipt = false
            guard case .open = self.phase else { return }
            switch result {
            case .success(.stored):
                self.send(ReceiptAckMessage(receiptIDs: [r.receiptID]), context: context)
            case .success(.duplicate):
                self.log.debug("receipt already recorded", metadata: ["receipt_id": "\(r.receiptID)"])
                self.send(ReceiptAckMessage(receiptIDs: [r.receiptID]), context: context)
            case .success(.rejected(let why)):
                self.reject(r.receiptID, "receipt: \(why)", context: context)
            case .failure(let error):
                // Not acknowledged: the cluster keeps it and sends it again.
                self.log.error("cannot store receipt", metadata: ["receipt_id": "\(r.receiptID)", "error": "\(error)"])
            }
            self.storeNextReceipt(session: session, context: context)
        }
    }

    /// Tells the cluster to drop a receipt the station will never count, and why.
    func reject(_ receiptID: String, _ reason: String, context: ChannelHandlerContext) {
        log.warning("receipt rejected", metadata: ["receipt_id": "\(receiptID)", "reason": "\(reason)"])
        registry.noteRejectedReceipt()
        send(ReceiptAckMessage.rejecting(receiptID, because: reason), context: context)
    }

    // MARK: - Writing and closing

    func send(_ message: some Encodable, context: ChannelHandlerContext) {
        let text = LinkCodec.encode(message)
        context.writeAndFlush(
            wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: text))),
            promise: nil)
    }

    /// Ends the link for a violation or a refused credential: the error, then the close.
    func refuse(_ error: ErrorMessage, close code: Int, context: ChannelHandlerContext, cluster: String? = nil) {
        guard !isClosing else { return }
        // Before welcome the link is refused; after it, an open link is closed.
        log.warning(
            clusterID == nil ? "cluster link refused" : "cluster link closed",
            metadata: [
                "cluster": "\(cluster ?? clusterID ?? "-")", "reason": "\(error.code)", "detail": "\(error.message)",
            ])
        send(error, context: context)
        close(code: code, reason: error.code, context: context)
    }

    var isClosing: Bool {
        if case .closing = phase { true } else { false }
    }

    /// Sends a close frame and waits briefly for the cluster's before hanging up.
    func close(code: Int, reason: String, context: ChannelHandlerContext) {
        guard !isClosing else { return }
        endSession(context: context)
        phase = .closing
        helloDeadline?.cancel()
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.writeInteger(UInt16(clamping: code))
        data.writeString(String(reason.prefix(120)))
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)), promise: nil)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: Self.closeTimeout) { channel.close(promise: nil) }
    }
}
