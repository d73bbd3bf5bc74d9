import ArgumentParser
import CommcastControlAPI
import Foundation

/// Commands sent over the link to one connected cluster (docs/protocol.md, `command`).
/// Each waits for the cluster's answer and fails when it refuses or cannot be reached.
extension ClusterCommand {
    struct Stop: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop what a cluster is playing now.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func execute(_ client: ControlClient) async throws {
            try await ClusterCommand.run(ClusterCommandRequest(command: "stop"), on: id, client, json: global.json, done: "stopped")
        }
    }

    struct Volume: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "volume", abstract: "Set a cluster's output volume (0–100); it keeps it across restarts.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        @Argument(help: "Volume (expected a whole number, 0 to 100).") var volume: Int

        func execute(_ client: ControlClient) async throws {
            try await ClusterCommand.run(
                ClusterCommandRequest(command: "set_volume", volume: volume), on: id, client, json: global.json,
                done: "volume set to \(volume)")
        }
    }

    struct Resync: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "resync",
            abstract: "Send a cluster its whole schedule again; it re-checks its cache and fetches what is missing.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func execute(_ client: ControlClient) async throws {
            try await ClusterCommand.run(ClusterCommandRequest(command: "resync"), on: id, client, json: global.json, done: "re-synchronised")
        }
    }

    struct TestTone: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-tone", abstract: "Play a 1 kHz tone on a cluster at its current volume (refused while an airing plays).")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        @Option(help: "Seconds, 1 to 30.") var seconds: Int = 5

        func execute(_ client: ControlClient) async throws {
            try await ClusterCommand.run(
                ClusterCommandRequest(command: "test_tone", seconds: seconds), on: id, client, json: global.json,
                done: "playing a test tone for \(seconds) s")
        }
    }

    static func run(_ request: ClusterCommandRequest, on id: String, _ client: ControlClient, json: Bool, done: String) async throws {
        let result = try await client.send(.POST, "/clusters/\(id)/command", json: request, as: ClusterCommandResult.self)
        if json { try printJSON(result) }
        guard result.ok else {
            throw fail("cluster \(id) refused \(request.command): \(result.error ?? "no reason given")", ExitCodes.unavailable)
        }
        if !json { print("\(id): \(done)") }
    }
}
