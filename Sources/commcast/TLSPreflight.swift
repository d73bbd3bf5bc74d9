import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// Opens one TLS connection to a remote station before the first request, so that an
/// untrusted certificate or a wrong name fails at once with what to do, instead of
/// the HTTP client retrying the connection until its deadline.
enum TLSPreflight {
    /// Completes when the handshake does, or fails with its error.
    final class HandshakeWaiter: ChannelInboundHandler, Sendable {
        typealias InboundIn = Any
        let done: EventLoopPromise<Void>

        init(done: EventLoopPromise<Void>) { self.done = done }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .handshakeCompleted = event as? TLSUserEvent { done.succeed() }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            done.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            done.fail(ChannelError.ioOnClosedChannel)
            context.fireChannelInactive()
        }
    }

    /// Throws the handshake's error, or a connection's, within `timeout`.
    static func check(host: String, port: Int, configuration: TLSConfiguration, timeout: TimeAmount = .seconds(10)) async throws {
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup.singleton
        let done = group.next().makePromise(of: Void.self)
        let serverName = host.first?.isNumber == true || host.contains(":") ? nil : host
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: serverName))
                    try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(done: done))
                }
            }
            .connect(host: host, port: port).get()
        let deadline = group.next().scheduleTask(in: timeout) { done.fail(ChannelError.connectTimeout(timeout)) }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        try await done.futureResult.get()
    }
}
