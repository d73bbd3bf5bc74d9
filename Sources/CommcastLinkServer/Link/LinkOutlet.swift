import CommcastLink
import NIOCore
import NIOWebSocket

/// Where the station's messages to one connected cluster go: straight onto its
/// channel, in the order they are given, from any thread. No task and no queue of
/// its own, so an idle link costs only its channel (docs/benchmarks.md).
final class LinkOutlet: Sendable {
    let channel: any Channel

    init(channel: any Channel) {
        self.channel = channel
    }

    /// Sends a message, or closes the link.
    func yield(_ item: LinkRegistry.Outgoing) {
        switch item {
        case .text(let text):
            // A cluster that stopped reading while 1 MiB waits for it is not coming back
            // soon; closing lets it reconnect to a fresh schedule instead of a backlog.
            guard channel.isWritable else {
                // No `error` first: the cluster is not reading, and it would wait behind the backlog.
                channel.pipeline.fireUserInboundEventTriggered(LinkCloseRequest(code: 1008, reason: "not reading", error: nil))
                return
            }
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: text)), promise: nil)
        case .close(let code, let reason, let message):
            channel.pipeline.fireUserInboundEventTriggered(
                LinkCloseRequest(code: code, reason: reason, error: ErrorMessage(code: reason, message: message)))
        }
    }
}

/// Asks a link's handler to close it with a WebSocket close code, after an `error`
/// message saying why (docs/protocol.md, "Close codes").
public struct LinkCloseRequest: Sendable {
    var code: Int
    var reason: String
    var error: ErrorMessage?

    public init(code: Int, reason: String, error: ErrorMessage?) {
        self.code = code
        self.reason = reason
        self.error = error
    }
}
