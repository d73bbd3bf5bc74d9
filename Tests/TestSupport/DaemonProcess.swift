import Foundation

/// The real `commcastd` binary, started on a temporary state directory with a
/// notify socket, so tests wait on its own readiness message rather than sleeping.
public final class DaemonProcess: @unchecked Sendable {
    public let process = Process()
    public let notify: NotifySocketListener
    public let stderrFile: URL
    public let socketPath: String

    /// Starts `commcastd --config <config>`; `extraEnvironment` adds e.g. `WATCHDOG_USEC`.
    public init(
        config: URL, socketPath: String, directory: TemporaryDirectory,
        extraEnvironment: [String: String] = [:]
    ) throws {
        self.socketPath = socketPath
        notify = try NotifySocketListener(path: directory.file("notify-\(UUID().uuidString.prefix(6)).sock").path)
        stderrFile = directory.file("commcastd-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: try BuiltProducts.path("commcastd"))
        process.arguments = ["--config", config.path]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        env.removeValue(forKey: "JOURNAL_STREAM")
        env.removeValue(forKey: "STATE_DIRECTORY")
        env.removeValue(forKey: "RUNTIME_DIRECTORY")
        for (k, v) in extraEnvironment { env[k] = v }
        process.environment = env
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// What the daemon has logged so far.
    public var log: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    /// Sends a signal.
    public func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for exit up to `timeout`; returns the exit status, or nil if still running.
    public func waitForExit(timeout: Duration = .seconds(20)) -> Int32? {
        // Polling the process table: Foundation's Process has no awaitable exit.
        guard (try? blockingWaitFor("commcastd exits", deadline: timeout, every: .milliseconds(20)) { process.isRunning ? nil : true }) != nil else {
            return nil
        }
        return process.terminationStatus
    }

    /// Kills the daemon if a test left it running.
    public func stop() {
        if process.isRunning {
            process.terminate()
            _ = waitForExit(timeout: .seconds(10))
        }
    }
}
