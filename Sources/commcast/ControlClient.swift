import AsyncHTTPClient
import CommcastControlAPI
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#endif

/// Talks to `commcastd`'s control API over its Unix socket.
struct ControlClient {
    /// Socket path.
    let socketPath: String
    /// Operator token sent as `Authorization: Bearer`.
    var token: String? = nil

    /// A failure with the message and exit code the CLI reports.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var exitCode: Int32
        var description: String { message }
    }

    /// A successful reply.
    struct Reply {
        var body: Data
        /// The station time zone the daemon announced.
        var timeZone: TimeZone
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// GETs `path` and decodes the JSON body as `T`.
    func get<T: Decodable>(_ path: String, query: [String: String?] = [:], as type: T.Type) async throws -> T {
        try decode(try await send(.GET, path, query: query), as: T.self)
    }

    /// Sends a JSON body and decodes the reply.
    func send<B: Encodable, T: Decodable>(_ method: HTTPMethod, _ path: String, json body: B, as type: T.Type) async throws -> T {
        let data = try Self.encoder.encode(body)
        return try decode(try await send(method, path, body: data, contentType: "application/json"), as: T.self)
    }

    func decode<T: Decodable>(_ reply: Reply, as type: T.Type) throws -> T {
        do {
            return try Self.decoder.decode(T.self, from: reply.body)
        } catch {
            throw Failure(message: "unexpected reply from commcastd: \(error)", exitCode: ExitCodes.software.rawValue)
        }
    }

    /// Sends a request and returns the body of a 2xx reply; anything else becomes a `Failure`.
    func send(
        _ method: HTTPMethod, _ path: String, query: [String: String?] = [:], body: Data? = nil,
        contentType: String? = nil, stream: HTTPClientRequest.Body? = nil, timeout: TimeAmount = .seconds(600)
    ) async throws -> Reply {
        try checkSocket()
        let encodedSocket = socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socketPath
        var components = URLComponents()
        components.path = ControlAPI.versionPrefix + path
        let items = query.compactMap { k, v in v.map { URLQueryItem(name: k, value: $0) } }.sorted { $0.name < $1.name }
        if !items.isEmpty { components.queryItems = items }
        var request = HTTPClientRequest(
            url: "http+unix://\(encodedSocket)\(components.percentEncodedPath)\(components.percentEncodedQuery.map { "?\($0)" } ?? "")")
        request.method = method
        if let token, !token.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        } else if let stream {
            request.body = stream
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: timeout)
        } catch {
            throw Failure(
                message: "cannot reach commcastd on \(socketPath): \(error); is it running? (systemctl status commcastd)",
                exitCode: ExitCodes.unavailable.rawValue)
        }
        let collected = try await response.body.collect(upTo: 256 * 1024 * 1024)
        let data = Data(collected.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let apiError = try? Self.decoder.decode(APIErrorBody.self, from: data)
            let message = apiError?.message ?? "HTTP \(response.status.code)"
            let code: Int32 =
                switch response.status.code {
                case _ where ["not_connected", "no_answer"].contains(apiError?.code): ExitCodes.unavailable.rawValue
                case 401, 403: ExitCodes.noPermission.rawValue
                case 400, 404, 409, 413, 422: ExitCodes.dataError.rawValue
                default: ExitCodes.software.rawValue
                }
            throw Failure(message: message, exitCode: code)
        }
        let zone = response.headers.first(name: "X-Commcast-Time-Zone").flatMap(TimeZone.init(identifier:)) ?? .current
        StationZone.current.withLock { $0 = zone }
        return Reply(body: data, timeZone: zone)
    }

    /// Turns the common socket problems into messages that say what to do, before any
    /// request is sent.
    private func checkSocket() throws {
        switch ControlSocketProbe.probe(socketPath) {
        case .listening:
            return
        case .missing:
            throw Failure(
                message: "commcastd is not running: no control socket at \(socketPath) (start it with 'systemctl start commcastd', or pass --socket)",
                exitCode: ExitCodes.unavailable.rawValue)
        case .stale:
            throw Failure(
                message:
                    "commcastd is not running: \(socketPath) is left from an earlier run and nobody answers on it (start it with 'systemctl start commcastd'; it replaces the old socket)",
                exitCode: ExitCodes.unavailable.rawValue)
        case .notASocket:
            throw Failure(message: "\(socketPath) is not a socket: check --socket or COMMCAST_SOCKET", exitCode: ExitCodes.unavailable.rawValue)
        case .permissionDenied(let group):
            let who = group.map { "the \($0) group" } ?? "the socket's group (control.socket_group)"
            throw Failure(
                message: "permission denied on \(socketPath): ask an administrator to add you to \(who)",
                exitCode: ExitCodes.noPermission.rawValue)
        case .failed(let why):
            throw Failure(message: "cannot reach commcastd on \(socketPath): \(why)", exitCode: ExitCodes.unavailable.rawValue)
        }
    }
}
