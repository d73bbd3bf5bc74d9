import ArgumentParser
import CommcastControlAPI
import Foundation

/// `commcast health`: per zone, how many clusters are online, degraded and silent,
/// and which ones are silent; the worst zones first.
struct HealthCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Summarise cluster health per zone, naming the silent clusters.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only clusters in this zone and below.") var zone: String?
    @Flag(help: "Also list zones where every cluster is online.") var all = false

    /// Silent ids shown per zone before "+N more"; the rest is in `cluster list --status offline`.
    static let silentShown = 8

    func execute(_ client: ControlClient) async throws {
        let summary = try await client.get("/health", query: ["zone": zone], as: HealthSummary.self)
        if global.json {
            try printJSON(summary)
            return
        }
        let shown = all ? summary.zones : summary.zones.filter { $0.online < $0.clusters }
        if !shown.isEmpty {
            var table = TextTable(headers: ["ZONE", "CLUSTERS", "ONLINE", "DEGRADED", "OFFLINE", "NEVER SEEN", "SILENT"])
            for z in shown {
                let more = z.silent.count > Self.silentShown ? " +\(z.silent.count - Self.silentShown) more" : ""
                table.add([
                    z.zone, "\(z.clusters)", "\(z.online)", "\(z.degraded)", "\(z.offline)", "\(z.neverSeen)",
                    z.silent.prefix(Self.silentShown).joined(separator: " ") + more,
                ])
            }
            print(table.render())
        }
        let t = summary.total
        let hidden = summary.zones.count - shown.count
        print(
            "\(t.clusters) cluster(s) in \(summary.zones.count) zone(s): \(t.online) online, \(t.degraded) degraded, "
                + "\(t.offline) offline, \(t.neverSeen) never seen"
                + (hidden > 0 ? "; \(hidden) zone(s) with every cluster online not shown (--all)" : ""))
    }
}
