/// Constants shared by the daemon and the CLI for the control API.
public enum ControlAPI {
    /// Path prefix of every versioned route.
    public static let versionPrefix = "/v1"
    /// Socket path used when neither the configuration nor `COMMCAST_SOCKET` says otherwise.
    public static let defaultSocketPath = "/run/commcast/control.sock"
    /// Environment variable the CLI reads for the socket path.
    public static let socketEnvironmentVariable = "COMMCAST_SOCKET"
}
