import CommcastCore

/// Why an input could not become a bulletin. Every case names the problem and,
/// where there is one, the fix, because the operator reading it is not an audio engineer.
public enum IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case emptyInput
    case inputTooLarge(bytes: Int, limit: Int)
    case unsupportedFormat(detected: String)
    case ffmpegMissing(format: String, ffmpegPath: String)
    case ffmpegFailed(format: String, status: Int32, stderr: String)
    case malformedWAV(reason: String)
    case truncated(declaredBytes: Int, availableBytes: Int)
    case zeroChannels
    case tooManyChannels(Int)
    case unsupportedSampleRate(Int)
    case unsupportedSampleFormat(formatTag: Int, bitsPerSample: Int)
    case noAudio
    case tooLong(seconds: Double, limit: Double)
    case silent
    case invalidSettings([ValueError])
    case resamplerFailed(String)
    case loudnessMeterFailed(String)
    case encoderFailed(String)
    case decoderFailed(String)
    /// The ingest's working files could not be written or read (a full disk): the
    /// station's fault, not the recording's.
    case scratchFailed(directory: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "input file \(path) does not exist"
        case .unreadable(let path, let reason):
            return "cannot read input file \(path): \(reason)"
        case .scratchFailed(let directory, let reason):
            return
                "the station cannot keep its working files in \(directory): \(reason) (an hour of audio needs 1.4 to 4 GB there while it is ingested)"
        case .emptyInput:
            return "input is empty (0 bytes); expected a WAV, MP3 or M4A recording"
        case .inputTooLarge(let bytes, let limit):
            return "input is \(bytes) bytes, over the limit of \(limit) bytes (ingest.max_input_bytes)"
        case .unsupportedFormat(let detected):
            return "unsupported input format (\(detected)); expected WAV, or MP3/M4A/AAC/Ogg/FLAC through ffmpeg"
        case .ffmpegMissing(let format, let path):
            return
                "decoding \(format) needs ffmpeg, which was not found as '\(path)': install it with 'apt-get install ffmpeg' or set ingest.ffmpeg_path; WAV needs no ffmpeg"
        case .ffmpegFailed(let format, let status, let stderr):
            let detail = stderr.split(whereSeparator: \.isNewline).suffix(3).joined(separator: "; ")
            return
                "ffmpeg could not decode the \(format) input (exit \(status)): \(detail.isEmpty ? "no message" : detail); the file is corrupt or not audio; expected WAV, MP3, M4A/AAC, Ogg or FLAC audio"
        case .malformedWAV(let reason):
            return "malformed WAV: \(reason); expected a complete WAV file (is it cut short?)"
        case .truncated(let declared, let available):
            return "truncated WAV: the data chunk declares \(declared) bytes but only \(available) follow; re-copy the recording"
        case .zeroChannels:
            return "WAV header says 0 channels; expected 1 or more"
        case .tooManyChannels(let n):
            return "WAV header says \(n) channels; expected 1 to \(IngestLimits.maxChannels)"
        case .unsupportedSampleRate(let rate):
            return "sample rate \(rate) Hz is outside \(IngestLimits.sampleRateRange.lowerBound)–\(IngestLimits.sampleRateRange.upperBound) Hz"
        case .unsupportedSampleFormat(let tag, let bits):
            return
                "WAV sample format tag \(tag) with \(bits) bits per sample is not supported; expected PCM 8/16/24/32-bit integer or 32/64-bit float"
        case .noAudio:
            return "input holds no audio samples"
        case .tooLong(let seconds, let limit):
            return "input is \(Int(seconds)) s long, over the limit of \(Int(limit)) s (ingest.max_duration_seconds)"
        case .silent:
            return "input is digital silence; nothing to air"
        case .invalidSettings(let problems):
            return "invalid encoder settings: " + problems.map(\.description).joined(separator: "; ")
        case .resamplerFailed(let m):
            return "resampler (libsoxr) failed: \(m)"
        case .loudnessMeterFailed(let m):
            return "loudness meter (libebur128) failed: \(m)"
        case .encoderFailed(let m):
            return "Opus encoder (libopusenc) failed: \(m)"
        case .decoderFailed(let m):
            return "Ogg Opus decoder (opusfile) failed: \(m)"
        }
    }
}
