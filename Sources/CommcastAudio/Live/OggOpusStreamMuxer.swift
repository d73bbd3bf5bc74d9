import COgg
import CommcastCore

/// Frames live Opus packets as an Ogg Opus stream (RFC 7845) for ordinary players
/// (ffmpeg, VLC, Icecast-style IP speakers), with libogg doing the page framing.
///
/// One page per 20 ms packet, flushed at once: a listener is never more than a
/// packet behind the clusters. The pages are made once and the same bytes go to
/// every listener who joined at the start; one who joins late gets the header pages
/// first, then the live pages renumbered to follow them (`OggPageRenumbering`), so
/// its stream has no gap in page sequence, only a later first granule position,
/// which RFC 7845 allows for a stream joined in the middle.
public final class OggOpusStreamMuxer {
    /// OpusHead and OpusTags pages: what a listener gets first.
    public let headerPages: [UInt8]
    private var stream = ogg_stream_state()
    private var packetNumber: Int64 = 2
    private var granule: Int64 = 0

    /// - Parameter preSkip: the encoder's lookahead in 48 kHz samples.
    public init(serialNumber: Int32, preSkip: Int = 312, title: String) {
        ogg_stream_init(&stream, serialNumber)
        var head: [UInt8] = Array("OpusHead".utf8) + [1, 1]
        head += [UInt8(preSkip & 0xFF), UInt8(preSkip >> 8)]
        head += [0x80, 0xBB, 0x00, 0x00]  // 48,000 Hz, little-endian
        head += [0, 0, 0]  // output gain 0, channel mapping family 0
        var tags: [UInt8] = Array("OpusTags".utf8)
        func appendString(_ s: String) {
            let bytes = Array(s.utf8)
            let n = UInt32(bytes.count)
            tags += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
            tags += bytes
        }
        appendString("commcast \(CommcastVersion.current)")
        let comments = ["TITLE=\(title)"]
        tags += [UInt8(comments.count), 0, 0, 0]
        comments.forEach(appendString)

        var pages: [UInt8] = []
        Self.packetIn(&stream, head, bos: true, granule: 0, number: 0)
        pages += Self.flush(&stream)
        Self.packetIn(&stream, tags, bos: false, granule: 0, number: 1)
        pages += Self.flush(&stream)
        headerPages = pages
    }

    /// The sequence number of the next page `page(for:)` or `endOfStream()` makes:
    /// the two header pages, then one page per packet.
    public var nextPageSequence: Int64 { packetNumber }

    deinit { ogg_stream_clear(&stream) }

    /// The page carrying one 20 ms packet.
    public func page(for packet: [UInt8], samples: Int = 960) -> [UInt8] {
        granule += Int64(samples)
        Self.packetIn(&stream, packet, bos: false, granule: granule, number: packetNumber)
        packetNumber += 1
        return Self.flush(&stream)
    }

    /// The last page, marked end-of-stream: one 20 ms packet with no frame data
    /// (a lone TOC byte, which decoders treat as a gap), since Ogg needs a packet to
    /// carry the flag.
    public func endOfStream() -> [UInt8] {
        granule += 960
        Self.packetIn(&stream, [0xF8], bos: false, eos: true, granule: granule, number: packetNumber)
        packetNumber += 1
        return Self.flush(&stream)
    }

    static func packetIn(_ stream: inout ogg_stream_state, _ bytes: [UInt8], bos: Bool, eos: Bool = false, granule: Int64, number: Int64) {
        var copy = bytes
        copy.withUnsafeMutableBufferPointer { buffer in
            var packet = ogg_packet()
            packet.packet = buffer.baseAddress
            packet.bytes = buffer.count
            packet.b_o_s = bos ? 1 : 0
            packet.e_o_s = eos ? 1 : 0
            packet.granulepos = granule
            packet.packetno = number
            ogg_stream_packetin(&stream, &packet)
        }
    }

    static func flush(_ stream: inout ogg_stream_state) -> [UInt8] {
        var out: [UInt8] = []
        var page = ogg_page()
        while ogg_stream_flush(&stream, &page) != 0 {
            out += UnsafeBufferPointer(start: page.header, count: page.header_len)
            out += UnsafeBufferPointer(start: page.body, count: page.body_len)
        }
        return out
    }
}
