import CommcastStore
import Foundation
import NIOCore
import ServiceLifecycle

/// Ends a live broadcast whose source stopped sending (a microphone unplugged, a
/// `commcast live` that hangs) once `timeout` passes without audio, and ends any
/// broadcast when the daemon shuts down, so clusters return to their schedules.
struct LiveWatchdogService: Service {
    let live: LiveBroadcaster
    let timeout: TimeAmount
    let runtime: DaemonRuntime

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                if let ended = live.stopIfSourceSilent(timeout: timeout, now: Date()) {
                    runtime.recordLiveEnd(ended, actor: Actor(name: "commcastd", origin: "daemon"))
                }
            }
        }
        if let ended = live.stop(nil, reason: "station shutting down", now: Date()) {
            runtime.recordLiveEnd(ended, actor: Actor(name: "commcastd", origin: "daemon"))
        }
    }
}

extension DaemonRuntime {
    /// Audits and reports the end of a broadcast; a database error is logged, never fatal.
    func recordLiveEnd(_ ended: LiveBroadcaster.Snapshot, actor: Actor) {
        do {
            try database.recordLiveEvent(actor, kind: "live_stopped", liveID: ended.liveId, details: [
                "reason": ended.endReason ?? "", "level": ended.level, "source": ended.source,
                "packets": "\(ended.packets)", "seconds": "\(Int((ended.endedAt ?? Date()).timeIntervalSince(ended.startedAt)))",
            ], at: ended.endedAt ?? Date())
        } catch {
            liveBroadcaster?.logger.error("cannot record the end of a live broadcast", metadata: ["live_id": "\(ended.liveId)", "error": "\(error)"])
        }
    }
}
