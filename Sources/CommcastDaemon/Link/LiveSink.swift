import NIOCore
import NIOWebSocket

/// One link's end of the live fan-out: writes a frame that is already a whole
/// WebSocket frame below the link's frame encoder, so 1,661 links share one buffer
/// per packet and none of them encodes it again (docs/benchmarks.md, "Live").
///
/// Touched only on its channel's event loop (the fan-out runs there).
final class LiveSink: @unchecked Sendable {
    let channel: any Channel
    /// The frame encoder's context: writes from it go straight toward the socket.
    private var encoder: ChannelHandlerContext?

    init(channel: any Channel) {
        self.channel = channel
    }

    /// Hands `frame` to every sink: one task per event loop, the same bytes for all.
    static func fanOut(_ frame: ByteBuffer, to sinks: [LiveSink]) {
        guard !sinks.isEmpty else { return }
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, sinks: [LiveSink])] = [:]
        for sink in sinks {
            byLoop[ObjectIdentifier(sink.channel.eventLoop), default: (sink.channel.eventLoop, [])].sinks.append(sink)
        }
        for (_, group) in byLoop {
            let sinks = group.sinks
            group.loop.execute {
                for sink in sinks { sink.write(frame) }
            }
        }
    }

    /// Writes and flushes; a link that stopped reading loses the frame rather than holding memory.
    func write(_ frame: ByteBuffer) {
        guard channel.isActive, channel.isWritable else { return }
        if encoder == nil { encoder = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self) }
        guard let encoder else { return }
        encoder.writeAndFlush(NIOAny(frame), promise: nil)
    }
}
