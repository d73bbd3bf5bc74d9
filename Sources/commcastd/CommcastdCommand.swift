import ArgumentParser
import CommcastCore
import CommcastDaemon
import Foundation
import Logging

/// `commcastd`: the station daemon.
struct CommcastdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commcastd",
        abstract: "The commcast station daemon: schedules, delivers and streams bulletins to IP loudspeaker clusters.",
        discussion: """
            Without --config it runs on the embedded default: state in $STATE_DIRECTORY or ./commcast-state, \
            control socket in $RUNTIME_DIRECTORY or the state directory.
            """,
        version: CommcastVersion.current
    )

    @Option(name: .long, help: "Configuration file (TOML). See config/commcastd.toml.")
    var config: String?

    @Option(name: .customLong("check-config"), help: "Validate a configuration file, list every problem, and exit.")
    var checkConfig: String?

    @Option(name: .long, help: "Override daemon.state_directory.")
    var stateDirectory: String?

    @Option(name: .long, help: "Override control.socket_path.")
    var socket: String?

    func run() async throws {
        let loader = ConfigurationLoader()
        if let checkConfig {
            do {
                _ = try loader.load(file: checkConfig)
                print("\(checkConfig): OK")
                return
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(78)  // EX_CONFIG
            }
        }

        var configuration = DaemonConfiguration.embeddedDefault
        if let config {
            do {
                configuration = try loader.load(file: config)
            } catch {
                FileHandle.standardError.write(Data("commcastd: \(error)\n".utf8))
                throw ExitCode(78)
            }
        }
        let overrides = CommandLineOverrides(stateDirectory: stateDirectory, socketPath: socket)
        configuration = overrides.applied(to: configuration)

        let level = LogLevelControl(configuration.daemon.logLevel)
        LoggingSystem.bootstrap { label in
            JournaldLogHandler(label: label, level: .trace, control: level)
        }
        let logger = Logger(label: "commcastd")
        do {
            try await Daemon.run(configuration: configuration, configurationPath: config, overrides: overrides, logLevel: level, logger: logger)
        } catch {
            logger.critical("commcastd failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
