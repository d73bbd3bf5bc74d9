import ArgumentParser
import CommcastControlAPI
import Foundation

/// Options every daemon-facing command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Control socket of commcastd.", valueName: "path"))
    var socket: String = ProcessInfo.processInfo.environment[ControlAPI.socketEnvironmentVariable] ?? ControlAPI.defaultSocketPath

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    var client: ControlClient { ControlClient(socketPath: socket) }
}

/// Prints a value as pretty, stable JSON.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Reports a failure on stderr and exits with its code.
func fail(_ message: String, _ code: ExitCode) -> ExitCode {
    FileHandle.standardError.write(Data("commcast: \(message)\n".utf8))
    return code
}
