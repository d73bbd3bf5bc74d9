import CommcastAudio
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// One receiver's end of the live fan-out: a link, or an Ogg stream listener. The
/// bytes it gets are already framed (a whole WebSocket frame, or an Ogg page), so
/// they are written below the connection's encoder: 1,661 receivers share one buffer
/// per packet and none of them encodes it again (docs/benchmarks.md, "Live").
///
/// Touched only on its channel's event loop (the fan-out runs there).
final class LiveSink: @unchecked Sendable {
    let channel: any Channel
    private let findEncoder: (ChannelPipeline.SynchronousOperations) -> ChannelHandlerContext?
    /// The encoder's context: writes from it go straight toward the socket.
    private var encoder: ChannelHandlerContext?

    private init(channel: any Channel, findEncoder: @escaping (ChannelPipeline.SynchronousOperations) -> ChannelHandlerContext?) {
        self.channel = channel
        self.findEncoder = findEncoder
    }

    /// A cluster's link: frames go below its WebSocket frame encoder.
    static func link(_ channel: any Channel) -> LiveSink {
        LiveSink(channel: channel) { try? $0.context(handlerType: WebSocketFrameEncoder.self) }
    }

    /// An HTTP/1.0 stream listener: pages go below the HTTP response encoder, as the body.
    static func listener(_ channel: any Channel) -> LiveSink {
        LiveSink(channel: channel) { try? $0.context(handlerType: HTTPResponseEncoder.self) }
    }

    /// Writes and flushes; a receiver that stopped reading loses the frame rather
    /// than holding memory (and a closed one fails the write harmlessly).
    func write(_ bytes: ByteBuffer) {
        guard channel.isWritable else { return }
        if encoder == nil { encoder = findEncoder(channel.pipeline.syncOperations) }
        encoder?.writeAndFlush(NIOAny(bytes), promise: nil)
    }
}

/// The receivers of a broadcast grouped by event loop, so each packet costs one task
/// per loop; regrouped only when someone joins or leaves.
struct LiveSinkGroups {
    private var sinks: [ObjectIdentifier: LiveSink] = [:]
    private var grouped: [(loop: any EventLoop, sinks: [LiveSink])]?

    var count: Int { sinks.count }

    mutating func insert(_ sink: LiveSink) {
        sinks[ObjectIdentifier(sink.channel)] = sink
        grouped = nil
    }

    mutating func remove(_ channel: any Channel) {
        if sinks.removeValue(forKey: ObjectIdentifier(channel)) != nil { grouped = nil }
    }

    var channels: [any Channel] { sinks.values.map(\.channel) }

    /// Hands `bytes` to every receiver: one task per event loop, the same buffer for all.
    mutating func fanOut(_ bytes: ByteBuffer) {
        if grouped == nil {
            var byLoop: [ObjectIdentifier: (loop: any EventLoop, sinks: [LiveSink])] = [:]
            for sink in sinks.values {
                byLoop[ObjectIdentifier(sink.channel.eventLoop), default: (sink.channel.eventLoop, [])].sinks.append(sink)
            }
            grouped = Array(byLoop.values)
        }
        for group in grouped! {
            let sinks = group.sinks
            group.loop.execute {
                for sink in sinks { sink.write(bytes) }
            }
        }
    }
}

/// The Ogg stream's listeners. Each gets the pages renumbered to follow the header
/// pages it was sent (docs/protocol.md, "The Ogg Opus stream"): the bytes are made
/// once per join point, not once per listener, and each event loop still gets one
/// task per batch however many join points there are.
struct OggListenerGroups {
    /// Each listener with how much its pages' numbers are lowered (0: joined at the start).
    private var sinks: [ObjectIdentifier: (sink: LiveSink, shift: Int64)] = [:]
    private var grouped: [(loop: any EventLoop, sinks: [(sink: LiveSink, shift: Int64)])]?
    /// The distinct shifts among the listeners, with the grouping.
    private var shifts: Set<Int64> = []

    var count: Int { sinks.count }

    var channels: [any Channel] { sinks.values.map(\.sink.channel) }

    /// Adds a listener whose first live page will be number `firstPage` (the header pages are 0 and 1).
    mutating func insert(_ sink: LiveSink, firstPage: Int64) {
        sinks[ObjectIdentifier(sink.channel)] = (sink, max(0, firstPage - 2))
        grouped = nil
    }

    mutating func remove(_ channel: any Channel) {
        if sinks.removeValue(forKey: ObjectIdentifier(channel)) != nil { grouped = nil }
    }

    /// Hands every listener the pages numbered for it.
    mutating func fanOut(_ pages: ByteBuffer) {
        if grouped == nil {
            var byLoop: [ObjectIdentifier: (loop: any EventLoop, sinks: [(sink: LiveSink, shift: Int64)])] = [:]
            for entry in sinks.values {
                let loop = entry.sink.channel.eventLoop
                byLoop[ObjectIdentifier(loop), default: (loop, [])].sinks.append(entry)
            }
            grouped = Array(byLoop.values)
            shifts = Set(sinks.values.map(\.shift))
        }
        var numbered: [Int64: ByteBuffer] = [0: pages]
        for shift in shifts where shift != 0 {
            numbered[shift] = ByteBuffer(bytes: OggPageRenumbering.renumber(Array(pages.readableBytesView), subtracting: shift))
        }
        for group in grouped! {
            let sinks = group.sinks
            group.loop.execute {
                for entry in sinks { entry.sink.write(numbered[entry.shift]!) }
            }
        }
    }
}
