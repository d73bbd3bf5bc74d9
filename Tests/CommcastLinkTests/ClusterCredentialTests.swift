import CommcastCore
import CommcastLink
import Foundation
import Testing

@Suite("Cluster credentials")
struct ClusterCredentialTests {
    @Test func printedFormRoundTrips() throws {
        let credential = ClusterCredential(newFor: "tp-001")
        let text = credential.description
        #expect(text.hasPrefix("ccl1:tp-001:"))
        #expect(text.count == "ccl1:tp-001:".count + 43)
        let read = try ClusterCredential(parsing: " \(text)\n")
        #expect(read == credential)
        #expect(read.publicKey == credential.publicKey)
        #expect(ClusterCredential(newFor: "tp-001") != credential, "every key is new")
    }

    @Test(arguments: [
        ("", "ccl1:<cluster id>:<key>"), ("ccl2:tp-001:abc", "ccl1:<cluster id>:<key>"), ("ccl1::abc", "1 to 64"),
        ("ccl1:tp-001:short", "43 base64url"), ("ccl1:tp-001:" + String(repeating: "*", count: 43), "43 base64url"),
    ])
    func badCredentialsAreNamed(_ text: String, _ says: String) {
        do {
            _ = try ClusterCredential(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.field == "credential")
            #expect(error.expected.contains(says), "\(error)")
            #expect(!error.value.contains("abc") || text.count < 20, "the key itself is never echoed")
        }
    }

    @Test func signaturesVerifyOnlyForTheirNonceClusterAndKey() throws {
        let credential = ClusterCredential(newFor: "tp-001")
        let nonce = LinkAuthentication.makeNonce()
        let signature = try credential.sign(nonce: nonce)
        #expect(LinkAuthentication.verify(signature: signature, publicKey: credential.publicKey, clusterID: "tp-001", nonce: nonce))
        // A replayed hello on a new connection faces a new nonce.
        let next = LinkAuthentication.makeNonce()
        #expect(next != nonce)
        #expect(!LinkAuthentication.verify(signature: signature, publicKey: credential.publicKey, clusterID: "tp-001", nonce: next))
        // Another cluster's id, or another key (after rotation), does not verify either.
        #expect(!LinkAuthentication.verify(signature: signature, publicKey: credential.publicKey, clusterID: "tp-002", nonce: nonce))
        let rotated = ClusterCredential(newFor: "tp-001")
        #expect(!LinkAuthentication.verify(signature: signature, publicKey: rotated.publicKey, clusterID: "tp-001", nonce: nonce))
        // Garbage never verifies and never crashes.
        #expect(!LinkAuthentication.verify(signature: "!!", publicKey: credential.publicKey, clusterID: "tp-001", nonce: nonce))
        #expect(!LinkAuthentication.verify(signature: signature, publicKey: Data([1, 2, 3]), clusterID: "tp-001", nonce: nonce))
    }

    @Test func fingerprintsAreShortAndStable() {
        let credential = ClusterCredential(newFor: "x")
        let f = LinkAuthentication.fingerprint(publicKey: credential.publicKey)
        #expect(f.count == 16 && f.allSatisfy(\.isHexDigit))
        #expect(f == LinkAuthentication.fingerprint(publicKey: credential.publicKey))
    }
}
