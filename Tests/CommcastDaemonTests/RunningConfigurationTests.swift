import CommcastCore
import Foundation
import TestSupport
import Testing

@testable import CommcastDaemon

/// SIGHUP's reload: what it applies, what it says needs a restart, and what it must
/// not mistake for a change.
@Suite("Reload")
struct RunningConfigurationTests {
    @Test("a setting given on the command line is not reported as changed by every reload; a real change is")
    func commandLineOverridesSurviveReload() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.file("commcastd.toml")
        try "[daemon]\nstate_directory = \"\(dir.file("from-file").path)\"\nlog_level = \"info\"\n".write(to: file, atomically: true, encoding: .utf8)
        let overrides = CommandLineOverrides(stateDirectory: dir.file("from-command-line").path)
        let loaded = try ConfigurationLoader(accounts: StationAccounts()).load(file: file.path)
        let settings = RunningConfiguration(
            overrides.applied(to: loaded), path: file.path, logLevel: LogLevelControl(.info),
            overrides: overrides, accounts: StationAccounts())
        let loader = ConfigurationLoader(accounts: StationAccounts())
        #expect(settings.reload(loader: loader) == .applied(needsRestart: []))

        try "[daemon]\nstate_directory = \"\(dir.file("from-file").path)\"\nlog_level = \"debug\"\n[control]\nsocket_mode = \"0600\"\n"
            .write(to: file, atomically: true, encoding: .utf8)
        #expect(settings.reload(loader: loader) == .applied(needsRestart: ["control.socket_mode"]))
        #expect(settings.current.daemon.logLevel == .debug)
        #expect(settings.current.daemon.stateDirectory == dir.file("from-command-line").path)
    }

    @Test("a bad file changes nothing and names its problems")
    func badFileChangesNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.file("commcastd.toml")
        try "[daemon]\nlog_level = \"info\"\n".write(to: file, atomically: true, encoding: .utf8)
        let settings = RunningConfiguration(DaemonConfiguration(), path: file.path, logLevel: LogLevelControl(.info), accounts: StationAccounts())
        try "[daemon]\nlog_level = \"loud\"\n".write(to: file, atomically: true, encoding: .utf8)
        guard case .rejected(let problems) = settings.reload(loader: ConfigurationLoader(accounts: StationAccounts())) else {
            Issue.record("a bad file was applied")
            return
        }
        #expect(problems.map(\.key) == ["daemon.log_level"])
        #expect(settings.current.daemon.logLevel == .info)
    }
}
