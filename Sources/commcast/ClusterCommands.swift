import ArgumentParser
import CommcastControlAPI
import CommcastCore
import Foundation

/// `commcast cluster …`: loudspeaker clusters.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Manage loudspeaker clusters.",
        subcommands: [
            Add.self, List.self, Show.self, Move.self, Remove.self, Import.self, Export.self, RotateKey.self, Revoke.self,
            Stop.self, Volume.self, Resync.self, TestTone.self,
        ])

    struct Add: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a cluster to a zone.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Cluster id, e.g. tp-001.") var id: String
        @Option(help: "Name shown to operators.") var name: String
        @Option(help: "Zone path.") var zone: String
        @Option(help: "Latitude.") var lat: Double?
        @Option(help: "Longitude.") var lon: Double?
        @Option(name: .customLong("tag"), help: "A tag (repeatable).") var tags: [String] = []

        func execute(_ client: ControlClient) async throws {
            let cluster = Cluster(id: id, name: name, zonePath: zone, latitude: lat, longitude: lon, tags: tags)
            let added = try await client.send(.POST, "/clusters", json: cluster, as: AddedCluster.self)
            if global.json {
                try printJSON(added)
                return
            }
            print("added cluster \(added.cluster.id) in \(added.cluster.zonePath)")
            ClusterCommand.printCredential(added.credential)
        }
    }

    /// The credential is shown once: say so, and where it goes.
    static func printCredential(_ c: IssuedCredential) {
        print("credential for \(c.clusterId) (key \(c.fingerprint)); shown only now, put it in the cluster's configuration:")
        print(c.credential)
    }

    struct RotateKey: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key", abstract: "Issue a new link credential; the old one stops working at once.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func execute(_ client: ControlClient) async throws {
            let reply = try await client.send(.POST, "/clusters/\(id)/rotate-key")
            let issued = try client.decode(reply, as: IssuedCredential.self)
            if global.json { try printJSON(issued) } else { ClusterCommand.printCredential(issued) }
        }
    }

    struct Revoke: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Disable a cluster's credential and close its link, until rotate-key issues a new one.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func execute(_ client: ControlClient) async throws {
            _ = try await client.send(.POST, "/clusters/\(id)/revoke")
            if !global.json { print("revoked the credential of cluster \(id)") }
        }
    }

    struct List: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List clusters with their health, worst first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only clusters in this zone and below.") var zone: String?
        @Option(help: "Only these states, comma-separated: online, degraded, offline, never_seen.") var status: String?

        func execute(_ client: ControlClient) async throws {
            let reply = try await client.send(.GET, "/clusters/status", query: ["zone": zone, "status": status])
            let clusters = try client.decode(reply, as: [ClusterStatus].self)
            if global.json {
                try printJSON(clusters)
                return
            }
            let t = StationTime(zone: reply.timeZone)
            var table = TextTable(headers: ["ID", "NAME", "ZONE", "STATUS", "SINCE", "SIGNAL", "WHY"])
            for c in clusters {
                table.add([
                    c.cluster.id, c.cluster.name, c.cluster.zonePath, c.state.rawValue, c.stateSince.map(t.dateTime) ?? "-",
                    c.lastHeartbeat?.signalDbm.map { "\($0) dBm" } ?? "-", c.reasons.joined(separator: "; "),
                ])
            }
            print(table.render())
            print("\(clusters.count) cluster(s)")
        }
    }

    struct Show: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one cluster, its health and its recent history.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        @Option(help: "Hours of history to show.") var hours: Int = 6

        func execute(_ client: ControlClient) async throws {
            let reply = try await client.send(.GET, "/clusters/\(id)/health", query: ["hours": "\(hours)"])
            let detail = try client.decode(reply, as: ClusterHealthDetail.self)
            if global.json {
                try printJSON(detail)
                return
            }
            let t = StationTime(zone: reply.timeZone)
            let s = detail.status
            let c = s.cluster
            print("id        \(c.id)\nname      \(c.name)\nzone      \(c.zonePath)")
            print(
                "position  \(c.latitude.map { "\($0)" } ?? "-"), \(c.longitude.map { "\($0)" } ?? "-")\ntags      \(c.tags.joined(separator: ", "))")
            print(
                "status    \(s.state.rawValue)\(s.stateSince.map { " since \(t.dateTime($0))" } ?? "")\(s.reasons.isEmpty ? "" : ": " + s.reasons.joined(separator: "; "))"
            )
            if let since = s.linkSince { print("link      up since \(t.dateTime(since))") }
            if let h = s.lastHeartbeat {
                print(
                    "heartbeat \(t.dateTime(h.receivedAt)): \(h.activity.rawValue)\(h.playingAiringId.map { " airing \($0)" } ?? ""), "
                        + "volume \(h.volume), signal \(h.signalDbm.map { "\($0) dBm" } ?? "wired"), \(h.cached.count) media cached, "
                        + "uptime \(h.uptimeSeconds / 3600) h \(h.uptimeSeconds / 60 % 60) min, firmware \(h.firmware)")
            }
            print("\nlast \(detail.hours) h: \(detail.transitions.count) change(s) of state, \(detail.samples.count) sample(s)")
            if !detail.transitions.isEmpty {
                var table = TextTable(headers: ["TIME", "FROM", "TO", "WHY"])
                for tr in detail.transitions { table.add([t.dateTime(tr.at), tr.from.rawValue, tr.to.rawValue, tr.reason]) }
                print(table.render())
            }
            if !detail.samples.isEmpty {
                var table = TextTable(headers: ["TIME", "STATE", "SIGNAL", "VOLUME", "CACHED", "PLAYING"])
                for x in detail.samples.suffix(24) {
                    table.add([
                        t.dateTime(x.at), x.state.rawValue, x.signalDbm.map { "\($0) dBm" } ?? "-", x.volume.map(String.init) ?? "-",
                        "\(x.cachedCount)", x.playingAiringId.map { "airing \($0)" } ?? "-",
                    ])
                }
                print(table.render())
            }
        }
    }

    struct Move: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "move", abstract: "Move a cluster to another zone.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        @Argument(help: "Destination zone path.") var zone: String

        func execute(_ client: ControlClient) async throws {
            let c = try await client.send(.PUT, "/clusters/\(id)/zone", json: MoveClusterRequest(zone: zone), as: Cluster.self)
            if global.json { try printJSON(c) } else { print("moved \(c.id) to \(c.zonePath)") }
        }
    }

    struct Remove: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a cluster with no airing history.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func execute(_ client: ControlClient) async throws {
            _ = try await client.send(.DELETE, "/clusters/\(id)")
            if !global.json { print("removed cluster \(id)") }
        }
    }

    struct Import: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import clusters from CSV (id,name,zone,latitude,longitude,tags); all rows or none.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "CSV file, or - for stdin.") var file: String
        @Flag(help: "Create zones named in the file that do not exist yet.") var createZones = false
        @Option(name: .customLong("credentials"), help: "Write the new credentials to this file (created with mode 0600) instead of stdout.")
        var credentialsFile: String?

        func execute(_ client: ControlClient) async throws {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try InputFile.read(file, what: "the CSV")
            if let credentialsFile, FileManager.default.fileExists(atPath: credentialsFile) {
                throw fail("\(credentialsFile) already exists; credentials are written to a new file only", ExitCodes.cannotCreate)
            }
            let reply = try await client.send(
                .POST, "/clusters/import", query: ["create_zones": createZones ? "true" : nil],
                body: data, contentType: "text/csv")
            let imported = try client.decode(reply, as: ImportedClusters.self)
            if global.json {
                try printJSON(imported)
                return
            }
            let lines = ["id,credential,fingerprint"] + imported.credentials.map { "\($0.clusterId),\($0.credential),\($0.fingerprint)" }
            let csv = lines.joined(separator: "\n") + "\n"
            if let credentialsFile {
                // Secrets: created new, readable by the owner only, never overwriting.
                let fd = open(credentialsFile, O_WRONLY | O_CREAT | O_EXCL, 0o600)
                guard fd >= 0 else {
                    throw fail(
                        "imported \(imported.count) cluster(s) but cannot create \(credentialsFile): \(String(cString: strerror(errno))); "
                            + "issue new credentials with 'commcast cluster rotate-key'", ExitCodes.cannotCreate)
                }
                let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
                try handle.write(contentsOf: Data(csv.utf8))
                print("imported \(imported.count) cluster(s); their credentials (shown only now) are in \(credentialsFile)")
            } else {
                FileHandle.standardError.write(Data("imported \(imported.count) cluster(s); their credentials follow, shown only now\n".utf8))
                print(csv, terminator: "")
            }
        }
    }

    struct Export: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Export clusters as CSV.")
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
