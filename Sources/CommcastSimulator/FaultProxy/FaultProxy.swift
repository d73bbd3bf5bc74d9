import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP proxy between clusters and the station that does to their links what 4G
/// does (issue 18): latency with jitter, a bandwidth cap, stalls (the link stops
/// moving for seconds, as a weak cell does), connection resets, and outages (nothing
/// moves; connections opened meanwhile wait). The kernel here has no `netem`, so the
/// faults are made in user space, on the bytes, with their order kept.
///
/// Bytes are held, never dropped: TCP under the link would retransmit what a real
/// network lost, so what a cluster sees is delay, not corruption.
public final class FaultProxy: Sendable {
    /// What the proxy does to every connection, each direction on its own.
    public struct Faults: Sendable, Equatable {
        /// Added to every chunk, plus or minus up to `jitter` (order kept).
        public var latency: Duration = .zero
        public var jitter: Duration = .zero
        /// A cap on each direction of each connection; nil: none.
        public var bitsPerSecond: Int?
        /// How often, on average, a direction stops moving, and for how long.
        public var stallsPerMinute: Double = 0
        public var stallSeconds: ClosedRange<Double> = 2...20
        /// How often, on average, a connection is reset.
        public var resetsPerHour: Double = 0

        public init() {}

        /// The profiles `commcast-sim --faults` knows.
        public static let profileNames = ["4g-good", "4g-bad"]

        /// A 4G cell as the field sees it (issue 18): good, 60 ms ± 20; bad, 300 ms
        /// ± 150, 64 kbit/s each way, a 2–20 s stall every two minutes on average, and
        /// two resets an hour.
        public static func profile(named name: String) -> Faults? {
            var f = Faults()
            switch name {
            case "4g-good":
                f.latency = .milliseconds(60)
                f.jitter = .milliseconds(20)
            case "4g-bad":
                f.latency = .milliseconds(300)
                f.jitter = .milliseconds(150)
                f.bitsPerSecond = 64_000
                f.stallsPerMinute = 0.5
                f.stallSeconds = 2...20
                f.resetsPerHour = 2
            default:
                return nil
            }
            return f
        }
    }

    struct State {
        var faults: Faults
        var outageUntil: NIODeadline?
        var pairs: [ObjectIdentifier: Pair] = [:]
        var server: (any Channel)?
    }

    /// One proxied connection: the cluster's side and the station's.
    final class Pair: @unchecked Sendable {
        let client: any Channel
        var upstream: (any Channel)?
        /// FIN sent to the cluster and nothing more either way: what a NAT that forgot
        /// the connection, or a half-dead peer, looks like.
        let silenced = NIOLockedValueBox(false)
        var silent: Bool { silenced.withLockedValue { $0 } }
        init(client: any Channel) { self.client = client }
    }

    let upstreamHost: String
    let upstreamPort: Int
    let group: any EventLoopGroup
    let state: NIOLockedValueBox<State>

    public init(upstreamHost: String, upstreamPort: Int, faults: Faults = .init(), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
    {
        self.upstreamHost = upstreamHost
        self.upstreamPort = upstreamPort
        self.group = group
        state = NIOLockedValueBox(State(faults: faults))
    }

    /// The faults from now on.
    public var faults: Faults {
        get { state.withLockedValue { $0.faults } }
        set { state.withLockedValue { $0.faults = newValue } }
    }

    /// Listens on `host`:`port` (0: any free port); returns the port.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // The cluster's bytes wait until the station's side is connected.
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { [self] client in
                let pair = Pair(client: client)
                state.withLockedValue { $0.pairs[ObjectIdentifier(client)] = pair }
                return client.pipeline.addHandler(Relay(proxy: self, pair: pair, towardsStation: true)).flatMap { [self] in
                    connectUpstream(pair, from: client.eventLoop)
                }
            }
            .bind(host: host, port: port).get()
        state.withLockedValue { $0.server = server }
        return server.localAddress?.port ?? port
    }

    /// Stops listening and closes every connection.
    public func stop() async {
        let (server, pairs) = state.withLockedValue { s in (s.server, Array(s.pairs.values)) }
        try? await server?.close()
        for pair in pairs { close(pair) }
    }

    /// Nothing moves either way for `duration`; connections opened meanwhile reach the
    /// station only after it. What was sent meanwhile arrives then, in order.
    public func outage(for duration: Duration) {
        let until =
            NIODeadline.now() + .nanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        state.withLockedValue { $0.outageUntil = max($0.outageUntil ?? until, until) }
    }

    /// Resets every connection now (RST both ways).
    public func resetAll() {
        for pair in state.withLockedValue({ Array($0.pairs.values) }) { reset(pair) }
    }

    /// Sends every connected cluster a FIN and then nothing, leaving the station's side
    /// open: the cluster must notice by its own liveness rule.
    public func finAndSilence() {
        for pair in state.withLockedValue({ Array($0.pairs.values) }) {
            pair.silenced.withLockedValue { $0 = true }
            pair.client.close(mode: .output, promise: nil)
        }
    }

    private func connectUpstream(_ pair: Pair, from loop: any EventLoop) -> EventLoopFuture<Void> {
        let wait = state.withLockedValue { s -> TimeAmount in
            guard let until = s.outageUntil else { return .zero }
            return max(.zero, until - .now())
        }
        let connected = loop.scheduleTask(in: wait) { [self] in
            ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [self] upstream in
                    upstream.pipeline.addHandler(Relay(proxy: self, pair: pair, towardsStation: false))
                }
                .connect(host: upstreamHost, port: upstreamPort)
        }.futureResult.flatMap { $0 }
        connected.whenComplete { [self] result in
            switch result {
            case .success(let upstream):
                loop.execute {
                    pair.upstream = upstream
                    pair.client.setOption(.autoRead, value: true).whenFailure { _ in self.close(pair) }
                }
            case .failure:
                close(pair)
            }
        }
        return loop.makeSucceededVoidFuture()
    }

    /// One side closed: the other closes once what was read before it has gone out,
    /// and not during an outage (a close is news that travels like data).
    func closeLater(_ pair: Pair, after last: NIODeadline) {
        let outage = state.withLockedValue { $0.outageUntil } ?? .now()
        let at = max(last, outage)
        pair.client.eventLoop.scheduleTask(deadline: at) { self.close(pair) }
    }

    func close(_ pair: Pair) {
        state.withLockedValue { _ = $0.pairs.removeValue(forKey: ObjectIdentifier(pair.client)) }
        pair.client.close(promise: nil)
        pair.upstream?.close(promise: nil)
    }

    func reset(_ pair: Pair) {
        for channel in [pair.client, pair.upstream].compactMap({ $0 }) {
            // SO_LINGER 0: the close sends RST, as a dropped radio bearer or a NAT does.
            if let socket = channel as? any SocketOptionProvider {
                socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
        }
        state.withLockedValue { _ = $0.pairs.removeValue(forKey: ObjectIdentifier(pair.client)) }
    }

    /// When a chunk read now in one direction may be written on, given the faults.
    func release(bytes: Int, after previous: NIODeadline, stalledUntil: inout NIODeadline, lastRead: inout NIODeadline) -> NIODeadline {
        let (faults, outage) = state.withLockedValue { ($0.faults, $0.outageUntil) }
        let now = NIODeadline.now()
        let since = Double((now - lastRead).nanoseconds) / 1e9
        lastRead = now
        if faults.stallsPerMinute > 0, now >= stalledUntil, Double.random(in: 0..<1) < faults.stallsPerMinute * since / 60 {
            stalledUntil = now + .milliseconds(Int64(Double.random(in: faults.stallSeconds) * 1000))
        }
        func nanos(_ d: Duration) -> Int64 { d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000 }
        let jitter = nanos(faults.jitter)
        var at = now + .nanoseconds(max(0, nanos(faults.latency) + (jitter > 0 ? Int64.random(in: -jitter...jitter) : 0)))
        at = max(at, stalledUntil, outage ?? now, previous + .nanoseconds(1))
        if let bps = faults.bitsPerSecond, bps > 0 {
            at = max(at, previous) + .nanoseconds(Int64(bytes) * 8 * 1_000_000_000 / Int64(bps))
        }
        return at
    }

    /// Whether a reset is due for a connection that has been quiet `seconds`.
    func resetDue(after seconds: Double) -> Bool {
        let rate = state.withLockedValue { $0.faults.resetsPerHour }
        return rate > 0 && Double.random(in: 0..<1) < rate * seconds / 3600
    }
}

/// One direction of a proxied connection: what it reads goes out on the other side
/// when the faults let it, in order.
final class Relay: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    let proxy: FaultProxy
    let pair: FaultProxy.Pair
    let towardsStation: Bool
    var nextRelease = NIODeadline.now()
    var stalledUntil = NIODeadline.now()
    var lastRead = NIODeadline.now()

    init(proxy: FaultProxy, pair: FaultProxy.Pair, towardsStation: Bool) {
        self.proxy = proxy
        self.pair = pair
        self.towardsStation = towardsStation
    }

    func channelInactive(context: ChannelHandlerContext) {
        proxy.closeLater(pair, after: nextRelease)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard !pair.silent, let target = towardsStation ? pair.upstream : Optional(pair.client) else { return }
        if proxy.resetDue(after: Double((NIODeadline.now() - lastRead).nanoseconds) / 1e9) {
            proxy.reset(pair)
            return
        }
        let at = proxy.release(bytes: bytes.readableBytes, after: nextRelease, stalledUntil: &stalledUntil, lastRead: &lastRead)
        nextRelease = at
        let pair = pair
        target.eventLoop.scheduleTask(deadline: at) {
            guard !pair.silent else { return }
            target.writeAndFlush(bytes, promise: nil)
        }
    }
}
