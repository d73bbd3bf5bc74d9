import CommcastCore
import Crypto
import Foundation

/// The challenge-response that opens a link: the station sends a fresh nonce, the
/// cluster signs `commcast-link-v1\n<cluster_id>\n<nonce>` with its Ed25519 key, the
/// station verifies with the stored public key. A captured hello is worthless on any
/// other connection, because the nonce is new each time.
public enum LinkAuthentication {
    /// What the signature covers.
    public static func signedBytes(clusterID: String, nonce: String) -> Data {
        Data("commcast-link-v1\n\(clusterID)\n\(nonce)".utf8)
    }

    /// A new nonce: 32 random bytes, base64url.
    public static func makeNonce() -> String { SecretToken.random() }

    /// Whether `signature` (base64url) is the cluster's signature of this nonce.
    public static func verify(signature: String, publicKey: Data, clusterID: String, nonce: String) -> Bool {
        guard let sig = Base64URL.decode(signature), sig.count == 64,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        else { return false }
        return key.isValidSignature(sig, for: signedBytes(clusterID: clusterID, nonce: nonce))
    }

    /// Compares two tokens in time that does not depend on where they differ.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool { SecretToken.equal(a, b) }

    /// A short fingerprint of a public key for logs and `cluster show`: the first 16
    /// hex digits of its sha256.
    public static func fingerprint(publicKey: Data) -> String {
        SHA256.hash(data: publicKey).prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
