import CommcastCore
import Crypto
import Foundation

/// A cluster's private key as the station prints it once: `ccl1:<cluster_id>:<seed>`,
/// the seed being the 32-byte Ed25519 private key in base64url without padding
/// (docs/protocol.md, "Credentials"). The station keeps only the public key.
public struct ClusterCredential: Sendable, Equatable, CustomStringConvertible {
    /// The format's prefix; a new format gets a new one.
    public static let prefix = "ccl1"

    public let clusterID: String
    public let privateKey: Curve25519.Signing.PrivateKey

    /// A new key pair for `clusterID`.
    public init(newFor clusterID: String) {
        self.clusterID = clusterID
        self.privateKey = Curve25519.Signing.PrivateKey()
    }

    /// Reads a printed credential, naming what is wrong with it.
    public init(parsing text: String) throws(ValueError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let shown = parts.count == 3 ? "\(parts[0]):\(parts[1]):…" : "\(trimmed.prefix(12))…"
        guard parts.count == 3, parts[0] == Self.prefix else {
            throw ValueError(field: "credential", value: shown, expected: "ccl1:<cluster id>:<key>, as printed by commcast cluster add")
        }
        guard !parts[1].isEmpty, parts[1].count <= 64 else {
            throw ValueError(field: "credential", value: shown, expected: "a cluster id of 1 to 64 characters")
        }
        guard let seed = Base64URL.decode(parts[2]), seed.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        else {
            throw ValueError(field: "credential", value: shown, expected: "a key of 43 base64url characters (32 bytes)")
        }
        self.clusterID = parts[1]
        self.privateKey = key
    }

    /// The public half, which the station stores.
    public var publicKey: Data { privateKey.publicKey.rawRepresentation }

    /// The printed form. Treat it as a secret.
    public var description: String { "\(Self.prefix):\(clusterID):\(Base64URL.encode(privateKey.rawRepresentation))" }

    /// Signs a connection's challenge (docs/protocol.md, "Connecting").
    public func sign(nonce: String) throws -> String {
        Base64URL.encode(try privateKey.signature(for: LinkAuthentication.signedBytes(clusterID: clusterID, nonce: nonce)))
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.clusterID == b.clusterID && a.privateKey.rawRepresentation == b.privateKey.rawRepresentation
    }
}
