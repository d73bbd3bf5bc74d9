import CommcastLink

/// Receipts a cluster keeps until the station acknowledges them, oldest first
/// (docs/protocol.md, "Receipts").
struct ReceiptOutbox {
    private(set) var pending: [ReceiptMessage] = []

    mutating func append(_ receipt: ReceiptMessage) { pending.append(receipt) }

    /// Drops the acknowledged receipts; returns how many were dropped.
    mutating func acknowledge(_ ids: [String]) -> Int {
        let acknowledged = Set(ids)
        let before = pending.count
        pending.removeAll { acknowledged.contains($0.receiptID) }
        return before - pending.count
    }
}
