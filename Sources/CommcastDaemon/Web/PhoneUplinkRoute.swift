import CommcastConsole
import CommcastControlAPI
import CommcastCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// The console's WebSocket for a phone's live audio, `GET /v1/live/ID/uplink`
/// (docs/live.md, "From a phone"): the page starts the broadcast with
/// `POST /v1/live` (source `phone`), then sends its frames here; the station
/// answers the page's clock question and sends the broadcast's status every half
/// second, and `ended` with the reason when it is over.
///
/// The upgrade is a GET, so the session's CSRF token comes in the query
/// (`?csrf=`), and a browser's `Origin` must be the console's own: a page of
/// another site cannot open it with the operator's cookie. Only the operator who
/// started the broadcast may feed it.
extension WebConsoleService {
    /// Largest message a phone may send: ten 20 ms Opus frames at the highest rate.
    static let maxUplinkMessageBytes = PhoneUplinkMessage.headerSize + PhoneUplinkMessage.maxFrames * 1_277

    func makeWebSocketRouter() -> Router<ControlRequestContext> {
        let router = Router(context: ControlRequestContext.self)
        router.add(middleware: ErrorMappingMiddleware())
        router.add(middleware: WebAccessMiddleware(settings: settings, sessions: sessions))
        let uplinks = api.station.onAir.uplinks
        router.ws("/v1/live/:id/uplink") { [self] request, context in
            _ = try admitUplink(request, context: context)
            return .upgrade([:])
        } onUpgrade: { [self] inbound, outbound, context in
            guard let id = context.requestContext.parameters.get("id"), let uplink = uplinks.uplink(id),
                let connection = uplink.opened(now: Date())
            else {
                try await outbound.close(.goingAway, reason: "the broadcast is over")
                return
            }
            logger.info("phone uplink connected", metadata: ["live_id": "\(id)", "connection": "\(connection)"])
            defer {
                uplink.closed(connection)
                logger.info("phone uplink closed", metadata: ["live_id": "\(id)", "connection": "\(connection)"])
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                let token = context.requestContext.sessionToken
                group.addTask { try await sendStatus(of: uplink, connection: connection, session: token, to: outbound) }
                do {
                    for try await message in inbound.messages(maxSize: Self.maxUplinkMessageBytes) {
                        switch message {
                        case .binary(let buffer):
                            try uplink.receive(buffer.readableBytesView, from: connection, now: Date())
                        case .text(let text):
                            guard let notice = try? JSONDecoder().decode(PhoneUplinkNotice.self, from: Data(text.utf8)), notice.type == "clock"
                            else { continue }
                            let reply = PhoneUplinkNotice(type: "clock", sent: notice.sent, station: Date().timeIntervalSince1970 * 1000)
                            try await outbound.writeTextMessage(String(decoding: try JSONResponse.encoder.encode(reply), as: UTF8.self))
                        }
                    }
                } catch let error as PhoneUplinkError {
                    logger.warning("phone uplink: a message refused", metadata: ["live_id": "\(id)", "error": "\(error)"])
                    try? await outbound.close(.dataInconsistentWithMessage, reason: String(describing: error).prefix(120).description)
                }
                group.cancelAll()
            }
        }
        return router
    }

    /// The checks before a phone may feed a broadcast: a logged-in operator, the
    /// session's CSRF token, the console's own origin, a broadcast that waits for a
    /// phone, started by this operator.
    func admitUplink(_ request: Request, context: ControlRequestContext) throws -> PhoneUplink {
        guard let op = context.operator else { throw APIError(status: .unauthorized, code: "unauthorized", message: "log in first") }
        if let token = context.sessionToken {
            let csrf = request.uri.queryParameters.get("csrf") ?? ""
            guard let (session, _) = sessions.find(token: token, operatorNamed: settings.operator(named:)),
                SecretToken.equal(csrf, session.csrfToken)
            else { throw APIError(status: .forbidden, code: "csrf", message: "csrf: missing or wrong, expected the token of this session") }
        }
        if let origin = request.headers[.origin], !Self.sameOrigin(origin, authority: request.head.authority) {
            throw APIError(status: .forbidden, code: "origin", message: "Origin: got \(origin), expected this console's own address")
        }
        let id = try context.parameters.require("id")
        guard let uplink = api.station.onAir.uplinks.uplink(id) else {
            throw APIError.notFound("no broadcast \(id) waits for a phone's audio (start one with POST /v1/live, source phone)")
        }
        guard uplink.operatorName == op.name else {
            throw APIError(
                status: .forbidden, code: "forbidden", message: "broadcast \(id) was started by \(uplink.operatorName); only they may feed it")
        }
        return uplink
    }

    /// Every half second while this connection feeds the broadcast: its status;
    /// then why it ended (or that another connection took over), and the connection
    /// closes. Each status keeps the console session alive (an operator on air is
    /// at work); a session that ended meanwhile (logged out, its password or roles
    /// changed) closes the connection, and the broadcast ends past the grace.
    private func sendStatus(of uplink: PhoneUplink, connection: Int, session: String?, to outbound: WebSocketOutboundWriter) async throws {
        let onAir = api.station.onAir
        let encoder = JSONResponse.encoder
        while !Task.isCancelled {
            if let session, sessions.find(token: session, operatorNamed: settings.operator(named:)) == nil {
                try await outbound.close(.policyViolation, reason: "the console session ended; log in again")
                return
            }
            guard uplink.isCurrent(connection), onAir.isRunning(uplink.liveID) else { break }
            let status = PhoneUplinkNotice(type: "status", live: onAir.current, uplink: uplink.counts)
            try await outbound.writeTextMessage(String(decoding: try encoder.encode(status), as: UTF8.self))
            try await Task.sleep(for: .milliseconds(500))
        }
        let notice: PhoneUplinkNotice
        if onAir.isRunning(uplink.liveID) {
            notice = PhoneUplinkNotice(type: "replaced", reason: "another connection of this broadcast took over")
        } else {
            let ended = onAir.current.flatMap { $0.liveId == uplink.liveID ? $0 : nil }
            notice = PhoneUplinkNotice(type: "ended", live: ended, uplink: uplink.counts, reason: ended?.endReason ?? "the broadcast is over")
        }
        try await outbound.writeTextMessage(String(decoding: try encoder.encode(notice), as: UTF8.self))
        try await outbound.close(.normalClosure, reason: nil)
    }

    /// Whether `Origin` is acceptable for `authority` (`host:port`): a browser's page
    /// (an http or https origin, or `null`) must be the console's own; a client that
    /// is not a browser (WebSocket libraries send their own `ws://` origin) cannot
    /// carry another site's cookie, so its origin says nothing.
    static func sameOrigin(_ origin: String, authority: String?) -> Bool {
        guard let url = URL(string: origin), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
            return origin != "null"
        }
        guard let authority, let host = url.host else { return false }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return (bracketed + (url.port.map { ":\($0)" } ?? "")).lowercased() == authority.lowercased()
    }
}
