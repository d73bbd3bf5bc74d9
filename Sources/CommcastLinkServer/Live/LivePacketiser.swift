import CommcastAudio
import CommcastLink
import NIOCore

/// Turns a live source's samples into what goes on the wire, once for every
/// listener: 20 ms Opus packets, each numbered and stamped with its capture time in
/// a link frame (docs/protocol.md, "Live frames") wrapped as a whole WebSocket
/// binary frame, and the same packet as an Ogg page for stream listeners. Frames are
/// handed out `framesPerWrite` at a time: every write costs each connection a
/// syscall and a TCP segment, which is most of the fan-out's CPU, so
/// `live.frames_per_write` trades 20 ms of latency per extra frame for that many
/// fewer writes (docs/benchmarks.md). No I/O and no clock: the caller gives the time.
struct LivePacketiser {
    /// What to write: link frames to cluster links, Ogg pages to stream listeners.
    struct Batch {
        var frames: ByteBuffer
        var pages: ByteBuffer
        /// Packets in this batch.
        var count: Int
    }

    let stream: UInt32
    let framesPerWrite: Int
    private let encoder: LiveOpusEncoder
    private let muxer: OggOpusStreamMuxer
    /// The sequence number the next packet gets.
    private(set) var nextSequence: UInt32 = 0
    private var pending = Batch(frames: ByteBuffer(), pages: ByteBuffer(), count: 0)

    init(stream: UInt32, framesPerWrite: Int, encoder: LiveOpusEncoder, muxer: OggOpusStreamMuxer) {
        self.stream = stream
        self.framesPerWrite = max(1, framesPerWrite)
        self.encoder = encoder
        self.muxer = muxer
    }

    /// The Ogg header pages a stream listener gets first.
    var headerPages: [UInt8] { muxer.headerPages }

    /// The sequence number of the first frame of the next batch: what a cluster that
    /// joins now receives first (the pending frames go out in that batch).
    var nextBatchSequence: UInt32 { nextSequence &- UInt32(pending.count) }

    /// The page sequence number of the first page of the next batch: a listener
    /// joining now gets that page right after the two header pages.
    var nextBatchPageSequence: Int64 { muxer.nextPageSequence - Int64(pending.count) }

    /// Encodes 48 kHz mono samples captured at `captureMicroseconds` (since 1970);
    /// returns the batches now complete, oldest first.
    mutating func take(_ samples: [Int16], captureMicroseconds: UInt64) throws -> [Batch] {
        var ready: [Batch] = []
        for packet in try encoder.encode(samples) {
            var frame = LiveBroadcaster.webSocketFrame(
                LiveFrame.header(stream: stream, sequence: nextSequence, captureMicroseconds: captureMicroseconds) + packet)
            nextSequence &+= 1
            pending.frames.writeBuffer(&frame)
            pending.pages.writeBytes(muxer.page(for: packet))
            pending.count += 1
            if pending.count >= framesPerWrite { ready.append(takePending()) }
        }
        return ready
    }

    /// What is left over at the end of a broadcast, if anything.
    mutating func flush() -> Batch? {
        pending.count > 0 ? takePending() : nil
    }

    /// The Ogg page that ends the stream.
    func endOfStream() -> [UInt8] { muxer.endOfStream() }

    private mutating func takePending() -> Batch {
        defer { pending = Batch(frames: ByteBuffer(), pages: ByteBuffer(), count: 0) }
        return pending
    }
}
