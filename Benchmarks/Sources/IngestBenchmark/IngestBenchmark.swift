import BenchmarkSupport
import CommcastAudio
import CommcastCore
import Foundation

/// Encoder speed against `opusenc`, and the whole ingest pipeline as × real time.
///
/// Usage: IngestBenchmark SOURCE.wav SOURCE-48k-mono.wav [runs]
/// Both encoders get the same 48 kHz mono samples and the same settings
/// (24 kbit/s, speech, 20 ms, complexity 10, FEC for 10 % loss); each is timed
/// `runs` times and the median is reported.
@main
struct IngestBenchmark {
    static func main() throws {
        let args = CommandLine.arguments
        guard args.count >= 3 else {
            FileHandle.standardError.write(Data("usage: IngestBenchmark SOURCE.wav SOURCE-48k-mono.wav [runs]\n".utf8))
            exit(64)
        }
        let source = URL(fileURLWithPath: args[1])
        let source48k = URL(fileURLWithPath: args[2])
        let runs = args.count > 3 ? Int(args[3]) ?? 5 : 5
        let settings = EncoderSettings.default

        let wav = try WAVFile(data: Data(contentsOf: source48k))
        precondition(wav.sampleRate == 48_000 && wav.channels == 1, "second file must be 48 kHz mono")
        let samples = wav.monoSamples(from: 0, count: wav.frameCount)
        let audioSeconds = wav.duration

        // commcast's encoder alone (libopusenc through OggOpusEncoder).
        var oursTimes: [Double] = []
        var oursBytes = 0
        for _ in 0..<runs {
            let t = try time {
                let encoder = try OggOpusEncoder(settings: settings)
                var offset = 0
                while offset < samples.count {
                    let end = min(offset + 65_536, samples.count)
                    try encoder.write(Array(samples[offset..<end]))
                    offset = end
                }
                oursBytes = try encoder.finish().count
            }
            oursTimes.append(t)
        }

        // opusenc on the same samples with the same settings (the process includes reading the WAV).
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bench-opusenc.opus")
        var opusencTimes: [Double] = []
        for _ in 0..<runs {
            let t = try time {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/opusenc")
                p.arguments = [
                    "--quiet", "--bitrate", "\(settings.bitrate / 1000)", "--speech", "--framesize", "20",
                    "--comp", "\(settings.complexity)", "--expect-loss", "\(settings.expectedLossPercent)",
                    "--set-ctl-int", "4012=1", source48k.path, out.path,
                ]
                try p.run()
                p.waitUntilExit()
                precondition(p.terminationStatus == 0, "opusenc failed")
            }
            opusencTimes.append(t)
        }
        let opusencBytes = (try? FileManager.default.attributesOfItem(atPath: out.path)[.size] as? Int) ?? 0

        // The whole pipeline on the original file: decode, downmix, resample, loudness, encode.
        var pipelineTimes: [Double] = []
        var result: IngestResult?
        for _ in 0..<runs {
            pipelineTimes.append(try time { result = try IngestPipeline().ingest(file: source) })
        }

        let ours = median(oursTimes)
        let theirs = median(opusencTimes)
        let pipeline = median(pipelineTimes)
        print("input: \(source.lastPathComponent), \(String(format: "%.1f", audioSeconds)) s of audio; median of \(runs) runs")
        func row(_ name: String, _ seconds: Double, _ audio: Double, _ bytes: Int) {
            print(
                name.padding(toLength: 34, withPad: " ", startingAt: 0)
                    + String(format: "%9.3f %12.0f %10d", seconds, audio / seconds, bytes))
        }
        print("step".padding(toLength: 34, withPad: " ", startingAt: 0) + "  seconds  x real time      bytes")
        row("commcast encoder (libopusenc)", ours, audioSeconds, oursBytes)
        row("opusenc (same settings)", theirs, audioSeconds, opusencBytes)
        row("commcast full ingest pipeline", pipeline, result?.duration ?? 0, result?.encoded.size ?? 0)
        print(String(format: "encoder time ratio commcast/opusenc: %.3f (target <= 1.10)", ours / theirs))
        if let r = result {
            print(
                String(
                    format: "source %d Hz %d ch; measured %.1f LUFS, true peak %.1f dBTP, gain %+.1f dB",
                    r.sourceSampleRate, r.sourceChannels, r.measuredLUFS ?? .nan, r.measuredTruePeakDBTP, r.appliedGainDB))
            print("level: \(r.gainExplanation)")
        }
    }
}
