import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import TestSupport

/// The provincial system for the tests: a real HTTP server in the test process that
/// stores report events de-duplicated by key, as docs/provincial-api.md asks of a
/// receiver, and misbehaves on request.
final class ProvinceReceiver: Sendable {
    /// How the next request is answered.
    enum Behaviour: Sendable, Equatable {
        /// Store, then 200.
        case accept
        /// 500, nothing stored.
        case fail500
        /// Store, then 200 after this long.
        case slow(Duration)
        /// Store, then close the connection without a reply.
        case dropAfterAccept
        /// Store, then never reply.
        case hold
    }

    struct State {
        /// Behaviours for the next requests, in order; then `accept`.
        var script: [Behaviour] = []
        var requests = 0
        var unauthorized = 0
        /// Keys in the order first stored, with their sequence numbers.
        var stored: [(key: String, seq: Int64, kind: String)] = []
        var seen: Set<String> = []
        /// Events that arrived again after being stored (and were dropped).
        var duplicates = 0
        var malformed = 0
    }

    let state = NIOLockedValueBox(State())
    let token: String
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    private init(token: String, channel: any Channel) {
        self.token = token
        self.channel = channel
    }

    /// Listens on 127.0.0.1:`port` (0: any free port).
    static func start(port: Int = 0, token: String) async throws -> ProvinceReceiver {
        let box = NIOLockedValueBox<ProvinceReceiver?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(receiver: { box.withLockedValue { $0! } }))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        let receiver = ProvinceReceiver(token: token, channel: channel)
        box.withLockedValue { $0 = receiver }
        return receiver
    }

    func stop() async { try? await channel.close() }

    func script(_ behaviours: [Behaviour]) { state.withLockedValue { $0.script = behaviours } }

    var snapshot: State { state.withLockedValue { $0 } }

    /// Waits, with a deadline, until `condition` holds.
    func wait(for what: String, timeout: Duration = .seconds(60), _ condition: (State) -> Bool) async throws {
        do {
            try await waitUntil(what, deadline: timeout) { condition(snapshot) }
        } catch is TimedOut {
            throw ReceiverTimeout(what: what, state: "\(snapshot.requests) requests, \(snapshot.stored.count) stored")
        }
    }

    struct ReceiverTimeout: Error, CustomStringConvertible {
        var what: String
        var state: String
        var description: String { "timed out waiting for \(what) (\(state))" }
    }

    /// Takes one batch: decides the behaviour, stores (unless refused) and says how to answer.
    func take(_ head: HTTPRequestHead, body: ByteBuffer) -> (Behaviour, HTTPResponseStatus) {
        state.withLockedValue { s in
            s.requests += 1
            guard head.headers.first(name: "Authorization") == "Bearer \(token)" else {
                s.unauthorized += 1
                return (.accept, .unauthorized)
            }
            let behaviour = s.script.isEmpty ? .accept : s.script.removeFirst()
            if behaviour == .fail500 { return (behaviour, .internalServerError) }
            guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                let events = json["events"] as? [[String: Any]]
            else {
                s.malformed += 1
                return (.accept, .badRequest)
            }
            for e in events {
                guard let key = e["key"] as? String, let seq = (e["seq"] as? NSNumber)?.int64Value, let kind = e["kind"] as? String else {
                    s.malformed += 1
                    continue
                }
                if s.seen.insert(key).inserted { s.stored.append((key, seq, kind)) } else { s.duplicates += 1 }
            }
            return (behaviour, .ok)
        }
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let receiver: () -> ProvinceReceiver
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(receiver: @escaping () -> ProvinceReceiver) { self.receiver = receiver }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body.clear()
            case .body(var chunk):
                body.writeBuffer(&chunk)
            case .end:
                guard let head else { return }
                let (behaviour, status) = receiver().take(head, body: body)
                switch behaviour {
                case .dropAfterAccept:
                    context.close(promise: nil)
                case .hold:
                    break
                case .slow(let delay):
                    let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                    context.eventLoop.scheduleTask(
                        in: .nanoseconds(Int64(delay.components.seconds) * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)
                    ) {
                        let (handler, context) = loopBound.value
                        handler.respond(status, context: context)
                    }
                case .accept, .fail500:
                    respond(status, context: context)
                }
            }
        }

        func respond(_ status: HTTPResponseStatus, context: ChannelHandlerContext) {
            let text = #"{"status":"\#(status.code)"}"#
            var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(text.utf8.count)")])
            headers.add(name: "Connection", value: "keep-alive")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
