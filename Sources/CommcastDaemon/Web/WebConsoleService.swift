import CommcastConsole
import CommcastControlAPI
import CommcastCore
import CommcastStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The web console (docs/console.md): its page at `/`, a login that opens a session
/// in a cookie, and the control API at `/v1/…` with the very routes the socket
/// serves, so the console is one more entry point over the same desks and checks.
/// HTTPS with `[web]`'s certificate or the link's; without one it listens on
/// 127.0.0.1 only.
public struct WebConsoleService: Service {
    let settings: RunningConfiguration
    let api: ControlAPIService
    let database: CommcastDatabase
    let sessions: ConsoleSessions
    let throttle: LoginThrottle
    let passwordChecks = PasswordCheckGate(limit: 2)
    let logger: Logger
    let onListening: @Sendable (String) async -> Void

    public init(
        settings: RunningConfiguration, api: ControlAPIService, database: CommcastDatabase, sessions: ConsoleSessions,
        throttle: LoginThrottle = LoginThrottle(), logger: Logger, onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) {
        self.settings = settings
        self.api = api
        self.database = database
        self.sessions = sessions
        self.throttle = throttle
        self.logger = logger
        self.onListening = onListening
    }

    /// The certificate and key the console serves, if any: its own, else the link's.
    static func certificate(_ configuration: DaemonConfiguration) -> (certificate: String, key: String)? {
        if !configuration.web.tlsCertificate.isEmpty { return (configuration.web.tlsCertificate, configuration.web.tlsKey) }
        if configuration.link.usesTLS { return (configuration.link.tlsCertificate, configuration.link.tlsKey) }
        return nil
    }

    func makeRouter(tls: Bool) -> Router<ControlRequestContext> {
        let router = Router(context: ControlRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: SecurityHeadersMiddleware(tls: tls))
        router.add(middleware: ErrorMappingMiddleware())
        router.add(middleware: WebAccessMiddleware(settings: settings, sessions: sessions))
        addPageRoutes(to: router)
        let v1 = router.group(RouterPath(ControlAPI.versionPrefix))
        addSessionRoutes(to: v1, tls: tls)
        api.addAPIRoutes(to: v1)
        // Reached when the upgrade was refused (or not asked): the same checks say why.
        v1.get("live/:id/uplink") { [self] request, context -> Response in
            _ = try admitUplink(request, context: context)
            return JSONResponse.error(.upgradeRequired, code: "websocket", message: "open this address as a WebSocket")
        }
        router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
        return router
    }

    /// `/`, `/console.css`, `/console.js`: compiled into the binary, with a strong ETag.
    func addPageRoutes(to router: Router<ControlRequestContext>) {
        for path in ["/"] + ConsoleAssets.paths.filter({ $0 != "/index.html" }) {
            router.get(RouterPath(path)) { request, _ in
                guard let asset = ConsoleAssets.asset(at: path) else { throw APIError.notFound("no such page") }
                var headers: HTTPFields = [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache"]
                if request.headers[.ifNoneMatch] == asset.etag {
                    return Response(status: .notModified, headers: headers)
                }
                headers[.contentLength] = "\(asset.bytes.count)"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
            }
        }
    }

    /// `POST /v1/session` (log in), `GET /v1/session` (who am I), `DELETE /v1/session` (log out).
    func addSessionRoutes(to v1: RouterGroup<ControlRequestContext>, tls: Bool) {
        v1.post("session") { [self] request, context in
            let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
            let body = try await RequestBody.json(LoginRequest.self, from: request, limit: 4096)
            let name = body.name.trimmingCharacters(in: .whitespaces)
            if case .locked(let until, let what) = throttle.check(account: name, address: address) {
                let seconds = max(1, Int(until.timeIntervalSinceNow.rounded(.up)))
                var response = JSONResponse.error(
                    .tooManyRequests, code: "locked", message: "\(what) is locked after too many failed logins; try again in \(seconds) s")
                response.headers[.retryAfter] = "\(seconds)"
                return response
            }
            let op = settings.operator(named: name)
            let stored = try op.flatMap { try database.passwordHash(operatorName: $0.name) }
            // Unknown names cost the same Argon2id work as known ones: the answer's
            // timing does not tell which operators exist.
            let verified = try await passwordChecks.run {
                try await offload { PasswordHasher.verify(body.password, against: stored ?? Self.decoyHash) && stored != nil }
            }
            guard let op, verified else {
                try recordFailedLogin(account: name, address: address)
                logger.notice("console login failed", metadata: ["name": "\(name.prefix(64))", "address": "\(address)"])
                return JSONResponse.error(.unauthorized, code: "unauthorized", message: "wrong user name or password")
            }
            // The second factor, for an operator who enrolled one: without a code the
            // page is asked for one (the password was right, nothing is counted);
            // a wrong or reused code counts as a failed login.
            if let totp = try database.totp(operatorName: op.name) {
                guard let code = body.code, !code.isEmpty else {
                    return JSONResponse.error(.unauthorized, code: "totp_required", message: "enter the 6-digit code of the authenticator app")
                }
                guard let step = TOTP.matchingStep(code, secret: totp.secret, at: Date(), after: totp.lastStep),
                    try database.useTOTPStep(step, operatorName: op.name)
                else {
                    try recordFailedLogin(account: name, address: address)
                    logger.notice("console login: wrong second factor", metadata: ["name": "\(op.name)", "address": "\(address)"])
                    return JSONResponse.error(.unauthorized, code: "totp_wrong", message: "wrong or already used code; wait for the next one")
                }
            }
            throttle.recordSuccess(account: name)
            if let stored, PasswordHasher.needsRehash(stored), let fresh = try? PasswordHasher.hash(body.password) {
                try database.rehashPassword(fresh, operatorName: op.name)
            }
            let (token, session) = sessions.open(for: op, address: address)
            try database.audit(Actor(name: op.name, origin: "console:\(address)"), action: "console.login", target: nil, at: Date())
            var response = try JSONResponse.ok(view(op, session))
            response.setCookie(
                try Cookie.validated(
                    name: WebAccessMiddleware.cookieName, value: token, maxAge: Int(sessions.absoluteTimeout), path: "/", secure: tls,
                    httpOnly: true, sameSite: .strict))
            return response
        }
        v1.get("session") { [self] _, context in
            guard let token = context.sessionToken, let op = context.operator,
                let (session, _) = sessions.find(token: token, operatorNamed: { $0 == op.name ? op : nil })
            else { throw APIError(status: .unauthorized, code: "unauthorized", message: "no console session (log in with POST /v1/session)") }
            return try JSONResponse.ok(view(op, session))
        }
        v1.delete("session") { [self] _, context in
            guard let token = context.sessionToken, let op = context.operator else {
                throw APIError(status: .unauthorized, code: "unauthorized", message: "no console session to end")
            }
            sessions.close(token: token)
            try database.audit(context.actor(op), action: "console.logout", target: nil, at: Date())
            var response = Response(status: .noContent)
            response.setCookie(
                try Cookie.validated(
                    name: WebAccessMiddleware.cookieName, value: "", maxAge: 0, path: "/", secure: tls, httpOnly: true, sameSite: .strict))
            return response
        }
    }

    func view(_ op: Operator, _ session: ConsoleSessions.Session) -> SessionView {
        SessionView(
            operator: op.name, roles: op.roles.map(\.rawValue).sorted(), zones: op.zonePaths, csrfToken: session.csrfToken,
            timeZone: settings.calendar.timeZone.identifier, approval: settings.current.schedule.approval.rawValue,
            administrator: op.isAdministrator)
    }

    /// Counts a failed login, and writes each lock it causes in the audit log.
    func recordFailedLogin(account: String, address: String) throws {
        for lock in throttle.recordFailure(account: account, address: address) {
            logger.warning("console login locked", metadata: ["what": "\(lock.what)", "failures": "\(lock.failures)"])
            try database.audit(
                Actor(name: "commcastd", origin: "console:\(address)"), action: "console.lockout", target: lock.what,
                details: ["failures": "\(lock.failures)", "until": lock.until.formatted(.iso8601)], at: Date())
        }
    }

    /// Verified against when the name is unknown or has no password, so both cost the same.
    static let decoyHash: String = (try? PasswordHasher.hash(LinkAuthenticationDecoy.text)) ?? ""

    public func run() async throws {
        let configuration = settings.current
        let web = configuration.web
        let tls = Self.certificate(configuration)
        let loopbackOnly = tls == nil && !["127.0.0.1", "::1", "localhost"].contains(web.listenAddress)
        if loopbackOnly {
            logger.warning(
                "web console without a certificate: listening on 127.0.0.1 only",
                metadata: [
                    "asked": "\(web.listenAddress)",
                    "why": "passwords and session cookies must not cross a network in clear; set web.tls_certificate",
                ])
        }
        let host = loopbackOnly ? "127.0.0.1" : web.listenAddress
        let server: HTTPServerBuilder
        if let tls {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
            server = try .tls(
                .http1WebSocketUpgrade(webSocketRouter: makeWebSocketRouter()),
                tlsConfiguration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        } else {
            server = .http1WebSocketUpgrade(webSocketRouter: makeWebSocketRouter())
        }
        let port = web.port
        let app = Application(
            router: makeRouter(tls: tls != nil), server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "commcastd/\(CommcastVersion.current)"),
            onServerRunning: { [logger, onListening] channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)"
                logger.info("web console listening", metadata: ["address": "\(address)", "tls": "\(tls != nil)"])
                await onListening(address)
            },
            logger: logger)
        do {
            try await app.run()
        } catch {
            // The console is not worth the station: the link and the schedule go on
            // without it, and the log says why it is missing.
            logger.error(
                "web console cannot listen; the station runs without it",
                metadata: ["address": "\(host):\(port)", "error": "\(error)"])
            try? await gracefulShutdown()
        }
    }
}

/// A fixed text whose hash stands in for a missing password (never a valid login:
/// the check also requires a stored hash).
enum LinkAuthenticationDecoy {
    static let text = "commcast decoy password, never stored"
}
