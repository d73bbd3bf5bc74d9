import ArgumentParser
import CommcastAudio
import CommcastCore
import Foundation

/// `commcast encode IN OUT.opus`: the ingest pipeline, offline.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Run the ingest pipeline on a file: decode, resample, normalise loudness, encode Ogg Opus.",
        discussion: "WAV is read directly; MP3, M4A/AAC, Ogg and FLAC need ffmpeg."
    )

    @Argument(help: "Input recording (WAV, MP3, M4A, ...).") var input: String
    @Argument(help: "Output Ogg Opus file.") var output: String

    @Option(help: "Bitrate in kbit/s.") var bitrate: Int = 24
    @Option(help: "Encoder complexity, 0-10.") var complexity: Int = 10
    @Option(name: .customLong("expected-loss"), help: "Expected packet loss in percent (in-band FEC).") var expectedLoss: Int = 10
    @Option(name: .customLong("target-lufs"), help: "Integrated loudness target in LUFS.") var targetLUFS: Double = -16
    @Option(name: .customLong("true-peak"), help: "True-peak ceiling in dBTP.") var truePeak: Double = -1
    @Option(help: "Title written into OpusTags.") var title: String?
    @Option(help: "Level written into OpusTags: normal, priority or emergency.") var level: String?
    @Option(name: .customLong("max-duration"), help: "Longest accepted input in seconds.") var maxDuration: Double = 3600
    @Option(help: "ffmpeg executable for non-WAV input.") var ffmpeg: String = "ffmpeg"
    @Flag(help: "Print the result as JSON.") var json = false

    /// The output is Ogg Opus, so its name says so, and it is never the recording itself.
    func checkOutput() throws {
        let inputPath = URL(fileURLWithPath: input).standardizedFileURL.resolvingSymlinksInPath().path
        let outputPath = URL(fileURLWithPath: output).standardizedFileURL.resolvingSymlinksInPath().path
        var a = stat()
        var b = stat()
        let sameFile = stat(inputPath, &a) == 0 && stat(outputPath, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
        if inputPath == outputPath || sameFile {
            throw fail("\(output): is the input itself; expected another file, so the recording is kept", ExitCodes.usage)
        }
        let ext = (output as NSString).pathExtension.lowercased()
        guard ["opus", "ogg", "oga"].contains(ext) else {
            throw fail(
                "\(output): the output is Ogg Opus; expected a name ending in .opus (got \(ext.isEmpty ? "no extension" : "." + ext))",
                ExitCodes.usage)
        }

    }

    func run() throws {
        var parsedLevel: BulletinLevel?
        if let level {
            do { parsedLevel = try BulletinLevel(parsing: level) } catch { throw fail("\(error)", ExitCodes.usage) }
        }
        try checkOutput()
        let settings = EncoderSettings(bitrate: bitrate * 1000, complexity: complexity, expectedLossPercent: expectedLoss)
        let loudness = LoudnessTarget(integratedLUFS: targetLUFS, truePeakCeilingDBTP: truePeak)
        let problems = settings.validate() + loudness.validate()
        if !problems.isEmpty {
            throw fail(problems.map(\.description).joined(separator: "; "), ExitCodes.usage)
        }
        let options = IngestOptions(
            encoder: settings, loudness: loudness,
            limits: IngestLimits(maxDurationSeconds: maxDuration),
            ffmpeg: FFmpegTranscoder(executable: ffmpeg),
            metadata: .init(title: title, level: parsedLevel))
        let bar = ProgressBar(label: (input as NSString).lastPathComponent)
        let started = ContinuousClock.now
        let result: IngestResult
        do {
            result = try IngestPipeline(options: options).ingest(file: URL(fileURLWithPath: input)) { progress in
                bar.update(stage: progress.stage.rawValue, fraction: progress.fraction)
            }
        } catch {
            bar.finish()
            let code: ExitCode =
                switch error {
                case .fileNotFound, .unreadable: ExitCodes.noInput
                case .scratchFailed: ExitCodes.cannotCreate
                default: ExitCodes.dataError
                }
            throw fail("\(input): \(error)", code)
        }
        bar.finish()
        let outputBytes = result.encoded.size
        do {
            try Self.move(result.encoded.url, to: URL(fileURLWithPath: output))
        } catch {
            throw fail("cannot write \(output): \((error as NSError).localizedDescription)", ExitCodes.cannotCreate)
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let summary = EncodeSummary(
            input: input, output: output, durationSeconds: result.duration,
            sourceFormat: result.sourceContainer.rawValue, sourceSampleRate: result.sourceSampleRate,
            sourceChannels: result.sourceChannels, measuredLufs: result.measuredLUFS,
            measuredTruePeakDbtp: result.measuredTruePeakDBTP.isFinite ? result.measuredTruePeakDBTP : nil,
            gainDb: result.appliedGainDB, limiterMaxReductionDb: result.limiter.maximumDB,
            limitedFraction: result.limiter.fraction, outputLufs: result.outputLUFS,
            outputTruePeakDbtp: result.outputTruePeakDBTP.isFinite ? result.outputTruePeakDBTP : nil,
            meetsTarget: result.meetsTarget, gainExplanation: result.gainExplanation, outputBytes: outputBytes,
            realtimeFactor: seconds > 0 ? result.duration / seconds : 0
        )
        if json {
            try printJSON(summary)
        } else {
            let lufs = result.measuredLUFS.map { String(format: "%.1f LUFS", $0) } ?? "unmeasurable (too short)"
            print(
                String(
                    format: "%@ -> %@: %.1f s, %@ %d Hz %d ch, loudness %@, %d bytes, %.0fx real time",
                    input, output, result.duration, result.sourceContainer.rawValue, result.sourceSampleRate,
                    result.sourceChannels, lufs, outputBytes, summary.realtimeFactor))
            print("level: \(result.gainExplanation)")
            if !result.meetsTarget {
                warn("\(output): the stored audio is not within 1 LU of the target under the ceiling; it is stored as measured")
            }
        }
    }

    /// Puts the encoded file at `target` whole or not at all: renamed when both are on
    /// one file system, else copied beside `target` and renamed over it.
    static func move(_ source: URL, to target: URL) throws {
        if rename(source.path, target.path) == 0 { return }
        guard errno == EXDEV else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let temp = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try FileManager.default.copyItem(at: source, to: temp)
            guard rename(temp.path, target.path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
    }
}

/// What `commcast encode --json` prints.
struct EncodeSummary: Encodable {
    var input: String
    var output: String
    var durationSeconds: Double
    var sourceFormat: String
    var sourceSampleRate: Int
    var sourceChannels: Int
    var measuredLufs: Double?
    var measuredTruePeakDbtp: Double?
    var gainDb: Double
    var limiterMaxReductionDb: Double
    var limitedFraction: Double
    var outputLufs: Double?
    var outputTruePeakDbtp: Double?
    var meetsTarget: Bool
    var gainExplanation: String
    var outputBytes: Int
    var realtimeFactor: Double

}
