import CommcastControlAPI
import Foundation
import NIOConcurrencyHelpers

/// The phone-fed broadcasts, by live id: opened when the console starts one,
/// found by the WebSocket that feeds it, run by `PhoneUplinkService`.
public final class PhoneUplinks: Sendable {
    /// The sources a phone's browser broadcasts from: its microphone, or a file it sends live.
    public static let sources: Set<String> = ["phone", "phone_file"]

    let settings: PhoneUplink.Settings
    let open = NIOLockedValueBox([String: PhoneUplink]())
    let started: AsyncStream<PhoneUplink>
    let continuation: AsyncStream<PhoneUplink>.Continuation

    public init(settings: PhoneUplink.Settings) {
        self.settings = settings
        (started, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// A broadcast from a phone started: its uplink waits for the phone's connection.
    @discardableResult
    func begin(liveID: String, operatorName: String, now: Date) -> PhoneUplink {
        let uplink = PhoneUplink(liveID: liveID, operatorName: operatorName, settings: settings, now: now)
        open.withLockedValue { $0[liveID] = uplink }
        continuation.yield(uplink)
        return uplink
    }

    /// The uplink of `liveID`, while its broadcast is on air.
    public func uplink(_ liveID: String) -> PhoneUplink? {
        open.withLockedValue { $0[liveID] }.flatMap { $0.isFinished ? nil : $0 }
    }

    /// The broadcast is over: the uplink is forgotten.
    func end(_ uplink: PhoneUplink) {
        uplink.finish()
        open.withLockedValue { if $0[uplink.liveID] === uplink { $0[uplink.liveID] = nil } }
    }
}
