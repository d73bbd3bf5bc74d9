import CommcastControlAPI
import CommcastCore
import Hummingbird
import Logging

/// Refuses callers the access policy does not allow, before any route runs.
struct PeerAccessMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext

    let runtime: DaemonRuntime
    let accounts: any AccountDirectory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let peer: PeerIdentity
        do {
            peer = try await PeerCredentials.read(from: context.channel, accounts: accounts)
        } catch {
            context.logger.error("cannot read peer credentials", metadata: ["error": "\(error)"])
            return JSONResponse.error(.forbidden, code: "forbidden", message: "cannot identify the caller: \(error)")
        }
        switch runtime.accessPolicy.decide(peer) {
        case .allowed:
            context.peer = peer
            return try await next(request, context)
        case .denied(let reason):
            context.logger.warning("control API call refused", metadata: [
                "uid": "\(peer.uid)", "pid": "\(peer.pid)", "path": "\(request.uri.path)", "reason": "\(reason)",
            ])
            return JSONResponse.error(.forbidden, code: "forbidden", message: reason)
        }
    }
}
