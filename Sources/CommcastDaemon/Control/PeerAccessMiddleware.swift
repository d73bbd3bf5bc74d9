import CommcastControlAPI
import CommcastCore
import HTTPTypes
import Hummingbird
import Crypto
import Foundation
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
            if let auth = request.headers[.authorization], auth.hasPrefix("Bearer ") {
                let hash = SHA256.hash(data: Data(auth.dropFirst(7).utf8)).map { String(format: "%02x", $0) }.joined()
                guard let op = runtime.operator(tokenSHA256: hash) else {
                    return JSONResponse.error(.unauthorized, code: "unauthorized", message: "the token matches no operator")
                }
                context.operator = op
                context.authenticatedByToken = true
            } else {
                context.operator = runtime.operator(for: peer)
            }
            var response = try await next(request, context)
            // Lets the CLI show times in the station's zone whatever the caller's TZ is.
            response.headers[HTTPField.Name("X-Commcast-Time-Zone")!] = runtime.configuration.daemon.timeZone
            return response
        case .denied(let reason):
            context.logger.warning("control API call refused", metadata: [
                "uid": "\(peer.uid)", "pid": "\(peer.pid)", "path": "\(request.uri.path)", "reason": "\(reason)",
            ])
            return JSONResponse.error(.forbidden, code: "forbidden", message: reason)
        }
    }
}
