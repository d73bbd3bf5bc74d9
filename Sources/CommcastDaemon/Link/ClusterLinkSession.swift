import CommcastCore
import CommcastLink
import CommcastStore
import Foundation
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import Synchronization

/// One cluster's WebSocket from challenge to close (docs/protocol.md). Anything
/// malformed or hostile ends this link only, with the reason logged and sent.
struct ClusterLinkSession {
    let runtime: DaemonRuntime
    let registry: LinkRegistry
    let schedules: LinkScheduleSender
    let peer: String
    let logger: Logger
    let now: @Sendable () -> Date

    static let helloTimeout: Duration = .seconds(10)

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        let nonce = LinkAuthentication.makeNonce()
        do {
            try await outbound.write(.text(LinkCodec.encode(ChallengeMessage(nonce: nonce, serverTime: now()))))
        } catch {
            return
        }
        let answered = Flag()
        let timeout = Task { [logger, peer] in
            try await Task.sleep(for: Self.helloTimeout)
            guard !answered.isSet else { return }
            logger.warning("cluster link refused", metadata: ["peer": "\(peer)", "reason": "hello_timeout"])
            await Self.refuse(outbound, ErrorMessage(code: "hello_timeout", message: "no hello within 10 s"), close: 4408)
        }
        defer { timeout.cancel() }

        var messages = inbound.messages(maxSize: LinkCodec.maxTextBytes).makeAsyncIterator()
        let first: WebSocketMessage?
        do { first = try await messages.next() } catch {
            logger.info("cluster link ended before hello", metadata: ["peer": "\(peer)", "error": "\(error)"])
            return
        }
        answered.set()
        guard let first else { return }
        let hello: HelloMessage
        switch Self.parseHello(first) {
        case .success(let h): hello = h
        case .failure(let refusal):
            await refuse(outbound, refusal, close: 4400, clusterID: nil)
            return
        }
        guard let clusterID = await authenticate(hello, nonce: nonce, outbound: outbound) else { return }

        let token = LinkAuthentication.makeNonce()
        let (session, stream, replaced) = registry.register(clusterID: clusterID, token: token, at: now())
        replaced?.outgoing.yield(.close(code: 4409, reason: "replaced by a newer link"))
        var log = logger
        log[metadataKey: "cluster"] = "\(clusterID)"
        log.info("cluster connected", metadata: ["peer": "\(peer)", "firmware": "\(hello.firmware ?? "")"])

        // Everything the station writes to this cluster goes through one queue, so
        // pushes from elsewhere (schedules, commands, a revocation) never interleave.
        let writer = Task {
            for await item in stream {
                switch item {
                case .text(let text):
                    do { try await outbound.write(.text(text)) } catch { return }
                case .close(let code, let reason):
                    try? await outbound.close(.init(codeNumber: code), reason: reason)
                    return
                }
            }
        }

        let heartbeat = runtime.configuration.link.heartbeatSeconds
        session.outgoing.yield(.text(LinkCodec.encode(WelcomeMessage(session: token, heartbeatSeconds: heartbeat, serverTime: now()))))
        await schedules.push(to: [clusterID])
        await readLoop(&messages, clusterID: clusterID, session: session, log: log)

        // Finishing the queue lets the writer send what is left (an error and its close)
        // before it ends; a peer that stopped reading gets five seconds.
        registry.unregister(session, at: now())
        let drained = Task { await writer.value }
        let deadline = Task { try await Task.sleep(for: .seconds(5)); writer.cancel() }
        await drained.value
        deadline.cancel()
        log.info("cluster disconnected", metadata: ["peer": "\(peer)"])
    }

    func readLoop(_ messages: inout WebSocketInboundMessageStream.AsyncIterator, clusterID: String, session: LinkRegistry.Session,
                  log: Logger) async {
        do {
            while let message = try await messages.next() {
                guard case .text(let text) = message else {
                    refuse(session, ErrorMessage(code: "malformed", message: "binary frames go only from the station to clusters"), log)
                    return
                }
                let decoded: ClusterMessage
                do { decoded = try LinkCodec.decodeClusterMessage(text) } catch {
                    refuse(session, error, log)
                    return
                }
                switch decoded {
                case .heartbeat(let h):
                    registry.heartbeat(clusterID, h.sample(receivedAt: now()))
                case .receipt(let r):
                    guard await record(r, clusterID: clusterID, session: session, log: log) else { return }
                case .hello:
                    refuse(session, ErrorMessage(code: "malformed", message: "hello: sent twice on one link"), log)
                    return
                case .mediaReport(let m):
                    log.warning("cluster reports a media problem", metadata: ["sha256": "\(m.sha256)", "state": "\(m.state)", "reason": "\(m.reason ?? "")"])
                case .commandResult(let r):
                    log.info("command result", metadata: ["command_id": "\(r.commandID)", "ok": "\(r.ok)", "error": "\(r.error ?? "")"])
                    registry.resolveCommand(r.commandID, from: clusterID, .answered(r))
                case .unknown(let type):
                    log.debug("ignoring unknown message type", metadata: ["type": "\(type)"])
                }
            }
        } catch {
            // Oversized frames, protocol errors from the WebSocket layer, a reset connection.
            log.warning("cluster link closed on error", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }

    static func parseHello(_ message: WebSocketMessage) -> Result<HelloMessage, ErrorMessage> {
        guard case .text(let text) = message else { return .failure(ErrorMessage(code: "malformed", message: "expected a hello text message")) }
        do {
            switch try LinkCodec.decodeClusterMessage(text) {
            case .hello(let h): return .success(h)
            default: return .failure(ErrorMessage(code: "malformed", message: "expected hello as the first message"))
            }
        } catch {
            return .failure(error)
        }
    }

    /// Checks the signature against the cluster's stored public key; refuses and returns nil otherwise.
    func authenticate(_ hello: HelloMessage, nonce: String, outbound: WebSocketOutboundWriter) async -> String? {
        let id = hello.clusterID
        let record: ClusterKeyRecord?
        do { record = try await offload { [runtime] in try runtime.database.clusterKey(id: id) } } catch {
            logger.error("cannot read cluster key", metadata: ["cluster": "\(id)", "error": "\(error)"])
            await Self.refuse(outbound, ErrorMessage(code: "unavailable", message: "the station cannot check credentials now"), close: 1011)
            return nil
        }
        guard let record else {
            await refuse(outbound, ErrorMessage(code: "unknown_cluster", message: "no cluster \(id) at this station"), close: 4401, clusterID: id)
            return nil
        }
        if record.revokedAt != nil {
            await refuse(outbound, ErrorMessage(code: "revoked", message: "the credential of \(id) was revoked"), close: 4403, clusterID: id)
            return nil
        }
        guard let key = record.publicKey, LinkAuthentication.verify(signature: hello.signature, publicKey: key, clusterID: id, nonce: nonce) else {
            await refuse(outbound, ErrorMessage(code: "bad_signature", message: "the signature does not verify with the key of \(id)"),
                         close: 4401, clusterID: id)
            return nil
        }
        return id
    }

    /// Stores a receipt and acknowledges it. Returns false when the link must close.
    func record(_ r: ReceiptMessage, clusterID: String, session: LinkRegistry.Session, log: Logger) async -> Bool {
        // Receipt ids are the cluster's own; prefixing the cluster keeps two clusters' ids apart.
        let receipt = AiringReceipt(receiptID: "\(clusterID):\(r.receiptID)", airingID: r.airingID,
                                    kind: AiringReceipt.Kind(rawValue: r.kind.rawValue)!, at: r.at, reason: r.reason)
        do {
            let new = try await offload { [runtime, now] in try runtime.database.recordReceipt(receipt, receivedAt: now(), clusterID: clusterID) }
            if !new { log.debug("receipt already recorded", metadata: ["receipt_id": "\(r.receiptID)"]) }
        } catch let e as StoreError where e.kind == .notFound {
            // An airing withdrawn after the cluster played it: nothing to count, but stop the resends.
            log.warning("receipt for an unknown airing", metadata: ["receipt_id": "\(r.receiptID)", "airing_id": "\(r.airingID)"])
        } catch let e as StoreError where e.kind == .forbidden {
            refuse(session, ErrorMessage(code: "malformed", message: "receipt: airing_id: \(e.message)"), log)
            return false
        } catch {
            // Not acknowledged: the cluster keeps it and sends it again.
            log.error("cannot store receipt", metadata: ["receipt_id": "\(r.receiptID)", "error": "\(error)"])
            return true
        }
        session.outgoing.yield(.text(LinkCodec.encode(ReceiptAckMessage(receiptIDs: [r.receiptID]))))
        return true
    }

    func refuse(_ outbound: WebSocketOutboundWriter, _ error: ErrorMessage, close code: Int, clusterID: String?) async {
        logger.warning("cluster link refused", metadata: [
            "peer": "\(peer)", "cluster": "\(clusterID ?? "-")", "reason": "\(error.code)", "detail": "\(error.message)",
        ])
        await Self.refuse(outbound, error, close: code)
    }

    static func refuse(_ outbound: WebSocketOutboundWriter, _ error: ErrorMessage, close code: Int) async {
        try? await outbound.write(.text(LinkCodec.encode(error)))
        try? await outbound.close(.init(codeNumber: code), reason: error.code)
    }

    /// Ends an authenticated link for a protocol violation: the error, then the close.
    func refuse(_ session: LinkRegistry.Session, _ error: ErrorMessage, _ log: Logger) {
        log.warning("cluster link closed", metadata: ["peer": "\(peer)", "reason": "\(error.code)", "detail": "\(error.message)"])
        session.outgoing.yield(.text(LinkCodec.encode(error)))
        session.outgoing.yield(.close(code: 4400, reason: error.code))
    }
}

/// A one-way latch shared by two tasks.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
