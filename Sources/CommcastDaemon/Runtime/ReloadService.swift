import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on SIGHUP (`systemctl reload commcastd`).
public struct ReloadService: Service {
    private let runtime: DaemonRuntime
    private let loader: ConfigurationLoader
    private let notifier: SystemdNotifier
    private let logger: Logger

    public init(runtime: DaemonRuntime, loader: ConfigurationLoader, notifier: SystemdNotifier, logger: Logger) {
        self.runtime = runtime
        self.loader = loader
        self.notifier = notifier
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            notifier.reloading()
            switch runtime.reload(loader: loader) {
            case .noFile:
                logger.notice("SIGHUP: running on the embedded default configuration; nothing to reload")
            case .rejected(let problems):
                logger.error("SIGHUP: configuration rejected, previous settings stay in force",
                             metadata: ["file": "\(runtime.configurationPath ?? "")",
                                        "problems": "\(problems.map(\.description).joined(separator: "; "))"])
            case .applied(let needsRestart):
                if needsRestart.isEmpty {
                    logger.notice("SIGHUP: configuration reloaded")
                } else {
                    logger.warning("SIGHUP: configuration reloaded; some changes need a restart",
                                   metadata: ["restart_keys": "\(needsRestart.joined(separator: ","))"])
                }
            }
            notifier.notify("READY=1\nSTATUS=serving")
        }
    }
}
