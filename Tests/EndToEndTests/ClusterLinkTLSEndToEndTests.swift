import Foundation
import TestSupport
import Testing

/// The link over TLS: with a certificate configured the station speaks wss:// and
/// https://, and simulated clusters that trust it connect, download and verify.
@Suite("Cluster link over TLS", .serialized)
struct ClusterLinkTLSEndToEndTests {
    @Test(.timeLimit(.minutes(4)))
    func clustersConnectAndDownloadOverTLS() async throws {
        // Simulated clusters: never beside the live timing test (ExclusiveTests).
        try await ExclusiveTests.cpuHeavy.shared { try await clustersConnectAndDownloadOverTLSBody() }
    }

    func clustersConnectAndDownloadOverTLSBody() async throws {
        let station = try SchedulingEndToEndTests.Station { dir in try ExternalTools.selfSignedCertificate(in: dir, name: "link") }
        defer { station.stop() }
        #expect(station.daemon.log.contains("tls=true"))
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        let csv = station.dir.file("clusters.csv")
        try "id,name,zone\na0,Chợ,tinh/xa-a\na1,Trường,tinh/xa-a\n".write(to: csv, atomically: true, encoding: .utf8)
        let credentials = station.dir.file("credentials.csv")
        #expect(try station.commcast(["cluster", "import", csv.path, "--credentials", credentials.path]).status == 0)
        let wav = try SchedulingEndToEndTests.speechWAV(station.dir, seconds: 3)
        let at = SchedulingEndToEndTests.stationTime(Date().addingTimeInterval(15 * 60), seconds: false)
        #expect(try station.commcast(["bulletin", "add", "--title", "Tin", "--file", wav.path, "--zone", "tinh/xa-a", "--at", at]).status == 0)
        let port = try #require(try ClusterLinkEndToEndTests.linkAddress(station).split(separator: ":").last)
        let address = "localhost:\(port)"

        let sim = try await ExternalTools.runDetached(
            try BuiltProducts.path("commcast-sim"),
            [
                "--station", address, "--credentials", credentials.path, "--tls-ca", station.dir.file("link.pem").path,
                "--duration", "8", "--json",
            ], timeout: .seconds(60))
        #expect(sim.status == 0, "\(sim.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: sim.stdout) as? [String: Any], "\(sim.stdoutText)")
        #expect(summary["connects"] as? Int ?? 0 >= 2, "\(summary)")
        #expect(summary["decoded_and_checked"] as? Int == 2, "both fetched the bulletin over https and verified it: \(summary)")
        #expect((summary["errors"] as? [String: Any])?.isEmpty ?? true, "\(summary)")

    }
}
