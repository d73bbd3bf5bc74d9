import CommcastCore
import CommcastStore
import Crypto
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The webhook the province sends bulletins to: `POST /v1/province/bulletins`,
/// HTTPS when the link has a certificate, with a bearer token whose sha256 is in
/// `province.webhook_token_sha256`. A bad request is refused with the reason and
/// touches nothing else (docs/provincial-api.md, "Bulletins from the province").
public struct ProvinceWebhookService: Service {
    let settings: RunningConfiguration
    let intake: ProvinceIntake
    let wire: any ProvincialProtocol
    let logger: Logger
    let onListening: @Sendable (String) async -> Void

    public init(
        settings: RunningConfiguration, database: CommcastDatabase, media: MediaStore, station: Station,
        wire: any ProvincialProtocol = CommcastProvincialProtocol(), logger: Logger,
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) {
        self.settings = settings
        self.intake = ProvinceIntake(settings: settings, database: database, media: media, station: station, logger: logger)
        self.wire = wire
        self.logger = logger
        self.onListening = onListening
    }

    /// The answer to a bulletin: the station's id for it and what became of it.
    struct Receipt: Codable {
        var id: Int64
        var provinceId: String
        var state: String
        var bulletinId: Int64?
        var liveId: String?
        var duplicate: Bool
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorMappingMiddleware())
        let (configuration, intake, wire, logger) = (self.settings, intake, wire, logger)
        router.post("v1/province/bulletins") { request, _ in
            let settings = configuration.current.province
            guard let auth = request.headers[.authorization], auth.hasPrefix("Bearer "),
                Self.sha256Hex(String(auth.dropFirst(7))) == settings.webhookTokenSHA256
            else {
                logger.warning("province webhook refused a request without a valid token")
                throw APIError(status: .unauthorized, code: "unauthorized", message: "Authorization: expected Bearer and the province's token")
            }
            let limit = settings.maxBulletinMB << 20
            if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
                throw APIError(
                    status: .contentTooLarge, code: "too_large", message: "body: \(length) bytes, expected at most \(settings.maxBulletinMB) MB")
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: limit)
            } catch {
                throw APIError(
                    status: .contentTooLarge, code: "too_large", message: "body: more than \(settings.maxBulletinMB) MB, expected at most that")
            }
            let bulletin: ProvinceBulletin
            do {
                bulletin = try wire.decodeBulletin(Data(body.readableBytesView))
            } catch {
                logger.warning("province webhook refused a malformed bulletin", metadata: ["error": "\(error)"])
                throw error
            }
            let (record, isNew) = try await intake.receive(bulletin)
            return try JSONResponse.ok(
                Receipt(
                    id: record.id, provinceId: record.provinceId, state: record.state.rawValue,
                    bulletinId: record.bulletinId, liveId: record.liveId, duplicate: !isNew),
                status: isNew ? .accepted : .ok)
        }
        return router
    }

    public func run() async throws {
        let settings = self.settings.current.province
        let parts = settings.webhookListen.split(separator: ":")
        let (host, port) = (String(parts[0]), Int(parts[1]) ?? 0)
        let link = self.settings.current.link
        let server: HTTPServerBuilder
        if link.usesTLS {
            let chain = try NIOSSLCertificate.fromPEMFile(link.tlsCertificate).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: link.tlsKey, format: .pem)
            server = try .tls(
                .http1(), tlsConfiguration: TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        } else {
            server = .http1()
        }
        let app = Application(
            router: makeRouter(), server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "commcastd/\(CommcastVersion.current)"),
            onServerRunning: { [logger, onListening] channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? settings.webhookListen
                logger.info("province webhook listening", metadata: ["address": "\(address)", "tls": "\(link.usesTLS)"])
                await onListening(address)
            },
            logger: logger
        )
        try await app.runService()
    }

    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
