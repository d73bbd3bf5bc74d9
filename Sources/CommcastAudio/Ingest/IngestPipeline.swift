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

    public init(
        encoder: EncoderSettings = .default, loudness: LoudnessTarget = .default,
        limits: IngestLimits = .default, ffmpeg: FFmpegTranscoder = .init(),
        metadata: OggOpusEncoder.Metadata = .init()
    ) {
        self.encoder = encoder
        self.loudness = loudness
        self.limits = limits
        self.ffmpeg = ffmpeg
        self.metadata = metadata
    }
}

/// What came out of ingest, with the measurements an operator may want to see.
public struct IngestResult: Sendable {
    /// The Ogg Opus file.
    public var oggOpus: Data
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
/// loudness-normalise → Opus encode once → Ogg Opus bytes.
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
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .fileNotFound(path: path) }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "it is a directory") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else { throw .emptyInput }
        guard size <= options.limits.maxInputBytes else { throw .inputTooLarge(bytes: size, limit: options.limits.maxInputBytes) }
        let data: Data
        do {
            // Mapped: a long WAV is read through the page cache, not copied onto the heap.
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        let wav = try options.ffmpeg.wavFile(data, of: url, maxSeconds: options.limits.maxDurationSeconds)
        return try ingest(wav: wav, container: ContainerKind.sniff(data), progress: progress)
    }

    /// Ingests a recording held in memory (the TTS hook's output, an upload).
    public func ingest(data: Data, progress: (@Sendable (IngestProgress) -> Void)? = nil) throws(IngestError) -> IngestResult {
        guard !data.isEmpty else { throw .emptyInput }
        guard data.count <= options.limits.maxInputBytes else { throw .inputTooLarge(bytes: data.count, limit: options.limits.maxInputBytes) }
        let kind = ContainerKind.sniff(data)
        if kind == .wav {
            return try ingest(wav: WAVFile(data: data), container: .wav, progress: progress)
        }
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("commcast-ingest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temp) }
        do { try data.write(to: temp) } catch { throw .unreadable(path: temp.path, reason: "\(error)") }
        return try ingest(file: temp, progress: progress)
    }

    /// The common path once there is PCM to read.
    func ingest(wav: WAVFile, container: ContainerKind, progress: (@Sendable (IngestProgress) -> Void)?) throws(IngestError) -> IngestResult {
        guard wav.duration <= options.limits.maxDurationSeconds else {
            throw .tooLong(seconds: wav.duration, limit: options.limits.maxDurationSeconds)
        }
        let rate = EncoderSettings.sampleRate
        let resampler = try Resampler(inputRate: wav.sampleRate, outputRate: rate)
        let meter = try LoudnessMeter(sampleRate: rate)

        // Pass 1: the 48 kHz mono signal, held whole (the leveller keeps a few more
        // whole-file buffers; docs/benchmarks.md gives the memory).
        var signal: [Float] = []
        signal.reserveCapacity(Int(wav.duration * Double(rate)) + 4096)
        var peak: Float = 0
        var frame = 0
        while frame < wav.frameCount {
            let mono = wav.monoSamples(from: frame, count: Self.chunkFrames)
            frame += mono.count
            let block = try resampler.process(mono)
            try meter.add(block)
            signal.append(contentsOf: block)
            for s in mono { peak = max(peak, abs(s)) }
            progress?(IngestProgress(stage: .analysing, fraction: Double(frame) / Double(wav.frameCount)))
        }
        let tail = try resampler.flush()
        try meter.add(tail)
        signal.append(contentsOf: tail)
        guard peak > 0 else { throw .silent }

        let lufs = meter.integratedLoudness()
        let truePeak = meter.truePeakDBTP()
        let measured: Double? = lufs.isFinite && lufs > -70 ? lufs : nil
        let level = try LevelSetter(target: options.loudness, signal: signal, measuredLUFS: measured).level {
            (gain, envelope, first) throws(IngestError) in
            // Progress for the first encode only: a bar that ran back for each try would mislead.
            try encode(signal, gain: gain, envelope: envelope, progress: first ? progress : nil)
        }
        return IngestResult(
            oggOpus: level.oggOpus,
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

    /// Encodes `signal · gain · envelope` in chunks.
    func encode(
        _ signal: [Float], gain: Float, envelope: [Float], progress: (@Sendable (IngestProgress) -> Void)?
    ) throws(IngestError) -> Data {
        let encoder = try OggOpusEncoder(settings: options.encoder, metadata: options.metadata)
        var offset = 0
        while offset < signal.count {
            let end = min(offset + Self.chunkFrames, signal.count)
            try encoder.write((offset..<end).map { signal[$0] * gain * envelope[$0] })
            offset = end
            progress?(IngestProgress(stage: .encoding, fraction: Double(offset) / Double(signal.count)))
        }
        return try encoder.finish()
    }
}
