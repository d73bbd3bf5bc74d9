import CommcastCore
import CommcastLink
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket
import Synchronization
import Testing

@testable import CommcastLinkServer

/// Keys and receipts held in memory, so a link handler runs with no database.
final class MemoryLinkStore: ClusterKeySource, ReceiptSink {
    let keys: [String: ClusterKey]
    let stored = Mutex<[(cluster: String, receipt: ReceiptMessage)]>([])
    /// Airing ids that exist; a receipt for any other is unknown.
    let airings: Set<Int64>

    init(keys: [String: ClusterKey], airings: Set<Int64>) {
        self.keys = keys
        self.airings = airings
    }

    func linkKey(for clusterID: String) throws -> ClusterKey? { keys[clusterID] }

    func store(_ receipt: ReceiptMessage, from clusterID: String, receivedAt: Date, clockSkew: TimeInterval?) throws -> ReceiptOutcome {
        guard airings.contains(receipt.airingID) else { return .rejected("airing_id: got \(receipt.airingID), expected an airing") }
        return stored.withLock { list in
            if list.contains(where: { $0.cluster == clusterID && $0.receipt.receiptID == receipt.receiptID }) { return .duplicate }
            list.append((clusterID, receipt))
            return .stored
        }
    }
}

/// One cluster's link handler on NIO's testing channel: the handshake, receipts,
/// and the ways a link is refused, with no socket and no station.
@Suite("Cluster link handler")
struct ClusterLinkHandlerTests {
    let credential = ClusterCredential(newFor: "a-1")
    let registry = LinkRegistry()
    let pushes = SchedulePushQueue()

    func environment(_ store: MemoryLinkStore) -> LinkEnvironment {
        LinkEnvironment(
            keys: store, receipts: store, heartbeatSeconds: { 7 }, registry: registry, pushes: pushes,
            live: LiveBroadcaster(
                settings: .init(jitterMilliseconds: 200, emergencyVolume: nil, bitrate: 24_000, framesPerWrite: 1),
                logger: Logger(label: "test")),
            logger: Logger(label: "test"), now: { Date(timeIntervalSince1970: 1_800_000_000) })
    }

    func store(revoked: Bool = false) -> MemoryLinkStore {
        MemoryLinkStore(keys: ["a-1": ClusterKey(publicKey: credential.publicKey, revoked: revoked)], airings: [41])
    }

    /// A channel with the handler, past the HTTP upgrade.
    func upgradedChannel(_ store: MemoryLinkStore) async throws -> NIOAsyncTestingChannel {
        let environment = environment(store)
        let channel = NIOAsyncTestingChannel()
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(ClusterLinkHandler(environment: environment))
        }.get()
        channel.pipeline.fireUserInboundEventTriggered(
            HTTPServerUpgradeEvents.upgradeComplete(
                toProtocol: "websocket", upgradeRequest: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/v1/link")))
        return channel
    }

    func send(_ message: some Encodable, on channel: NIOAsyncTestingChannel) async throws {
        try await channel.writeInbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: LinkCodec.encode(message))))
    }

    func nextMessage(_ channel: NIOAsyncTestingChannel) async throws -> ServerMessage {
        let frame = try await channel.waitForOutboundWrite(as: WebSocketFrame.self)
        #expect(frame.opcode == .text)
        var data = frame.unmaskedData
        return try LinkCodec.decodeServerMessage(data.readString(length: data.readableBytes) ?? "")
    }

    func nextClose(_ channel: NIOAsyncTestingChannel) async throws -> UInt16? {
        let frame = try await channel.waitForOutboundWrite(as: WebSocketFrame.self)
        guard frame.opcode == .connectionClose else { return nil }
        var data = frame.unmaskedData
        return data.readInteger(as: UInt16.self)
    }

    func challenge(_ channel: NIOAsyncTestingChannel) async throws -> String {
        guard case .challenge(let c) = try await nextMessage(channel) else {
            Issue.record("expected a challenge")
            throw CancellationError()
        }
        return c.nonce
    }

    @Test("a signed hello is welcomed with the heartbeat interval, registered, and its schedule asked for")
    func handshake() async throws {
        let channel = try await upgradedChannel(store())
        let nonce = try await challenge(channel)
        try await send(HelloMessage(clusterID: "a-1", signature: try credential.sign(nonce: nonce), firmware: "test-1"), on: channel)
        guard case .welcome(let welcome) = try await nextMessage(channel) else {
            Issue.record("expected welcome")
            return
        }
        #expect(welcome.heartbeatSeconds == 7)
        #expect(registry.sessions["a-1"]?.token == welcome.session)
        let due = await pushes.next(timeout: .seconds(5))
        #expect(due.ids == ["a-1"])
        _ = try? await channel.finish()
    }

    @Test("a hello signed for another nonce is refused with 4401 and never registered")
    func replayedHello() async throws {
        let channel = try await upgradedChannel(store())
        _ = try await challenge(channel)
        try await send(HelloMessage(clusterID: "a-1", signature: try credential.sign(nonce: "an-old-nonce")), on: channel)
        guard case .error(let error) = try await nextMessage(channel) else {
            Issue.record("expected an error")
            return
        }
        #expect(error.code == "bad_signature")
        #expect(try await nextClose(channel) == 4401)
        #expect(registry.sessions["a-1"] == nil)
        _ = try? await channel.finish()
    }

    @Test("a revoked cluster is refused with 4403")
    func revoked() async throws {
        let channel = try await upgradedChannel(store(revoked: true))
        let nonce = try await challenge(channel)
        try await send(HelloMessage(clusterID: "a-1", signature: try credential.sign(nonce: nonce)), on: channel)
        guard case .error(let error) = try await nextMessage(channel) else {
            Issue.record("expected an error")
            return
        }
        #expect(error.code == "revoked")
        #expect(try await nextClose(channel) == 4403)
        _ = try? await channel.finish()
    }

    @Test("receipts are stored once each and acknowledged in order, a repeat included")
    func receipts() async throws {
        let memory = store()
        let channel = try await upgradedChannel(memory)
        let nonce = try await challenge(channel)
        try await send(HelloMessage(clusterID: "a-1", signature: try credential.sign(nonce: nonce)), on: channel)
        _ = try await nextMessage(channel)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        try await send(ReceiptMessage(receiptID: "r1", airingID: 41, kind: .started, at: at), on: channel)
        try await send(ReceiptMessage(receiptID: "r2", airingID: 41, kind: .completed, at: at.addingTimeInterval(30)), on: channel)
        try await send(ReceiptMessage(receiptID: "r1", airingID: 41, kind: .started, at: at), on: channel)
        var acked: [String] = []
        for _ in 0..<3 {
            guard case .receiptAck(let ack) = try await nextMessage(channel) else {
                Issue.record("expected an ack")
                return
            }
            acked += ack.receiptIDs
        }
        #expect(acked == ["r1", "r2", "r1"])
        let stored = memory.stored.withLock { $0 }
        #expect(stored.map(\.receipt.receiptID) == ["r1", "r2"])
        #expect(stored.allSatisfy { $0.cluster == "a-1" })
        #expect(stored.map(\.receipt.kind) == [.started, .completed])
        _ = try? await channel.finish()
    }

    /// Opens a link with a hello offering `version` (nil: a 1.0 hello, no field); returns the welcome.
    func open(_ channel: NIOAsyncTestingChannel, version: String? = "1.1") async throws -> WelcomeMessage? {
        let nonce = try await challenge(channel)
        try await send(HelloMessage(clusterID: "a-1", signature: try credential.sign(nonce: nonce), protocol: version), on: channel)
        guard case .welcome(let w) = try await nextMessage(channel) else { return nil }
        return w
    }

    @Test("a receipt the station cannot count is answered with a rejection that names why, and the link stays up")
    func rejectedReceipts() async throws {
        let memory = store()
        let channel = try await upgradedChannel(memory)
        _ = try await open(channel)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        try await send(ReceiptMessage(receiptID: "unknown", airingID: 99, kind: .started, at: at), on: channel)
        try await channel.writeInbound(
            WebSocketFrame(
                fin: true, opcode: .text,
                data: ByteBuffer(string: #"{"type":"receipt","receipt_id":"bad","airing_id":41,"kind":"exploded","at":"2027-01-15T08:00:00Z"}"#)))
        try await send(ReceiptMessage(receiptID: "good", airingID: 41, kind: .started, at: at), on: channel)
        var answers: [ReceiptAckMessage] = []
        for _ in 0..<3 {
            guard case .receiptAck(let ack) = try await nextMessage(channel) else {
                Issue.record("expected an ack")
                return
            }
            answers.append(ack)
        }
        #expect(answers.map(\.receiptIDs) == [["unknown"], ["bad"], ["good"]], "every receipt may be dropped, in the order sent")
        #expect(answers[0].rejected?.first?.reason.contains("airing_id: got 99") == true)
        #expect(answers[1].rejected?.first?.reason.contains("kind") == true)
        #expect(answers[2].rejected == nil)
        #expect(registry.receiptsRejected == 2)
        #expect(registry.sessions["a-1"] != nil, "the link stays up")
        _ = try? await channel.finish()
    }

    @Test("the hello names the version; 1.0 without the field, a newer minor at 1.1, another major refused with 4426")
    func versions() async throws {
        for (offered, served) in [(nil, "1.0"), ("1.1", "1.1"), ("1.4", "1.1")] as [(String?, String)] {
            let channel = try await upgradedChannel(store())
            #expect(try await open(channel, version: offered)?.protocol == served)
            #expect(registry.sessions["a-1"]?.version.description == served)
            _ = try? await channel.finish()
        }
        let channel = try await upgradedChannel(store())
        let nonce = try await challenge(channel)
        try await send(HelloMessage(clusterID: "a-1", signature: try credential.sign(nonce: nonce), protocol: "2.0"), on: channel)
        guard case .error(let e) = try await nextMessage(channel) else {
            Issue.record("expected an error")
            return
        }
        #expect(e.code == "unsupported_protocol" && e.message.contains("expected 1.0 or 1.1"))
        #expect(try await nextClose(channel) == 4426)
        _ = try? await channel.finish()
    }

    @Test(
        "every close the station starts comes after an error saying why, with the cause's own code",
        arguments: [
            ("rotated", "credential_changed", UInt16(4410)), ("revoked", "revoked", 4403), ("too big", "too_big", 1009),
            ("broken framing", "malformed", 1002),
        ])
    func errorBeforeClose(_ cause: String, _ code: String, _ closeCode: UInt16) async throws {
        let channel = try await upgradedChannel(store())
        _ = try await open(channel)
        switch cause {
        case "rotated": registry.credentialRotated("a-1")
        case "revoked": registry.credentialRevoked("a-1")
        case "too big": channel.pipeline.fireErrorCaught(NIOWebSocketError.invalidFrameLength)
        default: channel.pipeline.fireErrorCaught(NIOWebSocketError.fragmentedControlFrame)
        }
        guard case .error(let e) = try await nextMessage(channel) else {
            Issue.record("expected an error before the close")
            return
        }
        #expect(e.code == code)
        #expect(try await nextClose(channel) == closeCode)
        _ = try? await channel.finish()
    }

    @Test("a binary frame from a cluster closes its link with 4400")
    func binaryFromCluster() async throws {
        let channel = try await upgradedChannel(store())
        let nonce = try await challenge(channel)
        try await send(HelloMessage(clusterID: "a-1", signature: try credential.sign(nonce: nonce)), on: channel)
        _ = try await nextMessage(channel)
        try await channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: [1, 2, 3])))
        guard case .error(let error) = try await nextMessage(channel) else {
            Issue.record("expected an error")
            return
        }
        #expect(error.code == "malformed")
        #expect(try await nextClose(channel) == 4400)
        #expect(registry.sessions["a-1"] == nil)
        _ = try? await channel.finish()
    }
}

/// The live packet frame the broadcaster builds once for every link, read back
/// by NIO's own WebSocket decoder: short, 16-bit and 64-bit lengths.
@Suite("Live frames")
struct LiveFrameEncodingTests {
    @Test("every payload length decodes to the same bytes", arguments: [0, 125, 126, 300, 65_535, 65_536, 70_000])
    func lengths(_ size: Int) throws {
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
        try channel.writeInbound(LiveBroadcaster.webSocketFrame(payload))
        let frame = try #require(try channel.readInbound(as: WebSocketFrame.self))
        #expect(frame.fin && frame.opcode == .binary && frame.maskKey == nil)
        #expect(Array(frame.data.readableBytesView) == payload)
        #expect(try channel.finish().isClean)
    }
}
