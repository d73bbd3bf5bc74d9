import CommcastAudio
import Foundation
import TestSupport
import Testing

@Suite("Live encoding and the Ogg Opus stream")
struct LiveStreamTests {
    static func speech(seconds: Double) -> [Int16] {
        TestSignals.speechLike(seconds: seconds, sampleRate: 48_000).map { Int16(max(-1, min(1, $0)) * 32767) }
    }

    /// 20 ms packets out, whatever block sizes go in; libopus decodes them back to the same sound.
    @Test func encoderMakesTwentyMillisecondPacketsThatDecodeBack() throws {
        let source = Self.speech(seconds: 2)
        let encoder = try LiveOpusEncoder()
        var packets: [[UInt8]] = []
        var i = 0
        for block in [333, 960, 1_500, 7].lazy.cycled() {
            guard i < source.count else { break }
            packets += try encoder.encode(source[i..<min(source.count, i + block)])
            i += block
        }
        #expect(packets.count == source.count / 960)
        #expect(encoder.pendingSamples == source.count % 960)
        #expect(packets.allSatisfy { $0.count < 200 }, "about 32 kbit/s: 80 bytes a packet")

        let decoder = try OpusPacketDecoder()
        var decoded: [Float] = []
        for p in packets { decoded += try decoder.decode(p).map { Float($0) / 32767 } }
        #expect(decoded.count == packets.count * 960)
        let reference = source.map { Float($0) / 32767 }
        #expect(AudioMetrics.envelopeCorrelation(reference, decoded) > 0.9)
        #expect(try decoder.decode(nil).count == 960, "a lost packet is concealed as 20 ms")
    }

    /// The pages are a valid Ogg Opus stream (opusinfo, ffmpeg), whole or joined late.
    @Test func streamIsValidOggOpusFromTheStartAndFromTheMiddle() throws {
        let source = Self.speech(seconds: 3)
        let encoder = try LiveOpusEncoder()
        let muxer = OggOpusStreamMuxer(serialNumber: 4242, title: "Thử")
        let pages = try encoder.encode(source[...]).map { muxer.page(for: $0) }
        #expect(pages.count == 150)
        let end = muxer.endOfStream()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }

        let whole = dir.file("whole.opus")
        try Data(muxer.headerPages + pages.joined() + end).write(to: whole)
        let info = try ExternalTools.run("opusinfo", [whole.path])
        #expect(info.status == 0, "\(info.stdoutText)")
        #expect(!info.stdoutText.contains("WARNING"), "\(info.stdoutText)")
        let decoded = try ExternalTools.ffmpegMono48k(whole)
        #expect(abs(decoded.count - source.count) <= 960 + 312, "\(decoded.count) samples")

        // A listener who joins at 1 s gets the header pages (0 and 1), then the pages
        // from there (52 on) renumbered from 2: opusinfo reads it without a gap.
        let late = dir.file("late.opus")
        #expect(muxer.nextPageSequence == 2 + 150 + 1)
        let renumbered = OggPageRenumbering.renumber(Array(pages[50...].joined()) + end, subtracting: 50)
        try Data(muxer.headerPages + renumbered).write(to: late)
        let lateInfo = try ExternalTools.run("opusinfo", [late.path])
        #expect(lateInfo.status == 0, "\(lateInfo.stdoutText)")
        #expect(!lateInfo.stdoutText.contains("WARNING"), "\(lateInfo.stdoutText)")
        let lateDecoded = try ExternalTools.ffmpegMono48k(late)
        #expect(lateDecoded.count >= 48_000 * 19 / 10, "\(lateDecoded.count) samples")
        // Not renumbered, the same pages show the gap opusinfo warns of.
        try Data(muxer.headerPages + pages[50...].joined() + end).write(to: late)
        #expect(try ExternalTools.run("opusinfo", [late.path]).stdoutText.contains("sequence number gap"))
    }
}

extension Sequence {
    /// The sequence repeated forever.
    fileprivate func cycled() -> some Sequence<Element> {
        sequence(state: makeIterator()) { (it: inout Iterator) -> Element? in
            if let next = it.next() { return next }
            it = self.makeIterator()
            return it.next()
        }
    }
}
