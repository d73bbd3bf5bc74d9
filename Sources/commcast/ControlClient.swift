import AsyncHTTPClient
import CommcastControlAPI
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Talks to `commcastd`'s control API over its Unix socket, or over HTTPS through its
/// web console (`--url`, with an operator's token).
struct ControlClient {
    /// Socket path.
    let socketPath: String
    /// Operator token sent as `Authorization: Bearer`.
    var token: String? = nil
    /// The web console's base URL, `https://HOST:PORT`; nil: the socket.
    var baseURL: String? = nil
    /// A PEM certificate to trust for `baseURL` (a self-signed station's).
    var trustedCertificate: String? = nil

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
        var components = URLComponents()
        components.path = ControlAPI.versionPrefix + path
        let items = query.compactMap { k, v in v.map { URLQueryItem(name: k, value: $0) } }.sorted { $0.name < $1.name }
        if !items.isEmpty { components.queryItems = items }
        let target = "\(components.percentEncodedPath)\(components.percentEncodedQuery.map { "?\($0)" } ?? "")"
        let url: String
        if let baseURL {
            url = try Self.remote(baseURL, token: token) + target
            try await Self.preflight(baseURL, trusting: trustedCertificate)
        } else {
            try checkSocket()
            let encodedSocket = socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socketPath
            url = "http+unix://\(encodedSocket)\(target)"
        }
        var request = HTTPClientRequest(url: url)
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
            response = try await Self.httpClient(trusting: trustedCertificate).execute(request, timeout: timeout)
        } catch let failure as Failure {
            throw failure
        } catch {
            let where_ = baseURL ?? socketPath
            throw Failure(
                message: "cannot reach commcastd at \(where_): \(error); is it running? (systemctl status commcastd)",
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

    /// The base of a remote station's URLs, checked: HTTPS (plain HTTP only to this
    /// host), and a token, since nothing else identifies a remote caller.
    static func remote(_ base: String, token: String?) throws -> String {
        guard let u = URL(string: base), let scheme = u.scheme, let host = u.host, u.path.isEmpty || u.path == "/" else {
            throw Failure(message: "--url: got \(base.debugDescription), expected https://HOST:PORT", exitCode: ExitCodes.usage.rawValue)
        }
        guard scheme == "https" || (scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(host)) else {
            throw Failure(
                message: "--url: got \(base), expected https:// (plain http only to this machine: a token must not cross a network in clear)",
                exitCode: ExitCodes.usage.rawValue)
        }
        guard let token, !token.isEmpty else {
            throw Failure(message: "--url needs an operator token: --token or COMMCAST_TOKEN", exitCode: ExitCodes.usage.rawValue)
        }
        return base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    /// Checks once per command that a remote station's certificate is trusted, so the
    /// failure says what to do.
    static func preflight(_ base: String, trusting certificate: String?) async throws {
        guard let u = URL(string: base), u.scheme == "https", let host = u.host else { return }
        guard preflighted.withLock({ $0.insert(base).inserted }) else { return }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let certificate, let roots = try? NIOSSLCertificate.fromPEMFile(certificate) { configuration.trustRoots = .certificates(roots) }
        do {
            try await TLSPreflight.check(host: host, port: u.port ?? 443, configuration: configuration)
        } catch let error as NIOSSLError {
            throw Failure(
                message:
                    "cannot reach commcastd at \(base): its certificate is not trusted or not for \(host) (\(error)); "
                    + "pass the station's certificate with --ca, or reach it by a name in its certificate",
                exitCode: ExitCodes.unavailable.rawValue)
        } catch let error as BoringSSLError {
            throw Failure(
                message: "cannot reach commcastd at \(base): TLS failed (\(error)); pass the station's certificate with --ca",
                exitCode: ExitCodes.unavailable.rawValue)
        } catch {
            throw Failure(
                message: "cannot reach commcastd at \(base): \(error); is it running, and is the port open?", exitCode: ExitCodes.unavailable.rawValue
            )
        }
    }

    static let preflighted = Mutex<Set<String>>([])

    /// Clients that trust a station's own certificate, by its file; they live as long
    /// as the command (one process, one station).
    static let trustingClients = Mutex<[String: HTTPClient]>([:])

    /// The shared client, or one that trusts a station's own certificate.
    static func httpClient(trusting certificate: String?) throws -> HTTPClient {
        guard let certificate else { return HTTPClient.shared }
        if let made = trustingClients.withLock({ $0[certificate] }) { return made }
        let roots: [NIOSSLCertificate]
        do { roots = try NIOSSLCertificate.fromPEMFile(certificate) } catch {
            throw Failure(message: "--ca: cannot read \(certificate) as a PEM certificate (\(error))", exitCode: ExitCodes.noInput.rawValue)
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(roots)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        trustingClients.withLock { $0[certificate] = client }
        return client
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
