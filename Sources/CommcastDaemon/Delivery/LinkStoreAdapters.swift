import CommcastLink
import CommcastLinkServer
import CommcastStore
import Foundation

/// The link server's narrow needs, met by the station's store: keys to check a
/// hello, receipts to count, and media files to serve.
extension CommcastDatabase: ClusterKeySource, ReceiptSink {
    public func linkKey(for clusterID: String) throws -> ClusterKey? {
        try clusterKey(id: clusterID).map { ClusterKey(publicKey: $0.publicKey, revoked: $0.revokedAt != nil) }
    }

    public func store(_ receipt: ReceiptMessage, from clusterID: String, receivedAt: Date, clockSkew: TimeInterval?) throws -> ReceiptOutcome {
        let outcome = try countReceipt(receipt, from: clusterID, receivedAt: receivedAt, clockSkew: clockSkew)
        StationMetrics.receipt(receipt.kind.rawValue, outcome: outcome)
        return outcome
    }

    func countReceipt(_ receipt: ReceiptMessage, from clusterID: String, receivedAt: Date, clockSkew: TimeInterval?) throws -> ReceiptOutcome {
        do {
            let counted = receipt.airingReceipt(from: clusterID, clockSkew: clockSkew)
            return try recordReceipt(counted, receivedAt: receivedAt, clusterID: clusterID) ? .stored : .duplicate
        } catch let error as StoreError where error.kind == .notFound {
            // Airings withdrawn or cancelled are kept for their receipts; one cancelled
            // before migration v10 (deleted then) is named as such.
            if try wasCancelled(airingID: receipt.airingID, clusterID: clusterID) {
                return .rejected("airing_id: airing \(receipt.airingID) was cancelled and is no longer on record")
            }
            return .rejected("airing_id: got \(receipt.airingID), expected an airing this station sent to \(clusterID)")
        } catch let error as StoreError where error.kind == .forbidden {
            return .rejected("airing_id: got \(receipt.airingID), expected an airing of \(clusterID), not of another cluster")
        }
    }
}

extension MediaStore: MediaFiles {
    public func path(of sha256: String) -> String { url(for: sha256).path }
}

extension ReceiptMessage {
    /// The receipt as the station counts it. Receipt ids are the cluster's own;
    /// prefixing the cluster keeps two clusters' ids apart. Its time is the station's
    /// view: the cluster's time less the skew its heartbeats show (a cluster 30 s fast
    /// that played on time is counted on time), with the cluster's own kept beside it.
    func airingReceipt(from clusterID: String, clockSkew: TimeInterval? = nil) -> AiringReceipt {
        let kind: AiringReceipt.Kind =
            switch self.kind {
            case .started: .started
            case .completed: .completed
            case .interrupted: .interrupted
            case .failed: .failed
            }
        return AiringReceipt(
            receiptID: "\(clusterID):\(receiptID)", airingID: airingID, kind: kind, at: at.addingTimeInterval(-(clockSkew ?? 0)), reason: reason,
            clusterAt: at)
    }
}

extension LiveBroadcaster.Settings {
    /// From `[live]`.
    init(_ live: DaemonConfiguration.LiveSection) {
        self.init(
            jitterMilliseconds: live.jitterMilliseconds, emergencyVolume: live.emergencyVolume, bitrate: live.bitrate,
            framesPerWrite: live.framesPerWrite)
    }
}

extension PhoneUplink.Settings {
    /// From `[live]`.
    init(_ live: DaemonConfiguration.LiveSection) {
        self.init(jitterMilliseconds: live.uplinkJitterMilliseconds, grace: .seconds(live.reconnectGraceSeconds))
    }
}
