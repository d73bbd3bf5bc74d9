import CommcastLink
import CommcastStore
import Foundation
import Logging
import TestSupport
import Testing

/// Credentials through the real binaries: issued once, only the public key stored,
/// rotation and revocation take effect in the store at once.
@Suite("Cluster credentials end to end", .serialized)
struct ClusterCredentialEndToEndTests {
    @Test func issuedOnceRotatedAndRevoked() throws {
        let station = try SchedulingEndToEndTests.Station()
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents"]).status == 0)
        let added = try station.commcast(["cluster", "add", "a1", "--name", "Cụm chợ", "--zone", "tinh/xa-a"])
        #expect(added.status == 0, "\(added.stderr)")
        let line = try #require(added.stdoutText.split(separator: "\n").first { $0.hasPrefix("ccl1:") })
        let credential = try ClusterCredential(parsing: String(line))
        #expect(credential.clusterID == "a1")
        #expect(added.stdoutText.contains("shown only now"))

        let db = try CommcastDatabase(path: station.dir.file("state/commcast.sqlite").path, logger: Logger(label: "test"))
        var record = try #require(try db.clusterKey(id: "a1"))
        #expect(record.publicKey == credential.publicKey, "the station holds the public half")
        let raw = try Data(contentsOf: station.dir.file("state/commcast.sqlite"))
        #expect(raw.range(of: credential.privateKey.rawRepresentation) == nil, "and never the private key")

        // A commune operator without the supervisor role may not touch keys.
        let lan = try station.commcast(["cluster", "rotate-key", "a1"], token: SchedulingEndToEndTests.lanToken)
        #expect(lan.status == 77, "\(lan.stderr)")

        let rotated = try station.json(["cluster", "rotate-key", "a1"]) as? [String: Any]
        let newCredential = try ClusterCredential(parsing: try #require(rotated?["credential"] as? String))
        #expect(newCredential.publicKey != credential.publicKey)
        record = try #require(try db.clusterKey(id: "a1"))
        #expect(record.publicKey == newCredential.publicKey && record.usable)

        #expect(try station.commcast(["cluster", "revoke", "a1"]).status == 0)
        #expect(try db.clusterKey(id: "a1")?.usable == false)
        let audit = try #require(try station.json(["audit"]) as? [[String: Any]])
        #expect(audit.contains { $0["action"] as? String == "cluster.rotate-key" && $0["target"] as? String == "a1" })
        #expect(audit.contains { $0["action"] as? String == "cluster.revoke" })

        // An import writes every new credential to a new 0600 file, and never over an old one.
        let csv = station.dir.file("more.csv")
        try "id,name,zone\na2,B,tinh/xa-a\na3,C,tinh/xa-a\n".write(to: csv, atomically: true, encoding: .utf8)
        let secrets = station.dir.file("secrets.csv")
        let imported = try station.commcast(["cluster", "import", csv.path, "--credentials", secrets.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let lines = try String(contentsOf: secrets, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "id,credential,fingerprint" && lines.count == 3)
        for l in lines.dropFirst() {
            let fields = l.split(separator: ",").map(String.init)
            let c = try ClusterCredential(parsing: fields[1])
            #expect(try db.clusterKey(id: fields[0])?.publicKey == c.publicKey)
            #expect(fields[2] == LinkAuthentication.fingerprint(publicKey: c.publicKey))
        }
        let mode = try FileManager.default.attributesOfItem(atPath: secrets.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try "id,name,zone\na4,D,tinh/xa-a\n".write(to: csv, atomically: true, encoding: .utf8)
        let again = try station.commcast(["cluster", "import", csv.path, "--credentials", secrets.path])
        #expect(again.status == 73 && again.stderr.contains("already exists"), "\(again.stderr)")
        #expect(try db.clusterKey(id: "a4") == nil, "refused before importing, so no credential is lost")
    }
}
