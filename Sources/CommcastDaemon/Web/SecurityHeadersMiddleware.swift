import HTTPTypes
import Hummingbird

/// The headers every console answer carries: no inline or outside script (every
/// script is `/console.js`), no framing, no sniffing, no referrer, and under TLS
/// HSTS so a browser never tries plain HTTP again.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext

    let tls: Bool

    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[HTTPField.Name("Content-Security-Policy")!] = Self.contentSecurityPolicy
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        if tls { response.headers[HTTPField.Name("Strict-Transport-Security")!] = "max-age=31536000" }
        if response.headers[.cacheControl] == nil, request.uri.path.hasPrefix("/v1/") {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
