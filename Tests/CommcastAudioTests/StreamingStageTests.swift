import Foundation
import Testing

@testable import CommcastAudio

/// The ingest's stages give over a stream, in blocks of any size, exactly what
/// their definitions give over the whole signal: the bounded-memory ingest
/// depends on it (an hour is leveled in the blocks a minute is).
@Suite("Streaming stages")
struct StreamingStageTests {
    /// Speech-like noise with loud bursts, from a fixed seed.
    static func signal(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
        }
        return (0..<count).map { n in next() * (n % 4_000 < 300 ? 1.4 : 0.2) }
    }

    /// Runs `stage` over `input` in blocks of the sizes given, in turn.
    static func blocked<S: SampleStage>(_ stage: S, _ input: [Float], sizes: [Int]) -> [Float] {
        var stage = stage
        var out: [Float] = []
        var offset = 0
        var turn = 0
        while offset < input.count {
            let end = min(input.count, offset + sizes[turn % sizes.count])
            stage.process(Array(input[offset..<end]), into: &out)
            offset = end
            turn += 1
        }
        stage.finish(into: &out)
        return out
    }

    static let blockings = [[1], [7, 1, 300], [16_384], [100_000]]

    @Test("the true-peak scanner matches the definition, in blocks of any size")
    func truePeaks() {
        let x = Self.signal(20_000, seed: 1)
        // The definition: the sample itself and the three interpolated points after
        // it, each a windowed-sinc sum over 16 neighbours, silence outside.
        let taps = TruePeakScanner.taps
        let expected = (0..<x.count).map { n -> Float in
            var peak = abs(x[n])
            for phase in 0..<3 {
                var sum: Float = 0
                for k in 0..<(2 * taps) {
                    let i = n - taps + 1 + k
                    if i >= 0, i < x.count { sum += TruePeakScanner.kernel[phase * 2 * taps + k] * x[i] }
                }
                peak = max(peak, abs(sum))
            }
            return peak
        }
        for sizes in Self.blockings {
            #expect(Self.blocked(TruePeakScanner(), x, sizes: sizes) == expected, "blocks \(sizes)")
        }
        // Between samples: a full-scale tone at a quarter of the rate, sampled off its crests.
        let tone = (0..<4_800).map { Float(sin(Double.pi / 2 * Double($0) + Double.pi / 4)) }
        let mid = TruePeakScanner().run(tone)[2_400]
        #expect(mid > 0.99 && abs(tone[2_400]) < 0.72, "true peak \(mid) of a sample at \(tone[2_400])")
    }

    @Test("look-ahead and trailing minima match the definition, in blocks of any size")
    func minima() {
        let x = Self.signal(9_000, seed: 2)
        for window in [1, 2, 241, 3_841] {
            let ahead = x.indices.map { n in x[n..<min(x.count, n + window)].min()! }
            let behind = x.indices.map { n in x[max(0, n - window + 1)...n].min()! }
            for sizes in Self.blockings {
                #expect(Self.blocked(LookAheadMinimum(window: window), x, sizes: sizes) == ahead, "ahead \(window), blocks \(sizes)")
                #expect(Self.blocked(TrailingMinimum(window: window), x, sizes: sizes) == behind, "behind \(window), blocks \(sizes)")
            }
        }
    }

    @Test("the limiter's envelope and dips come out the same in blocks as whole")
    func envelopeAndDips() throws {
        let x = Self.signal(50_000, seed: 3)
        let limiter = TruePeakLimiter(ceilingDBTP: -2.5)
        let peaks = TruePeakLimiter.truePeaks(of: x)
        let whole = limiter.envelope(truePeaks: peaks, gain: 2).gains
        #expect(whole.count == x.count)
        #expect(whole.min()! < 0.5, "the bursts are limited")
        #expect(whole[3_500] > 0.99, "the gain recovers between bursts")
        for sizes in Self.blockings {
            #expect(Self.blocked(limiter.envelopeStage(gain: 2), peaks, sizes: sizes) == whole, "blocks \(sizes)")
        }
        // Read as the leveller reads it: through a staged reader, asked in other sizes.
        var reader = StagedReader(ArrayReader(peaks), through: limiter.envelopeStage(gain: 2))
        var read: [Float] = []
        for size in [3, 65_536, 1, 65_536] { read += try reader.read(size) }
        #expect(read == whole)
        let dips = limiter.dips(under: x, holdSamples: 1_920)
        #expect(dips.count == x.count)
        for sizes in Self.blockings {
            #expect(Self.blocked(limiter.dipsStage(holdSamples: 1_920), x, sizes: sizes) == dips, "blocks \(sizes)")
        }
        // A dip holds twice as long before a peak as after it (then the look-ahead).
        let click = [Float](repeating: 0, count: 10_000) + [1] + [Float](repeating: 0, count: 10_000)
        let held = limiter.dips(under: click, holdSamples: 100)
        #expect(held[10_000 - 200] < 1 && held[10_000 - 201 - limiter.lookAhead - 1] == 1)
        #expect(held[10_000 + 100] < 1)
    }

    @Test("a scratch file gives back what was written, and nothing past its end")
    func sampleFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commcast-scratch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try SampleFile(in: directory)
        let x = Self.signal(100_003, seed: 4)
        try file.append(Array(x[0..<70_000]))
        try file.append(Array(x[70_000...]))
        #expect(file.count == x.count)
        var reader = file.reader()
        var back: [Float] = []
        while case let block = try reader.read(65_536), !block.isEmpty { back += block }
        #expect(back == x)
        #expect(try file.read(from: 100_000, count: 10) == Array(x[100_000...]))
        // Unlinked at once: nothing to clean up, even after a kill.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("a WAV read from disk block by block gives the samples read from memory")
    func wavFromFile() throws {
        // Stereo 16-bit with a LIST chunk before the data and an odd-sized chunk after it.
        let frames = 30_001
        var body = Data()
        for n in 0..<frames {
            for c in 0..<2 {
                let v = Int16(truncatingIfNeeded: (n * 37 + c * 1_000) % 60_000 - 30_000)
                withUnsafeBytes(of: v.littleEndian) { body.append(contentsOf: $0) }
            }
        }
        func le32(_ v: Int) -> Data { withUnsafeBytes(of: UInt32(v).littleEndian) { Data($0) } }
        func le16(_ v: Int) -> Data { withUnsafeBytes(of: UInt16(v).littleEndian) { Data($0) } }
        var fmt = le16(1) + le16(2) + le32(44_100) + le32(44_100 * 4)
        fmt += le16(4) + le16(16)
        let list = Data("INFOISFT".utf8) + Data([0x61, 0x62, 0x63])
        var chunks = Data("fmt ".utf8) + le32(fmt.count) + fmt
        chunks += Data("LIST".utf8) + le32(list.count) + list + Data([0])
        chunks += Data("data".utf8) + le32(body.count) + body
        chunks += Data("junk".utf8) + le32(3) + Data([1, 2, 3, 0])
        let wav = Data("RIFF".utf8) + le32(4 + chunks.count) + Data("WAVE".utf8) + chunks
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("commcast-wav-\(UUID().uuidString).wav")
        try wav.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let memory = try WAVFile(data: wav)
        let disk = try WAVFile(file: url)
        #expect(disk.frameCount == frames && disk.channels == 2 && disk.sampleRate == 44_100)
        #expect(disk.monoSamples(from: 0, count: frames) == memory.monoSamples(from: 0, count: frames))
        #expect(disk.monoSamples(from: 29_990, count: 100) == memory.monoSamples(from: 29_990, count: 100))
        #expect(disk.monoSamples(from: 29_990, count: 100).count == 11)
        // The same errors from disk as from memory.
        try Data(wav.prefix(60)).write(to: url)
        #expect(throws: IngestError.self) { try WAVFile(file: url) }
    }
}
