/// Settings given on `commcastd`'s command line. They win over the file at start
/// and at every reload, so a reload does not mistake them for a change that needs
/// a restart.
public struct CommandLineOverrides: Sendable, Equatable {
    /// `--state-directory`.
    public var stateDirectory: String?
    /// `--socket`.
    public var socketPath: String?

    public init(stateDirectory: String? = nil, socketPath: String? = nil) {
        self.stateDirectory = stateDirectory
        self.socketPath = socketPath
    }

    /// `configuration` with these settings in place of the file's.
    public func applied(to configuration: DaemonConfiguration) -> DaemonConfiguration {
        var c = configuration
        if let stateDirectory { c.daemon.stateDirectory = stateDirectory }
        if let socketPath { c.control.socketPath = socketPath }
        return c
    }
}
