import Foundation
import ServiceLifecycle

/// Ends a live broadcast whose source stopped sending (a microphone unplugged, a
/// `commcast live` that hangs) once `timeout` passes without audio, and ends any
/// broadcast when the daemon shuts down, so clusters return to their schedules.
struct LiveWatchdogService: Service {
    let onAir: OnAir
    let timeout: Duration
    /// How often the source is looked at; a test makes it short.
    var interval: Duration = .milliseconds(500)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                onAir.endIfSourceSilent(timeout: timeout)
            }
        }
        onAir.end(nil, reason: "station shutting down", actor: OnAir.station)
    }
}
