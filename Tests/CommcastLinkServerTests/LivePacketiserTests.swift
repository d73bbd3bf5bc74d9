import CommcastAudio
import CommcastLink
import Foundation
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import CommcastLinkServer

/// The live packetiser on its own: what a cluster and a stream listener receive for
/// a given source, with no link, no clock and no broadcaster around it.
@Suite("Live packetiser")
struct LivePacketiserTests {
    func packetiser(framesPerWrite: Int) throws -> LivePacketiser {
        LivePacketiser(
            stream: 7, framesPerWrite: framesPerWrite, encoder: try LiveOpusEncoder(bitrate: 24_000),
            muxer: OggOpusStreamMuxer(serialNumber: 7, title: "Bão số 9"))
    }

    /// 100 ms of a 440 Hz tone, in pieces of uneven length as a microphone delivers them.
    let pieces: [[Int16]] = {
        let tone = (0..<4_800).map { Int16(12_000 * sin(2 * Double.pi * 440 * Double($0) / 48_000)) }
        return [Array(tone[0..<700]), Array(tone[700..<2_500]), Array(tone[2_500..<4_800])]
    }()

    @Test("packets are numbered in order, stamped with their capture time, and batched by frames_per_write")
    func framesOnTheLink() throws {
        var p = try packetiser(framesPerWrite: 2)
        var batches: [LivePacketiser.Batch] = []
        for (i, piece) in pieces.enumerated() {
            batches += try p.take(piece, captureMicroseconds: 1_000_000 * UInt64(i + 1))
        }
        #expect(batches.map(\.count) == [2, 2], "five 20 ms packets: two batches of two, one left")
        let flushed = p.flush()
        let rest = try #require(flushed)
        #expect(rest.count == 1)
        let again = p.flush()
        #expect(again == nil)
        #expect(p.nextSequence == 5)

        // Read back with NIO's own WebSocket decoder, as a cluster's stack would.
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 16)))
        for batch in batches + [rest] { try channel.writeInbound(batch.frames) }
        var frames: [LiveFrame] = []
        while let ws = try channel.readInbound(as: WebSocketFrame.self) {
            #expect(ws.opcode == .binary && ws.fin)
            frames.append(try LiveFrame(parsing: ws.data.readableBytesView))
        }
        #expect(frames.map(\.sequence) == [0, 1, 2, 3, 4])
        #expect(frames.allSatisfy { $0.stream == 7 && !$0.packet.isEmpty })
        #expect(frames.first?.captureMicroseconds == 2_000_000, "the first packet is complete with the second piece")
        #expect(frames.last?.captureMicroseconds == 3_000_000)
        _ = try channel.finish()
    }

    @Test("the pages make an Ogg Opus stream that decodes to the source's length")
    func pagesForListeners() throws {
        var p = try packetiser(framesPerWrite: 1)
        var ogg = Data(p.headerPages)
        for piece in pieces {
            for batch in try p.take(piece, captureMicroseconds: 0) { ogg.append(contentsOf: batch.pages.readableBytesView) }
        }
        ogg.append(contentsOf: p.endOfStream())
        let decoded = try OggOpusDecoder.decode(ogg)
        #expect(decoded.channels == 1)
        // 100 ms in, 20 ms packets out; the encoder's look-ahead trims a few ms at the start.
        #expect(abs(decoded.frameCount - 4_800) <= 960, "\(decoded.frameCount) samples")
    }
}
