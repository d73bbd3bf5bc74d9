import CommcastAudio
import CommcastCore
import Foundation
import TestSupport
import Testing

/// The pipeline's output is real Ogg Opus that decodes back to the source.
@Suite("Ingest round trip")
struct IngestRoundTripTests {
    /// Thresholds, measured on espeak-ng speech and synthetic voice at 24 kbit/s:
    /// best-lag waveform correlation was 0.96-0.99 and envelope correlation above 0.99.
    static let minimumCorrelation = 0.9
    static let minimumEnvelopeCorrelation = 0.97

    struct Case: Sendable, CustomTestStringConvertible {
        var format: WAVWriter.Format
        var rate: Int
        var channels: Int
        var extensible = false
        var testDescription: String { "\(format) \(rate) Hz \(channels) ch\(extensible ? " extensible" : "")" }
    }

    static let cases: [Case] = [
        Case(format: .pcm16, rate: 8_000, channels: 1),
        Case(format: .pcm8, rate: 11_025, channels: 1),
        Case(format: .pcm16, rate: 22_050, channels: 2),
        Case(format: .pcm24, rate: 44_100, channels: 2),
        Case(format: .pcm32, rate: 48_000, channels: 1),
        Case(format: .float32, rate: 96_000, channels: 2, extensible: true),
        Case(format: .float64, rate: 32_000, channels: 1),
        Case(format: .pcm16, rate: 192_000, channels: 6, extensible: true),
    ]

    @Test("WAV decodes, normalises and round-trips", arguments: cases)
    func wavRoundTrip(_ c: Case) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let voice = TestSignals.speechLike(seconds: 3, sampleRate: c.rate)
        // Every channel carries the voice at a different level, so a wrong downmix shows.
        let channels = (0..<c.channels).map { ch in voice.map { $0 * (1 - Float(ch) * 0.1) } }
        let input = dir.file("in.wav")
        try WAVWriter.make(channels: channels, sampleRate: c.rate, format: c.format, extensible: c.extensible).write(to: input)

        let result = try IngestPipeline().ingest(file: input)
        #expect(result.sourceSampleRate == c.rate)
        #expect(result.sourceChannels == c.channels)
        #expect(abs(result.duration - 3) < 0.01)

        let decoded = try OggOpusDecoder.decode(result.oggOpus)
        #expect(decoded.channels == 1)
        #expect(abs(decoded.duration - 3) < 0.001, "end trimming: decoded \(decoded.duration) s")

        // Reference: the same file through sox, independent of our decoder and resampler.
        let reference = try ExternalTools.soxMono48k(input)
        let (corr, _) = AudioMetrics.bestCorrelation(reference, decoded.samples)
        #expect(corr >= Self.minimumCorrelation, "waveform correlation \(corr)")
        #expect(AudioMetrics.envelopeCorrelation(reference, decoded.samples) >= Self.minimumEnvelopeCorrelation)

        // Loudness lands on the target (the synthetic voice has headroom, so the peak ceiling does not bind).
        let (lufs, peak) = try LoudnessMeter.measure(decoded.samples)
        #expect(abs(lufs - LoudnessTarget.default.integratedLUFS) < 1.0, "output loudness \(lufs) LUFS")
        #expect(peak <= LoudnessTarget.default.truePeakCeilingDBTP + 1.0, "output true peak \(peak) dBTP")
    }

    @Test("opusinfo accepts the file and ffmpeg decodes it to the same audio")
    func externalToolsAgree() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = dir.file("in.wav")
        try WAVWriter.make(channels: [TestSignals.speechLike(seconds: 4, sampleRate: 44_100)], sampleRate: 44_100, format: .pcm16).write(to: input)
        let options = IngestOptions(metadata: .init(title: "Lịch tiêm chủng", level: .priority))
        let result = try IngestPipeline(options: options).ingest(file: input)
        let output = dir.file("out.opus")
        try result.oggOpus.write(to: output)

        let info = try ExternalTools.run("opusinfo", [output.path])
        #expect(info.status == 0, "opusinfo: \(info.stderr)")
        let text = info.stdoutText
        #expect(text.contains("Channels: 1"))
        #expect(text.contains("20.0ms (max),   20.0ms (avg),   20.0ms (min)"), "20 ms frames: \(text)")
        #expect(text.contains("TITLE=Lịch tiêm chủng"))
        #expect(text.contains("COMMCAST_LEVEL=priority"))
        #expect(!text.lowercased().contains("warning"), "opusinfo warned: \(text)")
        #expect(!text.contains("Pre-skip: 0\n"), "pre-skip must cover the encoder look-ahead")

        let viaFFmpeg = try ExternalTools.ffmpegMono48k(output)
        #expect(abs(Double(viaFFmpeg.count) / 48_000 - 4) < 0.001, "ffmpeg decoded \(viaFFmpeg.count) samples")
        let ours = try OggOpusDecoder.decode(result.oggOpus)
        #expect(AudioMetrics.bestCorrelation(ours.samples, viaFFmpeg, maxLag: 4).correlation > 0.99)
        #expect(ours.tags["TITLE"] == "Lịch tiêm chủng")
    }

    @Test("real speech from espeak-ng round-trips")
    func espeakSpeech() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = dir.file("speech.wav")
        let speak = try ExternalTools.run(
            "espeak-ng",
            [
                "-v", "vi-vn-x-south", "-w", input.path,
                "Ủy ban nhân dân xã thông báo lịch tiêm chủng cho trẻ em vào sáng thứ hai tuần tới.",
            ])
        #expect(speak.status == 0, "\(speak.stderr)")
        let result = try IngestPipeline().ingest(file: input)
        let decoded = try OggOpusDecoder.decode(result.oggOpus)
        let reference = try ExternalTools.soxMono48k(input)
        #expect(AudioMetrics.bestCorrelation(reference, decoded.samples).correlation >= Self.minimumCorrelation)
        #expect(AudioMetrics.envelopeCorrelation(reference, decoded.samples) >= Self.minimumEnvelopeCorrelation)
        // espeak-ng peaks near full scale: the ceiling, not the target, sets the gain.
        let (_, peak) = try LoudnessMeter.measure(decoded.samples)
        #expect(peak <= -0.5, "true peak \(peak) dBTP should respect the -1 dBTP ceiling (Opus may add ~0.5 dB)")
    }

    @Test("the same input gives the same bytes, so the content address is stable")
    func deterministic() throws {
        let wav = WAVWriter.make(channels: [TestSignals.speechLike(seconds: 2, sampleRate: 16_000)], sampleRate: 16_000, format: .pcm16)
        let a = try IngestPipeline().ingest(data: wav)
        let b = try IngestPipeline().ingest(data: wav)
        #expect(a.oggOpus == b.oggOpus)
    }

    @Test("MP3 and M4A go through ffmpeg", arguments: [("mp3", "libmp3lame"), ("m4a", "aac")])
    func compressedInputs(_ ext: String, _ codec: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let wav = dir.file("src.wav")
        try WAVWriter.make(channels: [TestSignals.speechLike(seconds: 3, sampleRate: 44_100)], sampleRate: 44_100, format: .pcm16).write(to: wav)
        let compressed = dir.file("phone.\(ext)")
        let make = try ExternalTools.run("ffmpeg", ["-nostdin", "-v", "error", "-i", wav.path, "-c:a", codec, "-b:a", "128k", compressed.path])
        #expect(make.status == 0, "\(make.stderr)")
        let result = try IngestPipeline().ingest(file: compressed)
        #expect(result.sourceContainer == (ext == "mp3" ? .mp3 : .mp4))
        // MP3 and AAC pad the start and end by a few ms; the audio must still be there.
        #expect(abs(result.duration - 3) < 0.1, "duration \(result.duration)")
        let decoded = try OggOpusDecoder.decode(result.oggOpus)
        let reference = try ExternalTools.soxMono48k(wav)
        #expect(
            AudioMetrics.envelopeCorrelation(reference, decoded.samples) >= 0.9
                || AudioMetrics.bestCorrelation(reference, decoded.samples, maxLag: 4000).correlation >= 0.8)
    }
}
