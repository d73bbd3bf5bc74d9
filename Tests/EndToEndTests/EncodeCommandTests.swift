import Foundation
import TestSupport
import Testing

/// `commcast encode` as an operator runs it.
@Suite("commcast encode")
struct EncodeCommandTests {
    @Test func encodesAndReportsJSON() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = dir.file("in.wav")
        try WAVWriter.make(channels: [TestSignals.speechLike(seconds: 2, sampleRate: 44_100)], sampleRate: 44_100, format: .pcm16).write(to: input)
        let output = dir.file("out.opus")
        let result = try ExternalTools.run(
            try BuiltProducts.path("commcast"),
            ["encode", input.path, output.path, "--title", "Bản tin", "--level", "emergency", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "no progress bar when stderr is not a terminal: \(result.stderr)")
        let summary = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        #expect((summary?["source_sample_rate"] as? Int) == 44_100)
        #expect(abs((summary?["duration_seconds"] as? Double ?? 0) - 2) < 0.01)
        #expect(summary?["meets_target"] as? Bool == true)
        #expect(abs((summary?["output_lufs"] as? Double ?? 0) + 16) <= 1)
        #expect((summary?["output_true_peak_dbtp"] as? Double ?? 0) <= -1)
        let info = try ExternalTools.run("opusinfo", [output.path])
        #expect(info.status == 0)
        #expect(info.stdoutText.contains("COMMCAST_LEVEL=emergency"))
    }

    @Test("the text output says why the gain is what it is, and what was stored")
    func explainsTheGain() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = dir.file("speech.wav")
        let speak = try ExternalTools.run("espeak-ng", ["-v", "vi", "-w", input.path, "Bà con lưu ý: chiều nay mất điện từ 14 giờ đến 17 giờ."])
        #expect(speak.status == 0, "\(speak.stderr)")
        let result = try ExternalTools.run(try BuiltProducts.path("commcast"), ["encode", input.path, dir.file("out.opus").path])
        #expect(result.status == 0, "\(result.stderr)")
        let level = result.stdoutText.split(separator: "\n").first { $0.hasPrefix("level: ") }.map(String.init) ?? ""
        #expect(level.contains("to the -16.0 LUFS target"), "\(result.stdoutText)")
        #expect(level.contains("the limiter took up to"), "espeak-ng peaks at full scale: \(level)")
        #expect(level.contains("the stored Opus measures"), "\(level)")
        #expect(!result.stderr.contains("warning"), "\(result.stderr)")
    }

    @Test func exitCodesNameTheProblem() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cli = try BuiltProducts.path("commcast")
        let missing = try ExternalTools.run(cli, ["encode", dir.file("nope.wav").path, dir.file("o.opus").path])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("does not exist"))

        let truncated = dir.file("cut.wav")
        let full = WAVWriter.make(channels: [TestSignals.speechLike(seconds: 1, sampleRate: 16_000)], sampleRate: 16_000, format: .pcm16)
        try full.prefix(full.count / 2).write(to: truncated)
        let cut = try ExternalTools.run(cli, ["encode", truncated.path, dir.file("o.opus").path])
        #expect(cut.status == 65)
        #expect(cut.stderr.contains("truncated WAV"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("o.opus").path), "no partial output")

        let badLevel = try ExternalTools.run(cli, ["encode", truncated.path, dir.file("o.opus").path, "--level", "urgent"])
        #expect(badLevel.status == 64)
        #expect(badLevel.stderr.contains("expected one of normal, priority, emergency"))
    }

    @Test("the recording is never overwritten, and the output's name says Opus")
    func outputIsChecked() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cli = try BuiltProducts.path("commcast")
        let input = dir.file("rec.wav")
        let recording = WAVWriter.make(channels: [TestSignals.speechLike(seconds: 1, sampleRate: 16_000)], sampleRate: 16_000, format: .pcm16)
        try recording.write(to: input)
        let same = try ExternalTools.run(cli, ["encode", input.path, input.path])
        #expect(same.status == 64, "\(same.stderr)")
        #expect(same.stderr.contains("is the input itself"), "\(same.stderr)")
        #expect(try Data(contentsOf: input) == recording, "the recording is untouched")
        // The same file by another name: a link.
        let link = dir.file("link.opus")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: input)
        #expect(try ExternalTools.run(cli, ["encode", input.path, link.path]).status == 64)
        #expect(try Data(contentsOf: input) == recording)

        let mp3 = try ExternalTools.run(cli, ["encode", input.path, dir.file("out.mp3").path])
        #expect(mp3.status == 64, "\(mp3.stderr)")
        #expect(mp3.stderr.contains("expected a name ending in .opus (got .mp3)"), "\(mp3.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("out.mp3").path))
    }
}
