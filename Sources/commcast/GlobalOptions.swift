import ArgumentParser
import CommcastControlAPI
import Foundation
import Synchronization

/// Options every daemon-facing command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Control socket of commcastd.", valueName: "path"))
    var socket: String = ProcessInfo.processInfo.environment[ControlAPI.socketEnvironmentVariable] ?? ControlAPI.defaultSocketPath

    @Option(
        name: .long, help: ArgumentHelp("Operator API token (default: $COMMCAST_TOKEN); locally your Unix user identifies you.", valueName: "token"))
    var token: String = ProcessInfo.processInfo.environment["COMMCAST_TOKEN"] ?? ""

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The station's web console, https://HOST:PORT (default: $COMMCAST_URL), instead of the socket; needs --token.",
            valueName: "url"))
    var url: String = ProcessInfo.processInfo.environment["COMMCAST_URL"] ?? ""

    @Option(
        name: .long, help: ArgumentHelp("With --url: trust this PEM certificate (the station's own, if self-signed).", valueName: "file"))
    var ca: String = ProcessInfo.processInfo.environment["COMMCAST_CA"] ?? ""

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    var client: ControlClient {
        ControlClient(socketPath: socket, token: token, baseURL: url.isEmpty ? nil : url, trustedCertificate: ca.isEmpty ? nil : ca)
    }
}

/// The station's time zone, as the daemon's last reply named it: `--json` writes
/// times in it (RFC 3339 with the station's offset, "2026-12-03T06:00:00+07:00"),
/// as an operator reads them in the tables. UTC until the daemon has answered.
enum StationZone {
    static let current = Mutex<TimeZone>(TimeZone(identifier: "UTC")!)
}

/// Prints a value as pretty, stable JSON.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    let style = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: StationZone.current.withLock { $0 })
    encoder.dateEncodingStrategy = .custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(date.formatted(style))
    }
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Reports a failure on stderr and exits with its code.
func fail(_ message: String, _ code: ExitCode) -> ExitCode {
    FileHandle.standardError.write(Data("commcast: \(message)\n".utf8))
    return code
}

/// Says something the operator should know on stderr, without failing.
func warn(_ message: String) {
    FileHandle.standardError.write(Data("commcast: warning: \(message)\n".utf8))
}
