import Foundation

/// Reads a configuration file in a child process before the running daemon does.
///
/// The TOML parser inside TOMLKit (toml++) aborts the process on some malformed files
/// — an assertion, not an error: `x = [ }`, for one, found by fuzzing. `ConfigurationLoader`
/// refuses the kinds it can see coming, but a reload must never end a running station,
/// whatever the file holds; so `commcastd --check-config FILE` reads it first, and a child
/// that dies of a signal stops the reload with the reason.
public struct ConfigurationPreflight: Sendable {
    /// The program and the arguments before the file: by default this very executable with `--check-config`.
    let command: [String]

    public init(command: [String] = ["/proc/self/exe", "--check-config"]) {
        self.command = command
    }

    /// Why the file must not be read in this process, or nil when a child read it and lived.
    public func refusal(for path: String) -> String? {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: command[0])
        child.arguments = Array(command.dropFirst()) + [path]
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        do {
            try child.run()
        } catch {
            return nil  // No child to ask: the loader's own checks still stand.
        }
        child.waitUntilExit()
        guard child.terminationReason == .uncaughtSignal else { return nil }
        return
            "\(path): the TOML parser crashed on this file (signal \(child.terminationStatus)) when a child process read it; "
            + "look for a typo in brackets or quotes (commcastd --check-config \(path))"
    }
}
