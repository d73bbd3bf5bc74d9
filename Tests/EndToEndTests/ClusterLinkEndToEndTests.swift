import AsyncHTTPClient
import CommcastLink
import CommcastStore
import Crypto
import Foundation
import HummingbirdWSClient
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOWebSocket
import TestSupport
import Testing

/// The cluster side of docs/protocol.md, spoken by the test itself over a real
/// WebSocket to the real daemon.
@Suite("Cluster link end to end", .serialized)
struct ClusterLinkEndToEndTests {
    /// One WebSocket conversation, as a cluster has it.
    struct Conversation {
        var messages: WebSocketInboundMessageStream.AsyncIterator
        let outbound: WebSocketOutboundWriter

        mutating func next() async throws -> ServerMessage {
            guard let m = try await messages.next() else { throw ExternalTools.Failure("the station closed the link") }
            guard case .text(let text) = m else { throw ExternalTools.Failure("unexpected binary frame") }
            return try LinkCodec.decodeServerMessage(text)
        }

        /// The next message of the given kind, skipping others (e.g. a schedule re-sent as time passes).
        mutating func next<T>(_ pick: (ServerMessage) -> T?) async throws -> T {
            while true { if let t = pick(try await next()) { return t } }
        }

        func send(_ message: some Encodable) async throws { try await outbound.write(.text(LinkCodec.encode(message))) }

        /// challenge → hello → welcome.
        mutating func authenticate(_ credential: ClusterCredential) async throws -> WelcomeMessage {
            guard case .challenge(let challenge) = try await next() else { throw ExternalTools.Failure("no challenge first") }
            try await send(
                HelloMessage(
                    clusterID: credential.clusterID, signature: try credential.sign(nonce: challenge.nonce),
                    firmware: "e2e 1", clusterTime: Date(), volume: 70, cached: [], pendingReceipts: 0, protocol: "1.1"))
            return try await next { if case .welcome(let w) = $0 { w } else { nil } }
        }
    }

    /// Opens a link and runs `body` on it; returns the close code the station sent.
    @discardableResult
    static func link(_ address: String, _ body: @escaping @Sendable (inout Conversation) async throws -> Void) async throws -> UInt16? {
        let close = try await WebSocketClient.connect(
            url: "ws://\(address)/v1/link", configuration: .init(maxFrameSize: 1 << 20),
            logger: Logger(label: "e2e-cluster")
        ) { inbound, outbound, _ in
            var conversation = Conversation(messages: inbound.messages(maxSize: 1 << 20).makeAsyncIterator(), outbound: outbound)
            try await body(&conversation)
        }
        return close.map { UInt16(webSocketErrorCode: $0.closeCode) }
    }

    static func linkAddress(_ station: SchedulingEndToEndTests.Station) throws -> String {
        let status = try station.json(["status"]) as? [String: Any]
        return try #require(status?["link_address"] as? String)
    }

    static func credential(from output: String) throws -> ClusterCredential {
        try ClusterCredential(parsing: String(try #require(output.split(separator: "\n").first { $0.hasPrefix("ccl1:") })))
    }

    @Test(.timeLimit(.minutes(2)))
    func deliveryReceiptsAndPushedChanges() async throws {
        // Debug: the log then shows each schedule sent, should a step ever stall.
        let station = try SchedulingEndToEndTests.Station(logLevel: "debug")
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        let a1 = try Self.credential(from: try station.commcast(["cluster", "add", "a1", "--name", "A1", "--zone", "tinh/xa-a"]).stdoutText)
        let wav = try SchedulingEndToEndTests.speechWAV(station.dir, seconds: 3)
        let at = Date().addingTimeInterval(15 * 60)
        let when = SchedulingEndToEndTests.stationTime(at, seconds: false)
        let added =
            try station.json(["bulletin", "add", "--title", "Tin sáng", "--file", wav.path, "--zone", "tinh/xa-a", "--at", when])
            as? [String: Any]
        let bulletinID = try #require(added?["id"] as? Int)
        // A second bulletin, five minutes later: the one cancelled below. (Cancelling the
        // first would prove nothing: once its receipts complete it, it leaves the
        // schedule anyway, and the next replan may already have sent that.)
        let laterWhen = SchedulingEndToEndTests.stationTime(at.addingTimeInterval(5 * 60), seconds: false)
        let second =
            try station.json(["bulletin", "add", "--title", "Tin chiều", "--file", wav.path, "--zone", "tinh/xa-a", "--at", laterWhen])
            as? [String: Any]
        let secondID = try #require(second?["id"] as? Int)
        let address = try Self.linkAddress(station)
        let db = try CommcastDatabase(path: station.dir.file("state/commcast.sqlite").path, logger: Logger(label: "test"))

        // The step under way, named in the failure if the link ends early.
        let stage = NIOLockedValueBox("connecting")
        let close: UInt16?
        do {
            close = try await Self.link(address) { conversation in
                let welcome = try await conversation.authenticate(a1)
                stage.withLockedValue { $0 = "waiting for a schedule with the airing" }
                #expect(welcome.heartbeatSeconds == 30)
                // The schedule carries the airing with absolute times and the media it needs.
                var schedule = try await conversation.next { if case .schedule(let s) = $0, s.airings.count == 2 { s } else { nil } }
                let airing = try #require(schedule.airings.first { $0.bulletinID == Int64(bulletinID) })
                #expect(airing.title == "Tin sáng" && schedule.airings.contains { $0.bulletinID == Int64(secondID) })
                #expect(abs(airing.end.timeIntervalSince(airing.start) - 3) < 0.1)

                // Media over HTTP with the session token, resumable with Range, verified by sha256.
                stage.withLockedValue { $0 = "downloading the media" }
                let http = HTTPClient.shared
                let url = "http://\(address)\(welcome.mediaPath)\(airing.media.sha256).opus"
                func get(_ range: String?, token: String? = welcome.session) async throws -> (UInt, Data, HTTPHeaders) {
                    var request = HTTPClientRequest(url: url)
                    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
                    if let range { request.headers.add(name: "Range", value: range) }
                    let response = try await http.execute(request, timeout: .seconds(30))
                    let body = try await response.body.collect(upTo: 16 << 20)
                    return (response.status.code, Data(body.readableBytesView), response.headers)
                }
                let head = try await get("bytes=0-999")
                #expect(head.0 == 206 && head.1.count == 1000)
                #expect(head.2.first(name: "Content-Range") == "bytes 0-999/\(airing.media.size)")
                let rest = try await get("bytes=1000-")
                #expect(rest.0 == 206)
                let file = head.1 + rest.1
                #expect(file.count == airing.media.size)
                #expect(SHA256.hash(data: file).map { String(format: "%02x", $0) }.joined() == airing.media.sha256)
                #expect(try await get(nil, token: nil).0 == 401)
                #expect(try await get(nil, token: "forged").0 == 401)
                #expect(try await get("bytes=\(airing.media.size)-").0 == 416)

                // Receipts, each sent twice (a retry after a lost ack): acknowledged, counted once.
                stage.withLockedValue { $0 = "sending receipts" }
                for (id, kind) in [("r-start", ReceiptMessage.Kind.started), ("r-end", .completed)] {
                    for _ in 0..<2 {
                        try await conversation.send(
                            ReceiptMessage(
                                receiptID: id, airingID: airing.airingID, kind: kind,
                                at: airing.start.addingTimeInterval(kind == .started ? 0 : 3)))
                        let ack = try await conversation.next { if case .receiptAck(let a) = $0 { a } else { nil } }
                        #expect(ack.receiptIDs == [id])
                    }
                }
                let stored = try #require(try db.airings(from: airing.start, to: airing.end).first)
                #expect(stored.outcome == "completed" && stored.startedAt == airing.start)

                // A heartbeat is taken in; a cancel reaches the cluster at once as a new schedule.
                stage.withLockedValue { $0 = "cancelling" }
                try await conversation.send(
                    HeartbeatMessage(
                        seq: 1, clusterTime: Date(), state: .idle, volume: 70, signalDBm: -90,
                        uptimeSeconds: 5, firmware: "e2e 1", cached: [airing.media.sha256]))
                #expect(try station.commcast(["bulletin", "cancel", "\(secondID)", "--yes"]).status == 0)
                // 1.1: the cancel names the airing, before the schedule that no longer holds it.
                let secondAiring = try #require(schedule.airings.first { $0.bulletinID == Int64(secondID) })
                let cancel = try await conversation.next { if case .cancel(let c) = $0 { c } else { nil } }
                #expect(cancel.airingIDs == [secondAiring.airingID] && cancel.reason == "cancelled")
                schedule = try await conversation.next {
                    if case .schedule(let s) = $0, !s.airings.contains(where: { $0.bulletinID == Int64(secondID) }) { s } else { nil }
                }
                #expect(schedule.airings.isEmpty, "the cancelled airing is withdrawn, and the completed one has left the schedule")
                try await conversation.outbound.close(.normalClosure, reason: nil)
            }
        } catch {
            Issue.record("\(error) while \(stage.withLockedValue { $0 }); the daemon's log ends:\n\(station.daemon.log.suffix(6000))")
            return
        }
        #expect(close == 1000 || close == nil)
    }

    @Test(.timeLimit(.minutes(2)))
    func hostileClustersLoseOnlyTheirOwnLink() async throws {
        let station = try SchedulingEndToEndTests.Station()
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        let credentials = try ["a1", "a2", "a3"].map {
            try Self.credential(from: try station.commcast(["cluster", "add", $0, "--name", $0, "--zone", "tinh/xa-a"]).stdoutText)
        }
        #expect(try station.commcast(["cluster", "revoke", "a3"]).status == 0)
        let address = try Self.linkAddress(station)
        let good = credentials[0]

        // A well-behaved cluster stays connected through everything below.
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let (done, doneContinuation) = AsyncStream<Void>.makeStream()
        let honest = Task {
            try await Self.link(address) { conversation in
                _ = try await conversation.authenticate(good)
                readyContinuation.yield()
                for await _ in done { break }
                // Still served: a receipt for an airing the station never sent is answered
                // with a rejection the cluster can drop it by, and the link stays up.
                try await conversation.send(ReceiptMessage(receiptID: "x", airingID: 999_999, kind: .started, at: Date()))
                let ack = try await conversation.next { if case .receiptAck(let a) = $0 { a } else { nil } }
                #expect(ack.receiptIDs == ["x"])
                #expect(ack.rejected?.first?.reason.contains("expected an airing this station sent to a1") == true, "\(ack)")
                try await conversation.outbound.close(.normalClosure, reason: nil)
            }
        }
        for await _ in ready { break }

        // A client that connects and never says hello is closed after 10 s (4407);
        // it waits alongside the cases below.
        let silent = Task {
            try await Self.link(address) { c in while (try? await c.next()) != nil {} }
        }
        // A connected cluster whose key is rotated loses its link at once (4410) and
        // cannot come back with the old key.
        let (rotatedIn, rotatedInContinuation) = AsyncStream<Void>.makeStream()
        let rotated = Task {
            try await Self.link(address) { c in
                _ = try await c.authenticate(credentials[1])
                rotatedInContinuation.yield()
                while (try? await c.next()) != nil {}
            }
        }
        for await _ in rotatedIn { break }
        let rotation = try station.commcast(["cluster", "rotate-key", "a2"])
        #expect(rotation.status == 0)
        #expect(try await rotated.value == 4410)
        let newA2 = try Self.credential(from: rotation.stdoutText)

        func expectRefusal(_ code: String, close: UInt16, _ body: @escaping @Sendable (inout Conversation) async throws -> Void) async throws {
            let seen = Box()
            let closed = try await Self.link(address) { conversation in
                try await body(&conversation)
                while let message = try? await conversation.next() {
                    if case .error(let e) = message { seen.set(e.code) }
                }
            }
            #expect(seen.value == code, "expected \(code), saw \(seen.value ?? "nothing")")
            #expect(closed == close, "\(code): close code \(String(describing: closed))")
        }
        // Wrong key (another cluster's), revoked, unknown, replayed hello, garbage, oversized, binary, hello twice.
        try await expectRefusal("bad_signature", close: 4401) { c in
            guard case .challenge(let ch) = try await c.next() else { return }
            try await c.send(HelloMessage(clusterID: "a1", signature: try credentials[1].sign(nonce: ch.nonce)))
        }
        try await expectRefusal("revoked", close: 4403) { c in
            guard case .challenge(let ch) = try await c.next() else { return }
            try await c.send(HelloMessage(clusterID: "a3", signature: try credentials[2].sign(nonce: ch.nonce)))
        }
        try await expectRefusal("unknown_cluster", close: 4404) { c in
            guard case .challenge(let ch) = try await c.next() else { return }
            try await c.send(HelloMessage(clusterID: "zz", signature: try good.sign(nonce: ch.nonce)))
        }
        try await expectRefusal("bad_signature", close: 4401) { c in
            // A hello recorded on another connection, replayed: signed over the old nonce.
            _ = try await c.next()
            try await c.send(HelloMessage(clusterID: "a1", signature: try good.sign(nonce: LinkAuthentication.makeNonce())))
        }
        try await expectRefusal("malformed", close: 4400) { c in
            _ = try await c.next()
            try await c.outbound.write(.text("{\"type\": \"hello\", \"cluster_id\": 42"))
        }
        try await expectRefusal("malformed", close: 4400) { c in
            _ = try await c.authenticate(newA2)
            try await c.send(HeartbeatMessage(seq: 1, clusterTime: Date(), state: .idle, volume: 400, uptimeSeconds: 1, firmware: "x", cached: []))
        }
        try await expectRefusal("malformed", close: 4400) { c in
            _ = try await c.authenticate(newA2)
            try await c.outbound.write(.binary(ByteBuffer(bytes: [1, 2, 3])))
        }
        try await expectRefusal("malformed", close: 4400) { c in
            _ = try await c.authenticate(newA2)
            try await c.send(HelloMessage(clusterID: "a2", signature: "again"))
        }
        // An oversized frame: `too_big`, then 1009.
        try await expectRefusal("too_big", close: 1009) { c in
            _ = try await c.authenticate(newA2)
            try await c.outbound.write(.text(String(repeating: "x", count: 100_000)))
        }
        try await expectRefusal("bad_signature", close: 4401) { c in
            guard case .challenge(let ch) = try await c.next() else { return }
            try await c.send(HelloMessage(clusterID: "a2", signature: try credentials[1].sign(nonce: ch.nonce)))
        }
        #expect(try await silent.value == 4407)

        // Through all of it the honest cluster stayed connected and is still served.
        let status = try station.json(["status"]) as? [String: Any]
        #expect(status?["clusters_connected"] as? Int == 1)
        doneContinuation.yield()
        _ = try await honest.value
        let log = station.daemon.log
        for reason in ["bad_signature", "revoked", "unknown_cluster", "malformed", "too_big"] {
            #expect(log.contains("reason=\(reason)"), "\(reason) is logged")
        }
    }

    /// A value set from inside a link's handler.
    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: String?
        func set(_ v: String) { lock.withLock { stored = stored ?? v } }
        var value: String? { lock.withLock { stored } }
    }
}

extension ClusterLinkEndToEndTests {
    /// An HTTP connection on the link port that asks for nothing is closed after the
    /// idle timeout (15 s, docs/protocol.md), so finished downloads do not pile up.
    @Test(.timeLimit(.minutes(1)))
    func idleHTTPConnectionsAreClosed() async throws {
        let station = try SchedulingEndToEndTests.Station()
        defer { station.stop() }
        let address = try Self.linkAddress(station)
        let (host, port) = (address.split(separator: ":")[0], address.split(separator: ":")[1])
        // Prints how long the station kept a silent connection open.
        let probe = try await ExternalTools.runDetached(
            "python3",
            [
                "-c",
                """
                import socket, time
                s = socket.create_connection(("\(host)", \(port)))
                s.settimeout(40)
                t = time.time()
                assert s.recv(1) == b""
                print(round(time.time() - t, 1))
                """,
            ], timeout: .seconds(45))
        #expect(probe.status == 0, "\(probe.stderr)")
        let seconds = try #require(Double(probe.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(seconds >= 14 && seconds < 20, "closed after \(seconds) s")
    }
}
