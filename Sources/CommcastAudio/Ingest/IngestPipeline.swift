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
    /// Gain applied before encoding, dB.
    public var appliedGainDB: Double
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

        // Pass 1: one 48 kHz mono buffer is the only whole-file allocation.
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
        let gainDB = options.loudness.gainDB(measuredLUFS: lufs, truePeakDBTP: truePeak) ?? 0

        // Pass 2: gain and encode in chunks.
        let encoder = try OggOpusEncoder(settings: options.encoder, metadata: options.metadata)
        let scale = Float(pow(10, gainDB / 20))
        var offset = 0
        while offset < signal.count {
            let end = min(offset + Self.chunkFrames, signal.count)
            var chunk = Array(signal[offset..<end])
            if scale != 1 { for i in chunk.indices { chunk[i] *= scale } }
            try encoder.write(chunk)
            offset = end
            progress?(IngestProgress(stage: .encoding, fraction: Double(offset) / Double(signal.count)))
        }
        let ogg = try encoder.finish()
        return IngestResult(
            oggOpus: ogg,
            duration: Double(signal.count) / Double(rate),
            sourceContainer: container,
            sourceSampleRate: wav.sampleRate,
            sourceChannels: wav.channels,
            measuredLUFS: lufs.isFinite && lufs > -70 ? lufs : nil,
            measuredTruePeakDBTP: truePeak,
            appliedGainDB: gainDB
        )
    }
}
