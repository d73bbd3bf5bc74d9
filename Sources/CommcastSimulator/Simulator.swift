import AsyncHTTPClient
import CommcastLink
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// Runs many simulated clusters (and optional hostile clients) in one process
/// against a station, injects the configured faults, and tallies what happened.
public final class Simulator: Sendable {
    let options: SimulatorOptions
    let logger: Logger
    let counters = SimulatorCounters()
    let stopRequested = Atomic(false)

    public init(options: SimulatorOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Ends the run early (SIGINT, SIGTERM), with the summary of what happened so far.
    public func stop() { stopRequested.store(true, ordering: .relaxed) }

    /// Runs until `options.duration` has passed (or the completed-airings target is met).
    public func run() async -> SimulatorSummary {
        let http = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(
                tlsConfiguration: options.tlsConfiguration,
                connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)))
        let verifier = MediaVerifier()
        // With faults asked for, the clusters dial a fault proxy in front of the station.
        var clusterOptions = options
        var proxy: FaultProxy?
        if options.usesProxy, let colon = options.station.lastIndex(of: ":"), let port = Int(options.station[options.station.index(after: colon)...])
        {
            let faulty = FaultProxy(upstreamHost: String(options.station[..<colon]), upstreamPort: port, faults: options.faults ?? .init())
            if let local = try? await faulty.start() {
                proxy = faulty
                clusterOptions.station = "127.0.0.1:\(local)"
                logger.info("clusters dial through a fault proxy", metadata: ["proxy": "127.0.0.1:\(local)", "station": "\(options.station)"])
            } else {
                counters.error("cannot start the fault proxy")
            }
        }
        let faults = proxy
        let clusters = clusterOptions.clusters.map {
            SimulatedCluster(credential: $0, options: clusterOptions, counters: counters, verifier: verifier, http: http, logger: logger)
        }
        counters.update { $0.clusters = clusters.count }
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for cluster in clusters { group.addTask { await cluster.run() } }
            for i in 0..<options.hostileClients { group.addTask { await self.hostile(i) } }
            // The watcher ends the run; cancelling the group stops every cluster.
            group.addTask {
                await self.watch(clusters, start: start, proxy: faults)
            }
            await group.next()
            group.cancelAll()
        }
        try? await http.shutdown()
        await faults?.stop()
        var summary = counters.snapshot
        summary.connectedAtEnd = clusters.filter(\.isConnected).count
        summary.receiptsPending = clusters.reduce(0) { $0 + $1.pendingReceipts }
        if let first = summary.firstMediaScheduleAt, let last = summary.lastDownloadAt { summary.deliverySeconds = last.timeIntervalSince(first) }
        return summary
    }

    /// Measures connect times, injects mass drops, and decides when the run is over.
    func watch(_ clusters: [SimulatedCluster], start: ContinuousClock.Instant, proxy: FaultProxy?) async {
        var drops = options.dropAllAt.sorted()
        var outages = options.outages.sorted { $0.at < $1.at }
        var fins = options.finAt.sorted()
        var resets = options.resetAt.sorted()
        var lastDrop: ContinuousClock.Instant?
        var waitingForReconnect = false
        var welcomesAtDrop: [Int] = []
        while !Task.isCancelled {
            let elapsed = ContinuousClock.now - start
            if elapsed >= options.duration || stopRequested.load(ordering: .relaxed) { return }
            if counters.snapshot.allConnectedAfterSeconds == nil, clusters.allSatisfy(\.hasConnected) {
                counters.update { $0.allConnectedAfterSeconds = Self.seconds(elapsed) }
            }
            if waitingForReconnect, zip(clusters, welcomesAtDrop).allSatisfy({ $0.welcomeCount > $1 }), let lastDrop {
                counters.update { $0.reconnectedAfterDropSeconds = Self.seconds(ContinuousClock.now - lastDrop) }
                waitingForReconnect = false
            }
            if let next = drops.first, Self.seconds(elapsed) >= next {
                drops.removeFirst()
                logger.info("dropping every link", metadata: ["at": "\(next)"])
                lastDrop = .now
                waitingForReconnect = true
                welcomesAtDrop = clusters.map(\.welcomeCount)
                await withTaskGroup(of: Void.self) { g in for c in clusters { g.addTask { await c.dropLink() } } }
            }
            let now = Self.seconds(elapsed)
            if let next = outages.first, now >= next.at {
                outages.removeFirst()
                logger.info("outage", metadata: ["at": "\(next.at)", "seconds": "\(next.seconds)"])
                proxy?.outage(for: .milliseconds(Int64(next.seconds * 1000)))
            }
            if let next = fins.first, now >= next {
                fins.removeFirst()
                logger.info("a FIN to every cluster, then silence", metadata: ["at": "\(next)"])
                proxy?.finAndSilence()
            }
            if let next = resets.first, now >= next {
                resets.removeFirst()
                logger.info("every link reset", metadata: ["at": "\(next)"])
                proxy?.resetAll()
            }
            if let target = options.stopAfterCompleted, !waitingForReconnect, drops.isEmpty {
                let s = counters.snapshot
                if s.airingsCompleted >= target, clusters.allSatisfy({ $0.pendingReceipts == 0 }) { return }
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// A client that keeps misbehaving: each attempt must end with the station closing it.
    func hostile(_ index: Int) async {
        let forged = ClusterCredential(newFor: options.clusters.first?.clusterID ?? "nobody")
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            let kind = (index + attempt) % 5
            counters.update { $0.hostileAttempts += 1 }
            let close = try? await WebSocketClient.connect(
                url: options.linkURL, configuration: .init(maxFrameSize: 1 << 20),
                tlsConfiguration: options.tlsConfiguration, logger: logger
            ) { inbound, out, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                guard case .text(let first)? = try await messages.next(), case .challenge(let ch) = try LinkCodec.decodeServerMessage(first) else {
                    return
                }
                switch kind {
                case 0: try await out.write(.text("{\"type\":\"hello\",\"cluster_id\":"))  // truncated JSON
                case 1: try await out.write(.text(String(repeating: "x", count: 200_000)))  // oversized frame
                case 2:
                    try await out.write(
                        .text(LinkCodec.encode(HelloMessage(clusterID: forged.clusterID, signature: try forged.sign(nonce: ch.nonce)))))
                case 3: try await out.write(.binary(ByteBuffer(bytes: (0..<64).map { UInt8($0) })))  // binary garbage
                default:
                    try await out.write(
                        .text(LinkCodec.encode(HelloMessage(clusterID: "no-such-\(index)", signature: try forged.sign(nonce: ch.nonce)))))
                }
                while (try? await messages.next()) != nil {}
            }
            if let close, UInt16(webSocketErrorCode: close.closeCode) != 1000 {
                counters.update { $0.hostileClosedByStation += 1 }
            }
            try? await Task.sleep(for: .milliseconds(Int.random(in: 200...600)))
        }
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
