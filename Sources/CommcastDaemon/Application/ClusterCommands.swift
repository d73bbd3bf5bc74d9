import CommcastControlAPI
import CommcastCore
import CommcastLink
import CommcastLinkServer
import CommcastStore
import Foundation

/// Commands to a connected cluster (`commcast cluster stop|volume|resync|test-tone`):
/// checked, sent, answered by the cluster or timed out, and audited either way.
public struct ClusterCommands: Sendable {
    let database: CommcastDatabase
    let scope: OperatorScope
    let registry: LinkRegistry
    let planStored: ScheduleTrigger
    /// How long a command waits for the cluster's `command_result`.
    let timeout: Duration
    let now: @Sendable () -> Date

    /// - Parameter planStored: fired after a resync so the cluster is sent its schedule again.
    public init(
        database: CommcastDatabase, scope: OperatorScope, registry: LinkRegistry, planStored: ScheduleTrigger,
        timeout: Duration = .seconds(10), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.scope = scope
        self.registry = registry
        self.planStored = planStored
        self.timeout = timeout
        self.now = now
    }

    /// Sends the command to a cluster of the operator's and waits for its answer.
    public func send(_ request: ClusterCommandRequest, to id: String, by op: Operator, actor: Actor) async throws -> ClusterCommandResult {
        _ = try scope.cluster(id, for: op)
        let message = try Self.message(for: request)
        if message.command == .resync { registry.forgetSchedule(id) }
        let outcome = await registry.command(id, message, timeout: timeout)
        var details = ["command": request.command, "outcome": Self.describe(outcome)]
        if let v = message.volume { details["volume"] = "\(v)" }
        if let s = message.seconds { details["seconds"] = "\(s)" }
        try database.audit(actor, action: "cluster.command", target: id, details: details, at: now())
        switch outcome {
        case .answered(let r):
            if message.command == .resync { planStored.fire() }
            return ClusterCommandResult(clusterId: id, command: request.command, ok: r.ok, error: r.error)
        case .notConnected:
            throw Refusal(.conflict, code: "not_connected", "cluster \(id) is not connected; commands reach only online clusters")
        case .noAnswer:
            throw Refusal(.unavailable, code: "no_answer", "cluster \(id) did not answer within \(timeout.components.seconds) s")
        }
    }

    /// The protocol message for a request, refusing what a cluster would refuse.
    static func message(for request: ClusterCommandRequest) throws -> CommandMessage {
        guard let command = CommandMessage.Command(rawValue: request.command) else {
            throw Refusal.invalid("command: got \"\(request.command)\", expected stop, set_volume, resync or test_tone")
        }
        let id = UUID().uuidString.lowercased()
        switch command {
        case .setVolume:
            guard let v = request.volume, (0...100).contains(v) else {
                throw Refusal.invalid("volume: got \(request.volume.map(String.init) ?? "nothing"), expected 0 to 100")
            }
            return CommandMessage(commandID: id, command: command, volume: v)
        case .testTone:
            let seconds = request.seconds ?? 5
            guard (1...30).contains(seconds) else { throw Refusal.invalid("seconds: got \(seconds), expected 1 to 30") }
            return CommandMessage(commandID: id, command: command, seconds: seconds)
        case .stop, .resync:
            return CommandMessage(commandID: id, command: command)
        }
    }

    static func describe(_ outcome: LinkRegistry.CommandOutcome) -> String {
        switch outcome {
        case .answered(let r): r.ok ? "done" : "refused: \(r.error ?? "no reason given")"
        case .notConnected: "not connected"
        case .noAnswer: "no answer"
        }
    }
}
