import CommcastCore
import Foundation

/// What the pipeline is doing, for progress bars.
public struct IngestProgress: Sendable, Equatable {
    /// Pipeline stage.
    public enum Stage: String, Sendable {
        /// Decoding, downmixing, resampling and measuring loudness.
        case analysing
        /// Applying gain and encoding Opus.
        case encoding
    }

    public var stage: Stage
    /// 0…1 within the stage.
    public var fraction: Double
}

/// How an ingest job is configured.
public struct IngestOptions: Sendable {
    public var encoder: EncoderSettings
    public var loudness: LoudnessTarget
    public var limits: IngestLimits
    public var ffmpeg: FFmpegTranscoder
    public var metadata: OggOpusEncoder.Metadata
    /// Where the ingest keeps its working files: the 48 kHz signal and its peaks
    /// (4 bytes a sample each, about 690 MB an hour), ffmpeg's WAV and the encoded
    /// tries. The daemon uses a folder of its state directory, on the same file
    /// system as the media store, so the result is moved there, not copied.
    public var scratchDirectory: URL

    public init(
        encoder: EncoderSettings = .default, loudness: LoudnessTarget = .default,
        limits: IngestLimits = .default, ffmpeg: FFmpegTranscoder = .init(),
        metadata: OggOpusEncoder.Metadata = .init(), scratchDirectory: URL = FileManager.default.temporaryDirectory
    ) {
        self.encoder = encoder
        self.loudness = loudness
        self.limits = limits
        self.ffmpeg = ffmpeg
        self.metadata = metadata
        self.scratchDirectory = scratchDirectory
    }
}

/// What came out of ingest, with the measurements an operator may want to see.
public struct IngestResult: Sendable {
    /// The Ogg Opus file, in the scratch directory until it is moved away.
    public var encoded: EncodedAudioFile
    /// The Ogg Opus file's bytes, read into memory.
    public var oggOpus: Data {
        get throws(IngestError) { try encoded.data() }
    }
    /// Seconds of audio.
    public var duration: Double
    /// The source container.
    public var sourceContainer: ContainerKind
    /// Source rate in Hz (of the decoded PCM, after ffmpeg when it was used).
    public var sourceSampleRate: Int
    /// Source channel count.
    public var sourceChannels: Int
    /// Integrated loudness of the source after downmix, LUFS; nil when unmeasurable (too short).
    public var measuredLUFS: Double?
    /// Source true peak, dBTP.
    public var measuredTruePeakDBTP: Double
    /// Gain applied before the limiter, dB.
    public var appliedGainDB: Double
    /// What the true-peak limiter took off the peaks after that gain.
    public var limiter: TruePeakLimiter.Reduction
    /// Integrated loudness of the stored Opus, decoded as a cluster plays it; nil when unmeasurable.
    public var outputLUFS: Double?
    /// True peak of the stored Opus, decoded, dBTP.
    public var outputTruePeakDBTP: Double
    /// The target the pipeline worked to.
    public var target: LoudnessTarget
    /// Whether the decoded output is within ±1 LU of the target and under its ceiling.
    public var meetsTarget: Bool

    /// One sentence on why the level is what it is, for `commcast encode` and `bulletin add`.
    public var gainExplanation: String {
        func db(_ v: Double) -> String { String(format: "%+.1f dB", v) }
        func lu(_ v: Double) -> String { String(format: "%.1f", v) }
        var parts: [String] = []
        if let measuredLUFS, target.integratedLUFS - measuredLUFS > LevelSetter.maximumGainDB {
            parts.append(
                "gain \(db(appliedGainDB)), the most allowed: \(lu(measuredLUFS)) LUFS is too quiet to reach the target without raising noise")
        } else if let measuredLUFS {
            parts.append("gain \(db(appliedGainDB)) to bring \(lu(measuredLUFS)) LUFS to the \(lu(target.integratedLUFS)) LUFS target")
        } else {
            parts.append("level kept (too short to measure loudness: under 0.4 s of sound)")
        }
        if limiter.maximumDB > 0.1 {
            parts.append(
                String(
                    format: "the limiter took up to %.1f dB off %.0f %% of it to keep peaks under %.1f dBTP",
                    limiter.maximumDB, limiter.fraction * 100, target.truePeakCeilingDBTP))
        }
        let out = outputLUFS.map { "\(lu($0)) LUFS, " } ?? ""
        parts.append("the stored Opus measures \(out)\(lu(outputTruePeakDBTP)) dBTP")
        return parts.joined(separator: "; ")
    }
}

/// The path every bulletin takes: decode → downmix → resample to 48 kHz →
/// loudness-normalise → Opus encode once → Ogg Opus file.
///
/// Everything streams, in blocks of about 1.4 s: the source is read from disk as
/// it is needed, the 48 kHz signal and its true peaks go to scratch files, and
/// the leveller reads them back for each pass (`LevelSetter`), so an hour's
/// recording is ingested in the memory a minute's takes.
public struct IngestPipeline: Sendable {
    /// Frames handled per step; about 1.4 s at 48 kHz, small enough for smooth progress.
    static let chunkFrames = 65_536

    public var options: IngestOptions

    public init(options: IngestOptions = .init()) {
        self.options = options
    }

    /// Ingests a file from disk: WAV directly, anything else through ffmpeg.
    public func ingest(file url: URL, progress: (@Sendable (IngestProgress) -> Void)? = nil) throws(IngestError) -> IngestResult {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw .fileNotFound(path: path) }
        prepareScratch()
        let file = try ReadOnlyFile(url)
        guard file.size > 0 else { throw .emptyInput }
        guard file.size <= options.limits.maxInputBytes else { throw .inputTooLarge(bytes: file.size, limit: options.limits.maxInputBytes) }
        let kind = ContainerKind.sniff(file.read(at: 0, count: 12))
        let wav = try options.ffmpeg.wavFile(
            of: url, kind: kind, maxSeconds: options.limits.maxDurationSeconds, scratch: options.scratchDirectory)
        return try ingest(wav: wav, container: kind, progress: progress)
    }

    /// Ingests a recording held in memory (the TTS hook's output, an upload).
    public func ingest(data: Data, progress: (@Sendable (IngestProgress) -> Void)? = nil) throws(IngestError) -> IngestResult {
        guard !data.isEmpty else { throw .emptyInput }
        guard data.count <= options.limits.maxInputBytes else { throw .inputTooLarge(bytes: data.count, limit: options.limits.maxInputBytes) }
        prepareScratch()
        let kind = ContainerKind.sniff(data)
        if kind == .wav {
            return try ingest(wav: WAVFile(data: data), container: .wav, progress: progress)
        }
        let temp = options.scratchDirectory.appendingPathComponent("commcast-ingest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temp) }
        do { try data.write(to: temp) } catch {
            throw .scratchFailed(directory: options.scratchDirectory.path, reason: (error as NSError).localizedDescription)
        }
        return try ingest(file: temp, progress: progress)
    }

    /// Makes the scratch directory if it is missing (the daemon's is cleared at
    /// start); one that cannot be made is named by the first file that cannot be
    /// created in it (`scratchFailed`).
    func prepareScratch() {
        try? FileManager.default.createDirectory(at: options.scratchDirectory, withIntermediateDirectories: true)
    }

    /// The common path once there is PCM to read.
    func ingest(wav: WAVFile, container: ContainerKind, progress: (@Sendable (IngestProgress) -> Void)?) throws(IngestError) -> IngestResult {
        guard wav.duration <= options.limits.maxDurationSeconds else {
            throw .tooLong(seconds: wav.duration, limit: options.limits.maxDurationSeconds)
        }
        let rate = EncoderSettings.sampleRate
        let resampler = try Resampler(inputRate: wav.sampleRate, outputRate: rate)
        let meter = try LoudnessMeter(sampleRate: rate)

        // Pass 1: the 48 kHz mono signal and its true peaks, to scratch files.
        let signal = try SampleFile(in: options.scratchDirectory)
        let truePeaks = try SampleFile(in: options.scratchDirectory)
        var scanner = TruePeakScanner()
        var peaks: [Float] = []
        func keep(_ block: [Float]) throws(IngestError) {
            try meter.add(block)
            try signal.append(block)
            peaks.removeAll(keepingCapacity: true)
            scanner.process(block, into: &peaks)
            try truePeaks.append(peaks)
        }
        var peak: Float = 0
        var frame = 0
        while frame < wav.frameCount {
            let mono = wav.monoSamples(from: frame, count: Self.chunkFrames)
            frame += mono.count
            try keep(try resampler.process(mono))
            for s in mono { peak = max(peak, abs(s)) }
            progress?(IngestProgress(stage: .analysing, fraction: Double(frame) / Double(wav.frameCount)))
        }
        try keep(try resampler.flush())
        peaks.removeAll()
        scanner.finish(into: &peaks)
        try truePeaks.append(peaks)
        guard peak > 0 else { throw .silent }

        let lufs = meter.integratedLoudness()
        let truePeak = meter.truePeakDBTP()
        let measured: Double? = lufs.isFinite && lufs > -70 ? lufs : nil
        let setter = LevelSetter(
            target: options.loudness, measuredLUFS: measured, signal: signal, truePeaks: truePeaks,
            encoder: options.encoder, metadata: options.metadata, scratch: options.scratchDirectory)
        let level = try setter.level(progress: progress.map { report in { report(IngestProgress(stage: .encoding, fraction: $0)) } })
        return IngestResult(
            encoded: level.encoded,
            duration: Double(signal.count) / Double(rate),
            sourceContainer: container,
            sourceSampleRate: wav.sampleRate,
            sourceChannels: wav.channels,
            measuredLUFS: measured,
            measuredTruePeakDBTP: truePeak,
            appliedGainDB: level.gainDB,
            limiter: level.reduction,
            outputLUFS: level.outputLUFS,
            outputTruePeakDBTP: level.outputTruePeakDBTP,
            target: options.loudness,
            meetsTarget: options.loudness.accepts(lufs: level.outputLUFS, truePeakDBTP: level.outputTruePeakDBTP, tolerance: 1)
        )
    }
}
