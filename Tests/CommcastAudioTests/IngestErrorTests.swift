import CommcastAudio
import CommcastCore
import Foundation
import TestSupport
import Testing

/// Every bad input gets an error that names the problem.
@Suite("Ingest errors")
struct IngestErrorTests {
    let voice = TestSignals.speechLike(seconds: 1, sampleRate: 16_000)

    func ingest(_ data: Data, options: IngestOptions = .init()) throws -> IngestResult {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.file("input")
        try data.write(to: file)
        return try IngestPipeline(options: options).ingest(file: file)
    }

    func expectError(_ data: Data, options: IngestOptions = .init(), _ expected: IngestError, mentions: String) {
        do {
            _ = try ingest(data, options: options)
            Issue.record("expected \(expected), got success")
        } catch let error as IngestError {
            #expect(error == expected)
            #expect(error.description.contains(mentions), "message: \(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func missingFile() {
        #expect(throws: IngestError.fileNotFound(path: "/nonexistent/x.wav")) {
            try IngestPipeline().ingest(file: URL(fileURLWithPath: "/nonexistent/x.wav"))
        }
    }

    @Test func emptyFile() {
        expectError(Data(), .emptyInput, mentions: "empty")
    }

    @Test func truncatedData() {
        let full = WAVWriter.make(channels: [voice], sampleRate: 16_000, format: .pcm16)
        let cut = full.prefix(full.count - 5000)
        expectError(Data(cut), .truncated(declaredBytes: voice.count * 2, availableBytes: voice.count * 2 - 5000), mentions: "truncated")
    }

    @Test func truncatedHeader() {
        let full = WAVWriter.make(channels: [voice], sampleRate: 16_000, format: .pcm16)
        expectError(Data(full.prefix(30)), .malformedWAV(reason: "fmt chunk is 10 bytes, expected at least 16"), mentions: "fmt chunk")
    }

    @Test func corruptBytes() {
        var generator = SystemRandomNumberGenerator()
        let junk = Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) })
        // Random bytes are not WAV; with ffmpeg present it tries and fails, naming the input as corrupt.
        do {
            _ = try ingest(Data("JUNK".utf8) + junk)
            Issue.record("junk was accepted")
        } catch let error as IngestError {
            switch error {
            case .ffmpegFailed, .unsupportedFormat, .ffmpegMissing: break
            default: Issue.record("unexpected \(error)")
            }
        } catch { Issue.record("\(error)") }
    }

    @Test func zeroChannels() {
        let data = WAVWriter.header(channels: 0, sampleRate: 16_000, formatTag: 1, bits: 16, dataBytes: 100) + Data(count: 100)
        expectError(data, .zeroChannels, mentions: "0 channels")
    }

    @Test func tooManyChannels() {
        let data = WAVWriter.header(channels: 40, sampleRate: 16_000, formatTag: 1, bits: 16, dataBytes: 800) + Data(count: 800)
        expectError(data, .tooManyChannels(40), mentions: "40 channels")
    }

    @Test(arguments: [4_000, 384_000])
    func unsupportedRate(_ rate: Int) {
        let data = WAVWriter.header(channels: 1, sampleRate: rate, formatTag: 1, bits: 16, dataBytes: 100) + Data(count: 100)
        expectError(data, .unsupportedSampleRate(rate), mentions: "\(rate) Hz")
    }

    @Test func adpcmIsUnsupported() {
        let data = WAVWriter.header(channels: 1, sampleRate: 16_000, formatTag: 2, bits: 4, dataBytes: 100) + Data(count: 100)
        expectError(data, .unsupportedSampleFormat(formatTag: 2, bitsPerSample: 4), mentions: "format tag 2")
    }

    @Test func noSamples() {
        let data = WAVWriter.header(channels: 1, sampleRate: 16_000, formatTag: 1, bits: 16, dataBytes: 0)
        expectError(data, .noAudio, mentions: "no audio")
    }

    @Test func silence() {
        let data = WAVWriter.make(channels: [[Float](repeating: 0, count: 16_000)], sampleRate: 16_000, format: .pcm16)
        expectError(data, .silent, mentions: "silence")
    }

    @Test func tooLong() {
        let data = WAVWriter.make(channels: [voice], sampleRate: 16_000, format: .pcm16)
        let options = IngestOptions(limits: IngestLimits(maxDurationSeconds: 0.5))
        expectError(data, options: options, .tooLong(seconds: 1, limit: 0.5), mentions: "max_duration_seconds")
    }

    @Test func tooLarge() {
        let data = WAVWriter.make(channels: [voice], sampleRate: 16_000, format: .pcm16)
        let options = IngestOptions(limits: IngestLimits(maxInputBytes: 1000))
        expectError(data, options: options, .inputTooLarge(bytes: data.count, limit: 1000), mentions: "max_input_bytes")
    }

    @Test func mp3WithoutFFmpeg() {
        // An MP3 frame header is enough to be recognised; no ffmpeg means a clear instruction.
        let mp3 = Data([0x49, 0x44, 0x33, 0x04, 0, 0, 0, 0, 0, 0]) + Data(count: 500)
        let options = IngestOptions(ffmpeg: FFmpegTranscoder(executable: "/nonexistent/ffmpeg"))
        expectError(mp3, options: options, .ffmpegMissing(format: "MP3", ffmpegPath: "/nonexistent/ffmpeg"), mentions: "apt-get install ffmpeg")
    }

    @Test func truncatedMP3ThroughFFmpeg() throws {
        let mp3 = Data([0x49, 0x44, 0x33, 0x04, 0, 0, 0, 0, 0, 0]) + Data(count: 64)
        do {
            _ = try ingest(mp3)
            Issue.record("a header-only MP3 was accepted")
        } catch let error as IngestError {
            guard case .ffmpegFailed(let format, _, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(format == "MP3")
            #expect(error.description.contains("corrupt"))
        }
    }

    @Test func invalidSettings() {
        let data = WAVWriter.make(channels: [voice], sampleRate: 16_000, format: .pcm16)
        let options = IngestOptions(encoder: EncoderSettings(bitrate: 1_000_000))
        do {
            _ = try ingest(data, options: options)
            Issue.record("accepted 1 Mbit/s")
        } catch let error as IngestError {
            #expect(error.description.contains("bitrate"))
        } catch { Issue.record("\(error)") }
    }

    @Test func corruptOpusIsRejectedByDecoder() throws {
        let wav = WAVWriter.make(channels: [voice], sampleRate: 16_000, format: .pcm16)
        var ogg = try IngestPipeline().ingest(data: wav).oggOpus
        #expect(throws: IngestError.self) { try OggOpusDecoder.decode(Data(ogg.prefix(20))) }
        ogg.replaceSubrange(0..<4, with: Data("Junk".utf8))
        #expect(throws: IngestError.self) { try OggOpusDecoder.decode(ogg) }
    }
}
