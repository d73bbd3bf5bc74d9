import AsyncHTTPClient
import CommcastCore
import CommcastStore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// Delivers the outbox to the province: the oldest undelivered reports in batches,
/// strictly in order, each batch again and again (exponential backoff with jitter)
/// until the province takes it. Only one batch is ever in memory; the backlog waits
/// on disk, so a province that is down for a week costs disk, not RAM.
///
/// A batch is marked delivered only after the province's 2xx reply. A crash or a
/// dropped connection in between sends the batch again; the province drops the
/// events it already has by their keys (docs/provincial-api.md).
public struct ReporterService: Service {
    let settings: RunningConfiguration
    let database: CommcastDatabase
    let wire: any ProvincialProtocol
    let progress: ReporterProgress
    let logger: Logger
    let now: @Sendable () -> Date
    let random: @Sendable () -> Double

    public init(
        settings: RunningConfiguration, database: CommcastDatabase, wire: any ProvincialProtocol = CommcastProvincialProtocol(),
        progress: ReporterProgress,
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.settings = settings
        self.database = database
        self.wire = wire
        self.progress = progress
        self.logger = logger
        self.now = now
        self.random = random
    }

    public func run() async throws {
        let settings = settings.current.province
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: try Self.clientConfiguration(settings))
        let station = settings.stationID.isEmpty ? ProcessInfo.processInfo.hostName : settings.stationID
        let backoff = RetryBackoff(base: .seconds(1), maximum: .seconds(settings.maxBackoffSeconds))
        logger.info("reporting to the province", metadata: ["url": "\(settings.reportURL)", "station": "\(station)", "protocol": "\(wire.name)"])
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let batch: [ReportEvent]
            do {
                batch = try await offload { [database] in try database.pendingReports(limit: settings.batchSize) }
            } catch {
                logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
                batch = []
            }
            if batch.isEmpty {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(settings.intervalSeconds)) }
                continue
            }
            do {
                // A slow province must not hold up a shutdown: the batch is simply sent
                // again after the restart, and the receiver drops what it already has.
                try await cancelWhenGracefulShutdown {
                    try await deliver(batch, station: station, client: client, settings: settings)
                }
                failures = 0
            } catch  where Task.isShuttingDownGracefully || Task.isCancelled {
                break
            } catch {
                failures += 1
                let wait = backoff.delay(afterFailures: failures, random: random())
                let message = "\(error)"
                let at = now()
                progress.failed(message, at: at, retryAt: at.addingTimeInterval(Double(wait.components.seconds)))
                try? await offload { [database] in try database.noteReportFailure(sequence: batch[0].sequence, error: message) }
                // The first failure after a success is news; the rest of an outage is not.
                logger.log(
                    level: failures == 1 ? .warning : .debug, "province did not take a report batch",
                    metadata: [
                        "error": "\(message)", "first": "\(batch[0].sequence)", "events": "\(batch.count)",
                        "failures": "\(failures)", "retry_in": "\(wait)",
                    ])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            }
        }
        try? await client.shutdown()
    }

    /// Sends one batch; returns once the province took it and it is marked delivered.
    func deliver(_ batch: [ReportEvent], station: String, client: HTTPClient, settings: DaemonConfiguration.ProvinceSection) async throws {
        let encoded = try wire.encodeBatch(batch, station: station, sentAt: now())
        var request = HTTPClientRequest(url: settings.reportURL)
        request.method = .POST
        for (name, value) in encoded.headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Authorization", value: "Bearer \(settings.token)")
        request.headers.add(name: "User-Agent", value: "commcastd/\(CommcastVersion.current)")
        request.body = .bytes(ByteBuffer(data: encoded.body))
        let response = try await client.execute(request, timeout: .seconds(60))
        // A receiver's reply is a status and a few words; more than 64 KiB is not read.
        let body = try await response.body.collect(upTo: 64 << 10)
        switch wire.verdict(status: Int(response.status.code), body: Data(body.readableBytesView)) {
        case .delivered:
            let (first, last, at) = (batch[0].sequence, batch[batch.count - 1].sequence, now())
            try await offload { [database] in try database.markReportsDelivered(from: first, through: last, at: at) }
            progress.succeeded(events: batch.count, at: at)
            logger.debug("report batch delivered", metadata: ["first": "\(first)", "last": "\(last)"])
        case .retry(let reason):
            throw ReportDeliveryError(reason: reason)
        }
    }

    static func clientConfiguration(_ settings: DaemonConfiguration.ProvinceSection) throws -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        if !settings.caBundle.isEmpty {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(settings.caBundle)
            configuration.tlsConfiguration = tls
        }
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        // Fresh connections after an idle minute: a 4G or NAT path forgets idle flows.
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        return configuration
    }
}

/// The province answered, but not with a yes.
struct ReportDeliveryError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
