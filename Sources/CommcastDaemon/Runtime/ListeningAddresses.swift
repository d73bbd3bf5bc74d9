import Synchronization

/// Where the daemon's TCP listeners ended up (`host:port`), known only once each
/// has bound — a port of 0 in the configuration means "any free port", as the
/// tests use. `commcast status` shows nil as "not listening".
public final class ListeningAddresses: Sendable {
    private let addresses = Mutex<(link: String?, webhook: String?, console: String?, metrics: String?)>((nil, nil, nil, nil))

    public init() {}

    /// The cluster link's address, once it listens.
    public var link: String? {
        get { addresses.withLock { $0.link } }
        set { addresses.withLock { $0.link = newValue } }
    }

    /// The province webhook's address, once it listens.
    public var webhook: String? {
        get { addresses.withLock { $0.webhook } }
        set { addresses.withLock { $0.webhook = newValue } }
    }

    /// The web console's address, once it listens.
    public var console: String? {
        get { addresses.withLock { $0.console } }
        set { addresses.withLock { $0.console = newValue } }
    }

    /// The Prometheus endpoint's address, once it listens.
    public var metrics: String? {
        get { addresses.withLock { $0.metrics } }
        set { addresses.withLock { $0.metrics = newValue } }
    }
}
