import ArgumentParser
import CommcastControlAPI
import CommcastCore
import Foundation

/// `commcast zone …`: the zone tree.
struct ZoneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zone", abstract: "Manage the zone tree (province → commune → hamlet, any depth).",
        subcommands: [Add.self, List.self, Tree.self, Quiet.self, Remove.self])

    struct Add: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a zone, e.g. binh-phuoc/dong-xoai/tan-phu.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Zone path.") var path: String
        @Flag(help: "Create missing parent zones too.") var parents = false
        @Option(help: "Quiet hours for this zone, HH:MM-HH:MM or none (default: inherit).") var quiet: String?

        func execute(_ client: ControlClient) async throws {
            let zone = try await client.send(.POST, "/zones", json: AddZoneRequest(path: path, parents: parents, quietHours: quiet), as: Zone.self)
            if global.json { try printJSON(zone) } else { print("added zone \(zone.path)") }
        }
    }

    struct List: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List zones with their cluster counts and quiet hours.")
        @OptionGroup var global: GlobalOptions

        func execute(_ client: ControlClient) async throws {
            let zones = try await client.get("/zones", as: [Zone].self)
            if global.json {
                try printJSON(zones)
                return
            }
            var table = TextTable(headers: ["ZONE", "CLUSTERS", "QUIET HOURS"])
            for z in zones { table.add([z.path, "\(z.clusterCount)", z.quietHours.map(ZoneCommand.describe) ?? "inherit"]) }
            print(table.render())
        }
    }

    struct Tree: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "tree", abstract: "Show the zone tree.")
        @OptionGroup var global: GlobalOptions

        func execute(_ client: ControlClient) async throws {
            let zones = try await client.get("/zones", as: [Zone].self)
            if global.json {
                try printJSON(zones)
                return
            }
            let paths = Set(zones.map(\.path))
            for z in zones {
                // Indent by depth below the shallowest ancestor the caller can see.
                var depth = 0
                var parent = ZonePath.parent(of: z.path)
                while let p = parent {
                    if paths.contains(p) { depth += 1 }
                    parent = ZonePath.parent(of: p)
                }
                let quiet = z.quietHours.map { "  quiet \(ZoneCommand.describe($0))" } ?? ""
                print(String(repeating: "  ", count: depth) + (depth > 0 ? "└ " : "") + z.name + "  (\(z.clusterCount) clusters)" + quiet)
            }
        }
    }

    struct Quiet: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "quiet", abstract: "Set a zone's quiet hours: HH:MM-HH:MM, none, or inherit.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Zone path.") var path: String
        @Argument(help: "HH:MM-HH:MM, none, or inherit.") var hours: String

        func execute(_ client: ControlClient) async throws {
            let body = SetQuietHoursRequest(path: path, quietHours: hours == "inherit" ? nil : hours)
            let zone = try await client.send(.PUT, "/zones/quiet-hours", json: body, as: Zone.self)
            if global.json {
                try printJSON(zone)
            } else {
                print("quiet hours of \(zone.path): \(zone.quietHours.map(ZoneCommand.describe) ?? "inherit")")
            }
        }
    }

    struct Remove: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove an empty zone.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Zone path.") var path: String

        func execute(_ client: ControlClient) async throws {
            _ = try await client.send(.DELETE, "/zones", query: ["path": path])
            if !global.json { print("removed zone \(path)") }
        }
    }

    static func describe(_ q: QuietHours) -> String { q.start == q.end ? "none" : q.description }
}
