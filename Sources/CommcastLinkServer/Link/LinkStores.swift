import CommcastLink
import Foundation

/// What the station holds of a cluster's credential, as a link needs it.
public struct ClusterKey: Sendable, Equatable {
    /// The Ed25519 public key; nil when none was ever issued.
    public var publicKey: Data?
    /// Whether the credential was revoked.
    public var revoked: Bool

    public init(publicKey: Data?, revoked: Bool) {
        self.publicKey = publicKey
        self.revoked = revoked
    }
}

/// Where a link finds a cluster's credential.
public protocol ClusterKeySource: Sendable {
    /// The key of `clusterID`, nil for a cluster the station does not know.
    func linkKey(for clusterID: String) throws -> ClusterKey?
}

/// What became of a receipt the station was sent. Each one lets the cluster drop it.
public enum ReceiptOutcome: Sendable, Equatable {
    /// Counted now.
    case stored
    /// Counted before (a resend after a lost acknowledgement).
    case duplicate
    /// Never counted, with the reason told to the cluster (an airing the station
    /// never sent it, another cluster's airing).
    case rejected(String)
}

/// Where a link stores the receipts clusters send.
public protocol ReceiptSink: Sendable {
    /// Stores `receipt` from `clusterID` once. Throws only when it could not be
    /// stored now (the cluster keeps it and sends it again). `clockSkew` is how far
    /// the cluster's clock is ahead of the station's (its last heartbeat), nil when
    /// not measured yet: the receipt's time is counted on the station's clock.
    func store(_ receipt: ReceiptMessage, from clusterID: String, receivedAt: Date, clockSkew: TimeInterval?) throws -> ReceiptOutcome
}

/// Where media downloads are read from.
public protocol MediaFiles: Sendable {
    /// Whether the file with this sha256 is stored.
    func contains(_ sha256: String) -> Bool
    /// Its path on disk.
    func path(of sha256: String) -> String
}
