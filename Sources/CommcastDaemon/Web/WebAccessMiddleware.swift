import CommcastConsole
import CommcastCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Who is calling the web console's API, before any route runs: a console session
/// (its cookie, and for every change its CSRF token too), or an operator's API token
/// (`Authorization: Bearer`, for `commcast --url`). The routes behind it are the
/// socket's own, with the same scope and role checks.
struct WebAccessMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext

    static let cookieName = "commcast_session"
    /// What a browser must send with every change besides the cookie: a cross-site
    /// page can make a browser send the cookie, but cannot read or send this.
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    let settings: RunningConfiguration
    let sessions: ConsoleSessions

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        context.webOrigin = "console:\(address)"
        let path = request.uri.path
        // The page and its files carry no data; the login itself is throttled.
        guard path.hasPrefix("/v1/"), !(path == "/v1/session" && request.method == .post) else {
            return try await next(request, context)
        }
        if let auth = request.headers[.authorization], auth.hasPrefix("Bearer ") {
            guard let op = settings.operator(bearerToken: String(auth.dropFirst(7))) else {
                return JSONResponse.error(.unauthorized, code: "unauthorized", message: "the token matches no operator")
            }
            context.operator = op
            context.authenticatedByToken = true
            return try await next(request, context)
        }
        guard let token = request.cookies[Self.cookieName]?.value,
            let (session, op) = sessions.find(token: token, operatorNamed: settings.operator(named:))
        else {
            return JSONResponse.error(.unauthorized, code: "unauthorized", message: "log in first (POST /v1/session)")
        }
        if request.method != .get && request.method != .head {
            guard let sent = request.headers[Self.csrfHeader], SecretToken.equal(sent, session.csrfToken) else {
                context.logger.warning("console change refused without its CSRF token", metadata: ["operator": "\(op.name)", "path": "\(path)"])
                return JSONResponse.error(
                    .forbidden, code: "csrf", message: "X-CSRF-Token: missing or wrong, expected the token of this session (GET /v1/session)")
            }
        }
        context.operator = op
        context.sessionToken = token
        return try await next(request, context)
    }
}
