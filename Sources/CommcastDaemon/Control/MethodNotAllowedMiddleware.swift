import HTTPTypes
import Hummingbird

/// Answers a known path asked with the wrong method with 405 and the methods it
/// takes (`Allow`), rather than the router's 404: `GET /v1/live/ID` is not "no such
/// thing", it is "use DELETE". Added after every route, so it wraps only the router's
/// not-found path, never a route's own answer.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Every route's path, split into segments (`{id}` matches any one segment), and its methods.
    let routes: [(segments: [Substring], methods: [HTTPRequest.Method])]

    init(routes: [Router<Context>.RouteDescription]) {
        var byPath: [String: [HTTPRequest.Method]] = [:]
        for route in routes { byPath["\(route.path)", default: []].append(route.method) }
        self.routes = byPath.map { path, methods in (path.split(separator: "/"), methods) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let segments = request.uri.path.split(separator: "/")
            let allowed = routes.filter { route in
                route.segments.count == segments.count && zip(route.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == "*" || $0 == $1 }
            }.flatMap(\.methods)
            guard !allowed.isEmpty, !allowed.contains(request.method) else { throw error }
            let names = Set(allowed.map(\.rawValue)).sorted().joined(separator: ", ")
            var response = JSONResponse.error(
                .methodNotAllowed, code: "method_not_allowed", message: "\(request.method) \(request.uri.path): expected \(names)")
            response.headers[.allow] = names
            return response
        }
    }
}
