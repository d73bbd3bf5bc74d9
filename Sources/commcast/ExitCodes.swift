import ArgumentParser

/// Exit codes scripts can rely on, from sysexits(3).
enum ExitCodes {
    /// Everything worked.
    static let ok = ExitCode(0)
    /// The command line was wrong (ArgumentParser uses this for validation errors too).
    static let usage = ExitCode(64)
    /// The input data was wrong: a file that does not decode, a bad value.
    static let dataError = ExitCode(65)
    /// An input file does not exist or cannot be read.
    static let noInput = ExitCode(66)
    /// The daemon is not running (no socket, or nobody listening).
    static let unavailable = ExitCode(69)
    /// The daemon answered with an internal error.
    static let software = ExitCode(70)
    /// The output could not be written.
    static let cannotCreate = ExitCode(73)
    /// The socket or the daemon refused this user.
    static let noPermission = ExitCode(77)
}
