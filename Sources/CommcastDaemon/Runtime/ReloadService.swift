import CommcastCore
import CommcastStore
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on SIGHUP (`systemctl reload commcastd`).
public struct ReloadService: Service {
    private let settings: RunningConfiguration
    private let database: CommcastDatabase
    private let replanRequests: ScheduleTrigger
    private let loader: ConfigurationLoader
    private let notifier: SystemdNotifier
    private let preflight: ConfigurationPreflight?
    private let logger: Logger

    /// - Parameters:
    ///   - replanRequests: fired after a reload, which may change quiet hours or operators.
    ///   - preflight: reads the file in a child process first (nil: not at all).
    public init(
        settings: RunningConfiguration, database: CommcastDatabase, replanRequests: ScheduleTrigger,
        loader: ConfigurationLoader, notifier: SystemdNotifier, preflight: ConfigurationPreflight? = nil, logger: Logger
    ) {
        self.settings = settings
        self.database = database
        self.replanRequests = replanRequests
        self.loader = loader
        self.notifier = notifier
        self.preflight = preflight
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            notifier.reloading()
            if let path = settings.path, let refusal = preflight?.refusal(for: path) {
                logger.error("SIGHUP: configuration rejected, previous settings stay in force", metadata: ["problems": "\(refusal)"])
                notifier.notify("READY=1\nSTATUS=serving")
                continue
            }
            switch settings.reload(loader: loader) {
            case .noFile:
                logger.notice("SIGHUP: running on the embedded default configuration; nothing to reload")
            case .rejected(let problems):
                logger.error(
                    "SIGHUP: configuration rejected, previous settings stay in force",
                    metadata: [
                        "file": "\(settings.path ?? "")",
                        "problems": "\(problems.map(\.description).joined(separator: "; "))",
                    ])
            case .applied(let needsRestart):
                do {
                    try database.replaceOperators(settings.current.operators, at: Date())
                } catch {
                    logger.error("SIGHUP: cannot store the operators", metadata: ["error": "\(error)"])
                }
                replanRequests.fire()
                if needsRestart.isEmpty {
                    logger.notice("SIGHUP: configuration reloaded")
                } else {
                    logger.warning(
                        "SIGHUP: configuration reloaded; some changes need a restart",
                        metadata: ["restart_keys": "\(needsRestart.joined(separator: ","))"])
                }
            }
            notifier.notify("READY=1\nSTATUS=serving")
        }
    }
}
