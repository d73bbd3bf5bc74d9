import Foundation

/// Turns formats commcast does not parse itself (MP3, M4A/AAC, Ogg, FLAC) into a
/// float WAV by running `ffmpeg`, which decodes them far better than we could.
///
/// The channels and rate are left as they are: downmix, resampling and loudness
/// stay in our own pipeline so that every input takes the same path.
public struct FFmpegTranscoder: Sendable {
    /// The `ffmpeg` executable: a bare name is looked up in `PATH`.
    public var executable: String

    public init(executable: String = "ffmpeg") {
        self.executable = executable
    }

    /// The resolved path of the executable, or nil when it is not installed.
    public func resolvedPath() -> String? {
        if executable.contains("/") {
            return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The PCM of a file whose bytes are `data`: a WAV as it is, anything else decoded
    /// by ffmpeg (at most `maxSeconds`).
    public func wavFile(_ data: Data, of input: URL, maxSeconds: Double) throws(IngestError) -> WAVFile {
        let kind = ContainerKind.sniff(data)
        if kind == .wav { return try WAVFile(data: data) }
        return try WAVFile(data: transcodeToWAV(input: input, kind: kind, maxSeconds: maxSeconds))
    }

    /// The PCM of the file at `input`, read from disk as it is asked for: a WAV as
    /// it is, anything else decoded by ffmpeg into a WAV in `scratch` first (at most
    /// `maxSeconds`), which is unlinked at once and read through its open descriptor.
    public func wavFile(of input: URL, kind: ContainerKind, maxSeconds: Double, scratch: URL) throws(IngestError) -> WAVFile {
        if kind == .wav { return try WAVFile(file: input) }
        let output = scratch.appendingPathComponent("commcast-ffmpeg-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: output) }
        try transcode(input: input, kind: kind, maxSeconds: maxSeconds, to: output)
        return try WAVFile(file: output)
    }

    /// Decodes `input` into a 32-bit float WAV, at most `maxSeconds` long (plus one
    /// second, so the caller can tell that the limit was crossed).
    public func transcodeToWAV(input: URL, kind: ContainerKind, maxSeconds: Double) throws(IngestError) -> Data {
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("commcast-ffmpeg-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: output) }
        try transcode(input: input, kind: kind, maxSeconds: maxSeconds, to: output)
        do {
            return try Data(contentsOf: output, options: .alwaysMapped)
        } catch {
            throw .ffmpegFailed(format: kind.rawValue, status: 0, stderr: "no output produced")
        }
    }

    /// Runs ffmpeg from `input` to a float WAV at `output`.
    func transcode(input: URL, kind: ContainerKind, maxSeconds: Double, to output: URL) throws(IngestError) {
        guard let ffmpeg = resolvedPath() else {
            throw .ffmpegMissing(format: kind.rawValue, ffmpegPath: executable)
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = [
            "-nostdin", "-hide_banner", "-v", "error", "-y",
            "-i", input.path, "-map", "0:a:0", "-vn",
            "-t", String(Int(maxSeconds.rounded(.up)) + 1),
            "-c:a", "pcm_f32le", "-f", "wav", output.path,
        ]
        let stderrPipe = Pipe()
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .ffmpegMissing(format: kind.rawValue, ffmpegPath: ffmpeg)
        }
        // Read before waiting: a chatty ffmpeg would otherwise block on a full pipe.
        let stderrData = stderrPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = String(decoding: stderrData, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw .ffmpegFailed(format: kind.rawValue, status: process.terminationStatus, stderr: stderr)
        }
        guard FileManager.default.fileExists(atPath: output.path) else {
            throw .ffmpegFailed(format: kind.rawValue, status: 0, stderr: "no output produced")
        }
    }
}
