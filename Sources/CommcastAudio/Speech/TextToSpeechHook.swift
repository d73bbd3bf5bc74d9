import CommcastCore
import Crypto
import Foundation
import Logging

/// Runs the configured text-to-speech command and returns WAV bytes.
///
/// Contract (docs/tts-hook.md): the text arrives on stdin as UTF-8; the voice and
/// rate come as `{voice}`/`{rate}` in the arguments and as `COMMCAST_TTS_VOICE` /
/// `COMMCAST_TTS_RATE` in the environment; the hook writes a WAV file to the path
/// in `{output}` / `COMMCAST_TTS_OUTPUT`, or to stdout when it leaves that file empty.
/// A non-zero exit or no WAV is a failure whose message includes the hook's stderr.
public struct TextToSpeechHook: Sendable {
    /// Everything that configures the hook.
    public struct Configuration: Sendable, Equatable {
        /// Executable and arguments; `{voice}`, `{rate}` and `{output}` are substituted.
        public var command: [String]
        public var voice: String
        /// Speaking rate, words per minute for espeak-ng (an HTTP hook maps it as it likes).
        public var rate: Int
        /// Longest a hook may run.
        public var timeout: Duration
        /// Longest accepted text, in characters.
        public var maxCharacters: Int
        /// Where synthesised WAVs are cached; nil disables the cache.
        public var cacheDirectory: URL?

        public init(
            command: [String] = Self.espeakCommand, voice: String = "vi-vn-x-south", rate: Int = 150,
            timeout: Duration = .seconds(120), maxCharacters: Int = 20_000, cacheDirectory: URL? = nil
        ) {
            self.command = command
            self.voice = voice
            self.rate = rate
            self.timeout = timeout
            self.maxCharacters = maxCharacters
            self.cacheDirectory = cacheDirectory
        }

        /// The default: espeak-ng reading stdin and writing the output file.
        public static let espeakCommand = ["espeak-ng", "-v", "{voice}", "-s", "{rate}", "--stdin", "-w", "{output}"]
    }

    /// Why synthesis failed.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case emptyText
        case textTooLong(characters: Int, limit: Int)
        case notFound(command: String)
        case timedOut(seconds: Int, stderr: String)
        case failed(status: Int32, stderr: String)
        case noAudio(stderr: String)

        public var description: String {
            switch self {
            case .emptyText: "text is empty; expected something to read"
            case .textTooLong(let n, let limit): "text is \(n) characters, over the limit of \(limit) (tts.max_characters)"
            case .notFound(let c): "text-to-speech command '\(c)' was not found (tts.command); the default needs 'apt-get install espeak-ng'"
            case .timedOut(let s, let err): "text-to-speech hook did not finish within \(s) s (tts.timeout_seconds)\(Self.tail(err))"
            case .failed(let status, let err): "text-to-speech hook failed with exit status \(status)\(Self.tail(err))"
            case .noAudio(let err): "text-to-speech hook produced no WAV audio\(Self.tail(err))"
            }
        }

        static func tail(_ stderr: String) -> String {
            let t = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? "" : ": " + String(t.suffix(500))
        }
    }

    public var configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Cache key: sha256 of (normalised text, voice, rate, command).
    public func cacheKey(for text: String) -> String {
        let material = [text, configuration.voice, String(configuration.rate), configuration.command.joined(separator: "\u{1F}")]
            .joined(separator: "\u{1E}")
        return SHA256.hash(data: Data(material.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Synthesises already-normalised text to WAV bytes, from the cache when it can.
    /// `progress` receives elapsed seconds while the hook runs (once a second).
    public func synthesize(_ text: String, logger: Logger, progress: (@Sendable (Double) -> Void)? = nil) throws(Failure) -> Data {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .emptyText }
        guard trimmed.count <= configuration.maxCharacters else { throw .textTooLong(characters: trimmed.count, limit: configuration.maxCharacters) }
        let key = cacheKey(for: trimmed)
        let cached = configuration.cacheDirectory?.appendingPathComponent("\(key).wav")
        if let cached, let data = try? Data(contentsOf: cached), WAVFile.looksLikeWAV(data) {
            logger.debug("tts cache hit", metadata: ["key": "\(key)"])
            return data
        }
        let data = try run(trimmed, logger: logger, progress: progress)
        if let cached, let dir = configuration.cacheDirectory {
            try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let temp = dir.appendingPathComponent(".\(key).\(UUID().uuidString).tmp")
            if (try? data.write(to: temp)) != nil { _ = rename(temp.path, cached.path) }
        }
        return data
    }

    func run(_ text: String, logger: Logger, progress: (@Sendable (Double) -> Void)?) throws(Failure) -> Data {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("commcast-tts-\(UUID().uuidString).wav")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let substitutions = ["{voice}": configuration.voice, "{rate}": String(configuration.rate), "{output}": output.path]
        let argv = configuration.command.map { arg in substitutions.reduce(arg) { $0.replacingOccurrences(of: $1.key, with: $1.value) } }
        guard let executable = argv.first, let path = Self.resolve(executable) else {
            throw .notFound(command: configuration.command.first ?? "")
        }
        let process = Process()
        // Foundation starts the child as leader of its own process group, so a timeout
        // can kill the hook and everything it started (a shell's children would
        // otherwise keep the pipes open).
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(argv.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env["COMMCAST_TTS_VOICE"] = configuration.voice
        env["COMMCAST_TTS_RATE"] = String(configuration.rate)
        env["COMMCAST_TTS_OUTPUT"] = output.path
        process.environment = env
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch { throw .notFound(command: executable) }
        logger.info("tts hook started", metadata: ["pid": "\(process.processIdentifier)", "characters": "\(text.count)"])

        // Feed stdin and drain both outputs on their own threads so no pipe can fill and stall the hook.
        let box = OutputBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            try? stdin.fileHandleForWriting.write(contentsOf: Data(text.utf8))
            try? stdin.fileHandleForWriting.close()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            box.setOut(stdout.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            box.setErr(stderr.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }

        let started = ContinuousClock.now
        var timedOut = false
        while group.wait(timeout: .now() + 1) == .timedOut {
            let elapsed = ContinuousClock.now - started
            progress?(Double(elapsed.components.seconds))
            if elapsed > configuration.timeout {
                timedOut = true
                kill(-process.processIdentifier, SIGKILL)
                kill(process.processIdentifier, SIGKILL)
                _ = group.wait(timeout: .now() + 5)
                break
            }
        }
        process.waitUntilExit()
        let err = String(decoding: box.err, as: UTF8.self)
        if timedOut { throw .timedOut(seconds: Int(configuration.timeout.components.seconds), stderr: err) }
        guard process.terminationStatus == 0 else { throw .failed(status: process.terminationStatus, stderr: err) }
        if let file = try? Data(contentsOf: output), !file.isEmpty {
            guard WAVFile.looksLikeWAV(file) else { throw .noAudio(stderr: err) }
            return file
        }
        guard WAVFile.looksLikeWAV(box.out) else { throw .noAudio(stderr: err) }
        return box.out
    }

    static func resolve(_ executable: String) -> String? {
        FFmpegTranscoder(executable: executable).resolvedPath()
    }

    /// Collects process output from background readers.
    final class OutputBox: @unchecked Sendable {
        private let lock = NSLock()
        private var _out = Data(), _err = Data()
        var out: Data { lock.withLock { _out } }
        var err: Data { lock.withLock { _err } }
        func setOut(_ d: Data) { lock.withLock { _out = d } }
        func setErr(_ d: Data) { lock.withLock { _err = d } }
    }
}
