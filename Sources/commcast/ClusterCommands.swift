import ArgumentParser
import CommcastControlAPI
import CommcastCore
import Foundation

/// `commcast cluster …`: loudspeaker clusters.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Manage loudspeaker clusters.",
        subcommands: [Add.self, List.self, Show.self, Move.self, Remove.self, Import.self, Export.self])

    struct Add: DaemonCommand {
        static let configuration = CommandConfiguration(abstract: "Add a cluster to a zone.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Cluster id, e.g. tp-001.") var id: String
        @Option(help: "Name shown to operators.") var name: String
        @Option(help: "Zone path.") var zone: String
        @Option(help: "Latitude.") var lat: Double?
        @Option(help: "Longitude.") var lon: Double?
        @Option(name: .customLong("tag"), help: "A tag (repeatable).") var tags: [String] = []

        func execute(_ client: ControlClient) async throws {
            let cluster = Cluster(id: id, name: name, zonePath: zone, latitude: lat, longitude: lon, tags: tags)
            let added = try await client.send(.POST, "/clusters", json: cluster, as: Cluster.self)
            if global.json { try printJSON(added) } else { print("added cluster \(added.id) in \(added.zonePath)") }
        }
    }

    struct List: DaemonCommand {
        static let configuration = CommandConfiguration(abstract: "List clusters.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only clusters in this zone and below.") var zone: String?

        func execute(_ client: ControlClient) async throws {
            let clusters = try await client.get("/clusters", query: ["zone": zone], as: [Cluster].self)
            if global.json { try printJSON(clusters); return }
            var table = TextTable(headers: ["ID", "NAME", "ZONE", "TAGS"])
            for c in clusters { table.add([c.id, c.name, c.zonePath, c.tags.joined(separator: ",")]) }
            print(table.render())
            print("\(clusters.count) cluster(s)")
        }
    }

    struct Show: DaemonCommand {
        static let configuration = CommandConfiguration(abstract: "Show one cluster.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func execute(_ client: ControlClient) async throws {
            let c = try await client.get("/clusters/\(id)", as: Cluster.self)
            if global.json { try printJSON(c); return }
            print("id        \(c.id)\nname      \(c.name)\nzone      \(c.zonePath)")
            print("position  \(c.latitude.map { "\($0)" } ?? "-"), \(c.longitude.map { "\($0)" } ?? "-")\ntags      \(c.tags.joined(separator: ", "))")
        }
    }

    struct Move: DaemonCommand {
        static let configuration = CommandConfiguration(abstract: "Move a cluster to another zone.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        @Argument(help: "Destination zone path.") var zone: String

        func execute(_ client: ControlClient) async throws {
            let c = try await client.send(.PUT, "/clusters/\(id)/zone", json: MoveClusterRequest(zone: zone), as: Cluster.self)
            if global.json { try printJSON(c) } else { print("moved \(c.id) to \(c.zonePath)") }
        }
    }

    struct Remove: DaemonCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a cluster with no airing history.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func execute(_ client: ControlClient) async throws {
            _ = try await client.send(.DELETE, "/clusters/\(id)")
            if !global.json { print("removed cluster \(id)") }
        }
    }

    struct Import: DaemonCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import clusters from CSV (id,name,zone,latitude,longitude,tags); all rows or none.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "CSV file, or - for stdin.") var file: String
        @Flag(help: "Create zones named in the file that do not exist yet.") var createZones = false

        func execute(_ client: ControlClient) async throws {
            let data: Data
            do {
                data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw fail("cannot read \(file): \((error as NSError).localizedDescription)", ExitCodes.noInput)
            }
            let reply = try await client.send(.POST, "/clusters/import", query: ["create_zones": createZones ? "true" : nil],
                                              body: data, contentType: "text/csv")
            let count = try client.decode(reply, as: CountResponse.self)
            if global.json { try printJSON(count) } else { print("imported \(count.count) cluster(s)") }
        }
    }

    struct Export: DaemonCommand {
        static let configuration = CommandConfiguration(abstract: "Export clusters as CSV.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only clusters in this zone and below.") var zone: String?
        @Option(name: .shortAndLong, help: "Write to this file instead of stdout.") var output: String?

        func execute(_ client: ControlClient) async throws {
            let reply = try await client.send(.GET, "/clusters/export", query: ["zone": zone])
            if let output {
                do { try reply.body.write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                    throw fail("cannot write \(output): \((error as NSError).localizedDescription)", ExitCodes.cannotCreate)
                }
            } else {
                FileHandle.standardOutput.write(reply.body)
            }
        }
    }
}
