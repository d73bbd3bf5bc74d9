import ArgumentParser
import Foundation

/// A command that talks to the daemon: failures from the client become the CLI's
/// message and exit code in one place.
protocol DaemonCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    func execute(_ client: ControlClient) async throws
}

extension DaemonCommand {
    func run() async throws {
        do {
            try await execute(global.client)
        } catch let failure as ControlClient.Failure {
            throw fail(failure.message, ExitCode(failure.exitCode))
        }
    }
}
