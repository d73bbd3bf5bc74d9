import CommcastControlAPI
import CommcastCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Refuses callers the access policy does not allow, before any route runs.
struct PeerAccessMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext

    let settings: RunningConfiguration
    let identify: CallerIdentification

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let peer: PeerIdentity
        do {
            peer = try await identify.peer(context.channel)
        } catch {
            context.logger.error("cannot read peer credentials", metadata: ["error": "\(error)"])
            return JSONResponse.error(.forbidden, code: "forbidden", message: "cannot identify the caller: \(error)")
        }
        switch settings.accessPolicy.decide(peer) {
        case .allowed:
            context.peer = peer
            if let auth = request.headers[.authorization], auth.hasPrefix("Bearer ") {
                guard let op = settings.operator(bearerToken: String(auth.dropFirst(7))) else {
                    return JSONResponse.error(.unauthorized, code: "unauthorized", message: "the token matches no operator")
                }
                context.operator = op
                context.authenticatedByToken = true
            } else {
                context.operator = settings.operator(for: peer)
            }
            var response = try await next(request, context)
            // Lets the CLI show times in the station's zone whatever the caller's TZ is.
            response.headers[HTTPField.Name("X-Commcast-Time-Zone")!] = settings.current.daemon.timeZone
            return response
        case .denied(let reason):
            context.logger.warning(
                "control API call refused",
                metadata: [
                    "uid": "\(peer.uid)", "pid": "\(peer.pid)", "path": "\(request.uri.path)", "reason": "\(reason)",
                ])
            return JSONResponse.error(.forbidden, code: "forbidden", message: reason)
        }
    }
}

/// How the control API learns who is calling. On the socket it is the kernel's
/// record of the peer (`SO_PEERCRED`); a test of the routes, which has no socket,
/// says who the caller is.
public struct CallerIdentification: Sendable {
    /// Resolves user names and groups.
    public let accounts: any AccountDirectory
    let peer: @Sendable (any Channel) async throws -> PeerIdentity

    public init(accounts: any AccountDirectory, peer: @escaping @Sendable (any Channel) async throws -> PeerIdentity) {
        self.accounts = accounts
        self.peer = peer
    }

    /// The kernel's peer credentials of the Unix socket connection.
    public static func peerCredentials(accounts: any AccountDirectory = SystemAccountDirectory()) -> CallerIdentification {
        CallerIdentification(accounts: accounts) { try await PeerCredentials.read(from: $0, accounts: accounts) }
    }
}
