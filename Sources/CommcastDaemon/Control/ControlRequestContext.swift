import CommcastCore
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// Request context of the control API: the connection's channel, so the peer's
/// credentials can be read from the socket, and the identity once checked.
public struct ControlRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The accepted Unix-socket connection.
    public let channel: any Channel
    /// The caller, filled in by `PeerAccessMiddleware`.
    public var peer: PeerIdentity?
    /// The operator the caller acts as, when configured.
    public var `operator`: Operator?
    /// Whether the operator was identified by an API token rather than the Unix user.
    public var authenticatedByToken = false
    /// Where a web console request came from (`console:203.0.113.7`); nil on the socket.
    public var webOrigin: String?
    /// The console session's cookie token, when the request was authenticated by one.
    public var sessionToken: String?
    /// Where a WebSocket upgrade (the phone's live audio) keeps its handler.
    public let webSocket: WebSocketHandlerReference<Self>

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.peer = nil
        self.operator = nil
        self.webSocket = .init()
    }
}
