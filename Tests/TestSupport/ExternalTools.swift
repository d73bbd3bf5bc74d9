import Foundation

/// Runs real programs (opusinfo, ffmpeg, sox, espeak-ng, the commcast binaries)
/// with a deadline, capturing their output.
public enum ExternalTools {
    /// A finished process.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Thrown when a process outlives its deadline (it is killed).
    public struct Timeout: Error, CustomStringConvertible {
        public var command: String
        public var description: String { "timed out: \(command)" }
    }

    /// The absolute path of `name` on PATH, or nil.
    public static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs `executable` (a path or a name on PATH) and waits at most `timeout`.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        stdin: Data? = nil, timeout: Duration = .seconds(120)
    ) throws -> Result {
        let process = Process()
        let path = executable.contains("/") ? executable : (which(executable) ?? executable)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
        }
        // Drain both pipes concurrently so neither fills and blocks the child.
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            outData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        if group.wait(timeout: .now() + seconds) == .timedOut {
            process.terminate()
            throw Timeout(command: ([path] + arguments).joined(separator: " "))
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    /// `run`, awaited without holding a cooperative thread: on a 2-core machine a test
    /// blocked for a minute on a child process would starve the async tests beside it.
    public static func runDetached(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        timeout: Duration = .seconds(120)
    ) async throws -> Result {
        try await offCooperativePool { try run(executable, arguments, environment: environment, timeout: timeout) }
    }

    /// Runs blocking work on a Dispatch thread and awaits it.
    public static func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Swift.Result { try work() }) }
        }
    }

    /// Decodes any audio file to 48 kHz mono float with sox (an implementation
    /// independent of commcast's), for reference signals.
    public static func soxMono48k(_ file: URL) throws -> [Float] {
        let r = try run("sox", [file.path, "-t", "f32", "-r", "48000", "-c", "1", "-"])
        guard r.status == 0 else { throw Failure("sox failed: \(r.stderr)") }
        return r.stdout.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// Decodes with ffmpeg to 48 kHz mono float.
    public static func ffmpegMono48k(_ file: URL) throws -> [Float] {
        let r = try run("ffmpeg", ["-nostdin", "-v", "error", "-i", file.path, "-f", "f32le", "-ac", "1", "-ar", "48000", "-"])
        guard r.status == 0 else { throw Failure("ffmpeg failed: \(r.stderr)") }
        return r.stdout.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// A plain error with a message.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}

extension ExternalTools {
    /// A self-signed certificate for `localhost` (and 127.0.0.1), made with openssl for
    /// one test: `NAME.pem` and `NAME.key` in `dir`. A station is reached by name, since
    /// TLS's SNI cannot carry an IP address. Returns the `tls_certificate`/`tls_key`
    /// lines of a configuration section.
    public static func selfSignedCertificate(in dir: TemporaryDirectory, name: String) throws -> String {
        let (pem, key) = (dir.file("\(name).pem").path, dir.file("\(name).key").path)
        let made = try run(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", pem,
            ])
        guard made.status == 0 else { throw Failure("openssl: \(made.stderr)") }
        return "tls_certificate = \"\(pem)\"\ntls_key = \"\(key)\""
    }
}
