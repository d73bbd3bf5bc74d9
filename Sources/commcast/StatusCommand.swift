import ArgumentParser
import CommcastControlAPI
import Foundation

/// `commcast status`: is the daemon up, and what does it hold.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the daemon's version, uptime, store and counts.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let status: StatusResponse
        do {
            status = try await global.client.get("/status", as: StatusResponse.self)
        } catch let failure as ControlClient.Failure {
            throw fail(failure.message, ExitCode(failure.exitCode))
        }
        if global.json {
            try printJSON(status)
            return
        }
        let c = status.counts
        let rows: [(String, String)] = [
            ("daemon", "commcastd \(status.version)"),
            ("uptime", Self.formatDuration(status.uptimeSeconds)),
            ("store", status.storePath),
            ("media", status.mediaPath),
            ("zones", "\(c.zones)"),
            ("clusters", "\(c.clusters)"),
            ("operators", "\(c.operators)"),
            ("bulletins", "\(c.bulletins)"),
            ("media files", "\(c.media)"),
            ("airings", "\(c.airings)"),
            ("reports pending", "\(c.outboxPending)"),
            ("cluster link", status.linkAddress.map { "\($0), \(status.clustersConnected ?? 0) connected" } ?? "not listening"),
            ("metrics", status.metricsAddress.map { "http://\($0)/metrics" } ?? "off"),
            ("receipts rejected", status.receiptsRejected.map { $0 == 0 ? "none" : "\($0) since start (the daemon's log says why)" } ?? "-"),
            ("you are", status.caller.map { "\($0.userName ?? "uid \($0.uid)") (uid \($0.uid), pid \($0.pid))" } ?? "unknown"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        for (key, value) in rows {
            print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
    }

    static func formatDuration(_ seconds: Double) -> String {
        let s = Int(seconds)
        let (d, h, m, sec) = (s / 86400, s % 86400 / 3600, s % 3600 / 60, s % 60)
        if d > 0 { return "\(d)d \(h)h \(m)m" }
        if h > 0 { return "\(h)h \(m)m \(sec)s" }
        if m > 0 { return "\(m)m \(sec)s" }
        return "\(sec)s"
    }
}
