import CommcastAudio
import CommcastCore
import CommcastStore
import Hummingbird

/// An error a route returns to the caller as JSON.
struct APIError: Error {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    static func badRequest(_ message: String) -> APIError { .init(status: .badRequest, code: "invalid_argument", message: message) }
    static func forbidden(_ message: String) -> APIError { .init(status: .forbidden, code: "forbidden", message: message) }
    static func notFound(_ message: String) -> APIError { .init(status: .notFound, code: "not_found", message: message) }

    /// Maps the errors of the layers below to statuses an operator's script can branch on.
    static func from(_ error: any Error) -> APIError? {
        switch error {
        case let e as APIError: return e
        case let e as Refusal:
            let status: HTTPResponse.Status =
                switch e.kind {
                case .invalid: .badRequest
                case .forbidden: .forbidden
                case .notFound: .notFound
                case .conflict: .conflict
                case .unavailable: .serviceUnavailable
                }
            return .init(status: status, code: e.code, message: e.message)
        case let e as StoreError:
            switch e.kind {
            case .notFound: return .init(status: .notFound, code: "not_found", message: e.message)
            case .conflict: return .init(status: .conflict, code: "conflict", message: e.message)
            case .invalid: return .badRequest(e.message)
            case .forbidden: return .forbidden(e.message)
            }
        case let e as ValueError: return .badRequest(e.description)
        case let e as ScheduleSpec.Invalid: return .badRequest(e.description)
        case let e as ClusterCSV.ParseError: return .badRequest(e.description)
        case let e as IngestError:
            if case .scratchFailed = e {
                return .init(status: .init(code: 507, reasonPhrase: "Insufficient Storage"), code: "internal", message: e.description)
            }
            return .init(status: .unprocessableContent, code: "bad_audio", message: e.description)
        case let e as TextToSpeechHook.Failure:
            switch e {
            case .emptyText, .textTooLong: return .badRequest(e.description)
            default: return .init(status: .badGateway, code: "tts_failed", message: e.description)
            }
        default: return nil
        }
    }
}

/// Turns errors thrown by routes into JSON error bodies; anything unexpected is
/// logged and answered with a 500, and the daemon carries on.
struct ErrorMappingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            return JSONResponse.error(error.status, code: "http_\(error.status.code)", message: error.body ?? error.status.reasonPhrase)
        } catch {
            if let api = APIError.from(error) {
                return JSONResponse.error(api.status, code: api.code, message: api.message)
            }
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return JSONResponse.error(.internalServerError, code: "internal", message: "internal error: \(error)")
        }
    }
}
