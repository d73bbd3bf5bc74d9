import AsyncHTTPClient
import CommcastAudio
import CommcastCore
import CommcastLink
import Crypto
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket

/// One loudspeaker cluster speaking docs/protocol.md for real: it authenticates with
/// its own key, keeps its schedule, downloads and verifies media (resuming with
/// Range), plays at the planned times from what it holds even while its link is
/// down, heartbeats, and keeps receipts until the station acknowledges them.
final class SimulatedCluster: @unchecked Sendable {
    let credential: ClusterCredential
    let options: SimulatorOptions
    let counters: SimulatorCounters
    let verifier: MediaVerifier
    let http: HTTPClient
    let logger: Logger

    /// Everything the cluster's tasks (link, player, downloads) share, each part a
    /// value type of its own; one lock, because one step often reads several (the
    /// player needs the schedule, the cache and the live broadcast at once).
    struct State {
        var link = LinkSessionState()
        var schedule = PlaybackSchedule()
        var media = MediaCache()
        var receipts = ReceiptOutbox()
        /// The live broadcast being played, if any (docs/protocol.md, "Live broadcasts").
        var live: LiveReception?
        var volume = 70
    }

    private let lock = NSLock()
    private var state = State()
    private let bootedAt = Date()

    init(
        credential: ClusterCredential, options: SimulatorOptions, counters: SimulatorCounters, verifier: MediaVerifier,
        http: HTTPClient, logger: Logger
    ) {
        self.credential = credential
        self.options = options
        self.counters = counters
        self.verifier = verifier
        self.http = http
        self.logger = logger
    }

    var isConnected: Bool { lock.withLock { state.link.connected } }
    var hasConnected: Bool { lock.withLock { state.link.connectedOnce } }
    var welcomeCount: Int { lock.withLock { state.link.welcomes } }

    /// Runs the link and the player until cancelled.
    func run() async {
        let player = Task { await playLoop() }
        let resender = Task { await resendLoop() }
        defer {
            player.cancel()
            resender.cancel()
        }
        var failures = 0
        // Which of its station addresses the cluster dials: it stays with the one that
        // last took it, and turns to the other after `dialsBeforeSwitching` failed dials.
        var stationIndex = 0
        var failuresHere = 0
        while !Task.isCancelled {
            var wait: ClosedRange<Double>?
            let station = options.stations[stationIndex]
            lock.withLock { state.link.station = station }
            do {
                // The liveness rule (docs/protocol.md, C-16): a ping every link timeout,
                // and a link whose ping went unanswered is closed and dialled again.
                let close = try await WebSocketClient.connect(
                    url: options.linkURL(station),
                    configuration: .init(
                        maxFrameSize: LinkCodec.maxTextBytes,
                        autoPing: .enabled(timePeriod: .milliseconds(Int64(options.linkTimeoutSeconds * 1000)))),
                    tlsConfiguration: options.tlsConfiguration,
                    logger: logger
                ) { inbound, outbound, _ in
                    try await self.converse(inbound, outbound)
                }
                failures = 0
                failuresHere = 0
                if close == nil, !lock.withLock({ state.link.droppedOnPurpose }) {
                    // Nothing from the station closed it: the link died on the way.
                    counters.update { $0.linksLost += 1 }
                }
                if let close {
                    let code = UInt16(webSocketErrorCode: close.closeCode)
                    if [4400, 4401, 4403, 4404, 4410, 4426].contains(code) { counters.error("closed \(code)") }
                    wait = Self.retryDelay(afterClose: code, options: options)
                }
            } catch is CancellationError {
                break
            } catch {
                failures += 1
                failuresHere += 1
                counters.update { $0.connectFailures += 1 }
                if options.stations.count > 1, failuresHere >= options.dialsBeforeSwitching {
                    // The station does not answer: the other address (docs/protocol.md,
                    // "A second station address"), at once and without the back-off.
                    stationIndex = (stationIndex + 1) % options.stations.count
                    failuresHere = 0
                    failures = 0
                    counters.update { $0.stationSwitches += 1 }
                    wait = 0...0
                }
            }
            lock.withLock { state.link.ended() }
            if Task.isCancelled { break }
            // A random delay so a province's clusters do not all return in the same
            // millisecond, doubling while connecting fails (docs/protocol.md).
            let backoff = min(60, options.reconnectJitterSeconds * pow(2, Double(min(failures, 6))))
            let delay = wait ?? 0...max(0.05, failures == 0 ? options.reconnectJitterSeconds : backoff)
            try? await Task.sleep(for: .seconds(Double.random(in: delay)))
        }
    }

    /// How long to wait before dialling again after the station closed the link with
    /// `code` (docs/protocol.md, "Close codes"); nil: the usual random delay.
    static func retryDelay(afterClose code: UInt16, options: SimulatorOptions) -> ClosedRange<Double>? {
        switch code {
        // A credential the station will not take: nothing changes until someone
        // installs a new one, so the cluster does not hammer the station.
        case 4401, 4403, 4404, 4410, 4426: options.slowRetrySeconds...(options.slowRetrySeconds * 1.2)
        // Another instance holds the link: back off rather than take turns.
        case 4409: 30...36
        default: nil
        }
    }

    /// Closes the current link from the cluster's side (an injected fault).
    func dropLink() async {
        let out = lock.withLock { state.link.dropping() }
        guard let out else { return }
        counters.update { $0.linkDropsInjected += 1 }
        try? await out.close(.goingAway, reason: "simulated drop")
    }

    // MARK: - The link

    func converse(_ inbound: WebSocketInboundStream, _ out: WebSocketOutboundWriter) async throws {
        var messages = inbound.messages(maxSize: 4 << 20).makeAsyncIterator()
        guard case .text(let first)? = try await messages.next(), case .challenge(let challenge) = try LinkCodec.decodeServerMessage(first) else {
            counters.error("no challenge")
            return
        }
        let (cached, pending) = lock.withLock { (state.media.inventory, state.receipts.pending.count) }
        try await send(
            HelloMessage(
                clusterID: credential.clusterID, signature: try credential.sign(nonce: challenge.nonce),
                firmware: "commcast-sim 1", clusterTime: clusterNow(), volume: lock.withLock { state.volume }, cached: cached,
                pendingReceipts: pending, protocol: LinkProtocolVersion.v1_1.description), on: out)
        var heartbeatTask: Task<Void, Never>?
        var dropTask: Task<Void, Never>?
        defer {
            heartbeatTask?.cancel()
            dropTask?.cancel()
        }
        while let message = try await messages.next() {
            if case .binary(let frame) = message {
                receiveLiveFrame(frame)
                continue
            }
            guard case .text(let text) = message else { continue }
            let decoded: ServerMessage
            do { decoded = try LinkCodec.decodeServerMessage(text) } catch {
                // A command this version does not know is answered, not ignored (docs/protocol.md).
                if let id = Self.unknownCommandID(text) {
                    try await send(CommandResultMessage(commandID: id, ok: false, error: "unknown command"), on: out)
                } else {
                    counters.error("undecodable message")
                }
                continue
            }
            switch decoded {
            case .welcome(let w):
                lock.withLock { state.link.welcomed(session: w.session, heartbeatSeconds: w.heartbeatSeconds, outbound: out) }
                counters.update { $0.connects += 1 }
                heartbeatTask = Task { await heartbeatLoop(out) }
                if let mean = options.dropMeanSeconds {
                    dropTask = Task {
                        let wait = -log(Double.random(in: 0.0001...1)) * mean
                        try? await Task.sleep(for: .seconds(wait))
                        if !Task.isCancelled { await dropLink() }
                    }
                }
                await flushOutbox()
            case .schedule(let s):
                counters.update { $0.schedulesReceived += 1 }
                await apply(s)
            case .cancel(let c):
                counters.update { $0.cancelsReceived += c.airingIDs.count }
                if options.violations.contains(.ignoreCancel) { continue }
                let stopped = lock.withLock { state.schedule.cancel(c.airingIDs) }
                if let stopped { await receipt(stopped, .interrupted, reason: c.reason) }
            case .receiptAck(let ack):
                let removed = lock.withLock { state.receipts.acknowledge(ack.receiptIDs) }
                counters.update {
                    $0.receiptsAcknowledged += removed
                    $0.receiptsRejected += ack.rejected?.count ?? 0
                }
                for r in ack.rejected ?? [] { counters.error("receipt rejected: \(r.reason.prefix(60))") }
            case .command(let c):
                let error = await carryOut(c)
                try await send(CommandResultMessage(commandID: c.commandID, ok: error == nil, error: error), on: out)
                // A heartbeat at once lets the station see the effect (docs/protocol.md).
                if !lost() { try await send(heartbeat(), on: out) }
            case .liveStart(let m):
                await startLive(m)
            case .liveStop(let m):
                stopLive(m)
            case .error(let e):
                counters.update { $0.refusals[e.code, default: 0] += 1 }
            case .challenge, .unknown:
                break
            }
        }
    }

    /// The `command_id` of a `command` message whose `command` this version does not know.
    static func unknownCommandID(_ text: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], object["type"] as? String == "command",
            let id = object["command_id"] as? String, (1...128).contains(id.count)
        else { return nil }
        return id
    }

    func send(_ message: some Encodable, on out: WebSocketOutboundWriter) async throws {
        if options.delay > .zero { try await Task.sleep(for: options.delay) }
        try await out.write(.text(LinkCodec.encode(message)))
    }

    func heartbeatLoop(_ out: WebSocketOutboundWriter) async {
        while !Task.isCancelled {
            let beat = heartbeat()
            if !lost() {
                do { try await send(beat, on: out) } catch { return }
                counters.update { $0.heartbeatsSent += 1 }
            }
            try? await Task.sleep(for: .seconds(lock.withLock { state.link.heartbeatSeconds }))
        }
    }

    func heartbeat() -> HeartbeatMessage {
        lock.withLock {
            let playing = state.schedule.playing
            let activity: HeartbeatSample.Activity = state.live != nil ? .live : playing == nil ? .idle : .playing
            return HeartbeatMessage(
                seq: state.link.nextHeartbeatSequence(), clusterTime: clusterNow(), state: activity,
                playing: playing.map { HeartbeatMessage.Playing(airingID: $0, positionMS: nil) },
                volume: state.volume, signalDBm: -85, uptimeSeconds: Int(Date().timeIntervalSince(bootedAt)),
                firmware: "commcast-sim 1", cached: state.media.inventory, pendingReceipts: state.receipts.pending.count)
        }
    }

    /// Does what a command asks; returns why not when it cannot.
    func carryOut(_ c: CommandMessage) async -> String? {
        counters.update { $0.commands[c.command.rawValue, default: 0] += 1 }
        switch c.command {
        case .stop:
            let stopped = lock.withLock { state.schedule.stopPlaying() }
            if let stopped { await receipt(stopped, .interrupted, reason: "stopped by station") }
            return nil
        case .setVolume:
            guard let v = c.volume, (0...100).contains(v) else { return "volume must be 0 to 100" }
            lock.withLock { state.volume = v }
            return nil
        case .resync:
            // The station resends the whole schedule; `apply` fetches whatever is missing.
            return nil
        case .testTone:
            return lock.withLock { state.schedule.playing != nil } ? "an airing is playing" : nil
        }
    }

    /// Applies a schedule: it replaces every airing from `from` on, and never stops
    /// what plays (a `cancel` does that).
    func apply(_ s: ScheduleMessage) async {
        let stopsWhatItDrops = options.violations.contains(.stopOnReplan)
        let (missing, stopped) = lock.withLock {
            (state.media.claim(for: s.airings), state.schedule.apply(s, stopsWhatItDrops: stopsWhatItDrops))
        }
        if let stopped { await receipt(stopped, .interrupted, reason: "cancelled") }
        if !missing.isEmpty {
            let now = Date()
            counters.update { $0.firstMediaScheduleAt = min($0.firstMediaScheduleAt ?? now, now) }
        }
        for media in missing { Task { await download(media) } }
    }

    // MARK: - Media

    /// Fetches a file, resuming with Range after a break, until its sha256 matches.
    func download(_ media: LinkAiring.Media) async {
        var data = Data()
        var attempt = 0
        var verified = false
        defer { lock.withLock { state.media.finished(media.sha256, verified: verified) } }
        while attempt < 8 && !Task.isCancelled {
            attempt += 1
            guard let (token, generation) = lock.withLock({ state.link.session.map { ($0, state.link.generation) } }) else {
                // No link, no network: wait for the cluster to reconnect (not an attempt).
                attempt -= 1
                try? await Task.sleep(for: .milliseconds(200))
                continue
            }
            // Every byte may have arrived just as the link dropped: check it rather than ask for more.
            if data.isEmpty || data.count < media.size {
                // From the station the link is on: its session token is good only there.
                let station = lock.withLock { state.link.station } ?? options.station
                var request = HTTPClientRequest(url: "\(options.mediaBase(station))\(media.sha256).opus")
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                if !data.isEmpty {
                    request.headers.add(name: "Range", value: "bytes=\(data.count)-")
                    counters.update { $0.resumedDownloads += 1 }
                }
                do {
                    let response = try await http.execute(request, timeout: .seconds(120))
                    guard response.status == .ok || response.status == .partialContent else {
                        counters.error("media HTTP \(response.status.code)")
                        if response.status == .rangeNotSatisfiable {
                            data = Data()
                            continue
                        }
                        try await Task.sleep(for: .seconds(min(300, 2 * pow(2, Double(attempt)))))
                        continue
                    }
                    if response.status == .ok { data = Data() }
                    var broken = false
                    for try await chunk in response.body {
                        // Hand the bytes out slowly when throttled, as a weak 4G cell would.
                        var bytes = chunk
                        while bytes.readableBytes > 0 {
                            let piece = bytes.readSlice(
                                length: min(bytes.readableBytes, options.downloadKiBps.map { max(256, $0 * 256) } ?? Int.max))!
                            data.append(contentsOf: piece.readableBytesView)
                            counters.update { $0.downloadedBytes += piece.readableBytes }
                            if let rate = options.downloadKiBps {
                                try await Task.sleep(for: .seconds(Double(piece.readableBytes) / Double(rate * 1024)))
                            }
                            if lock.withLock({ state.link.generation }) != generation {
                                broken = true
                                break
                            }
                        }
                        if broken { break }
                    }
                    if broken {
                        counters.error("download interrupted by a link drop")
                        continue
                    }
                } catch {
                    // Keep what arrived; the next attempt asks for the rest.
                    counters.error("download interrupted")
                    try? await Task.sleep(for: .seconds(Double.random(in: 0.5...2)))
                    continue
                }
            }
            if options.corruptPercent > 0, Double.random(in: 0..<100) < options.corruptPercent, !data.isEmpty {
                data[data.count / 2] ^= 0xFF
            }
            let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            guard digest == media.sha256, data.count == media.size else {
                counters.update { $0.sha256Mismatches += 1 }
                data = Data()
                continue
            }
            let done = Date()
            counters.update {
                $0.downloads += 1
                $0.lastDownloadAt = max($0.lastDownloadAt ?? done, done)
            }
            if verifier.verify(sha256: media.sha256, data: data, durationMS: media.durationMS) {
                counters.update { $0.decodedAndChecked += 1 }
                verified = true
            } else {
                counters.update { $0.decodeFailures += 1 }
            }
            return
        }
    }

    // MARK: - Live

    static func microseconds(_ date: Date = Date()) -> Int64 { Int64(date.timeIntervalSince1970 * 1_000_000) }

    /// Stops what plays if the broadcast outranks it, then waits for frames. A second
    /// `live_start` for the same broadcast (after a reconnect) keeps the buffer.
    func startLive(_ m: LiveStartMessage) async {
        let interrupted = lock.withLock { () -> Int64? in
            if state.live?.liveID != m.liveID {
                state.live = LiveReception(
                    liveID: m.liveID, stream: m.stream, level: m.level,
                    buffer: JitterBuffer(jitterMilliseconds: m.jitterMS, frameMilliseconds: m.frameMS),
                    decoder: options.liveAudioDirectory != nil || Double.random(in: 0..<100) < options.liveDecodePercent
                        ? try? OpusPacketDecoder() : nil)
                if options.liveAudioDirectory != nil { state.live?.recorded = [] }
            }
            return state.schedule.interrupt(for: m.level)
        }
        counters.update { $0.liveStarts += 1 }
        if let interrupted { await receipt(interrupted, .interrupted, reason: "live") }
    }

    func receiveLiveFrame(_ bytes: ByteBuffer) {
        let frame: LiveFrame
        do { frame = try LiveFrame(parsing: bytes.readableBytesView) } catch {
            counters.error("malformed live frame")
            return
        }
        let now = Self.microseconds()
        let lagBucket = Int(max(0, min(1000, (now - Int64(frame.captureMicroseconds)) / 1000)))
        let (slots, firstPlay) = lock.withLock { () -> ([JitterBuffer.Slot], Int64?) in
            guard state.live?.stream == frame.stream else { return ([], nil) }
            // In place: a copy of the reception would copy its buffer on every frame.
            return state.live!.take(frame, now: now, lagBucket: lagBucket)
        }
        if let firstPlay {
            counters.update { c in
                let at = Double(firstPlay) / 1_000_000
                c.liveFirstAudioLatest = max(c.liveFirstAudioLatest ?? at, at)
                c.liveFirstAudioEarliest = min(c.liveFirstAudioEarliest ?? at, at)
                c.liveClustersReceiving += 1
            }
        }
        play(slots)
    }

    /// "Plays" slots: decodes every packet (and conceals every missing one) with libopus.
    func play(_ slots: [JitterBuffer.Slot]) {
        guard !slots.isEmpty, let decoder = lock.withLock({ state.live?.decoder }) else { return }
        var failures = 0
        var played: [Int16] = []
        for slot in slots {
            switch slot {
            case .play(_, let packet):
                let samples = (try? decoder.decode(packet)) ?? []
                if samples.count != 960 { failures += 1 }
                played += samples
            case .conceal:
                played += (try? decoder.decode(nil)) ?? []
            }
        }
        if failures > 0 { counters.update { $0.liveDecodeFailures += failures } }
        if options.liveAudioDirectory != nil { lock.withLock { state.live?.recorded?.append(contentsOf: played) } }
    }

    /// Plays out what the buffer holds, then returns to the schedule.
    func stopLive(_ m: LiveStopMessage) {
        let (slots, ended) = lock.withLock { () -> ([JitterBuffer.Slot], LiveReception?) in
            guard state.live?.liveID == m.liveID else { return ([], nil) }
            let slots = state.live!.buffer.drain(until: m.endSequence)
            return (slots, state.live)
        }
        play(slots)
        let recorded = lock.withLock { () -> [Int16]? in
            defer { if state.live?.liveID == m.liveID { state.live = nil } }
            return state.live?.liveID == m.liveID ? state.live?.recorded : nil
        }
        guard let ended else { return }
        if let directory = options.liveAudioDirectory, let recorded {
            let path = "\(directory)/\(credential.clusterID)-\(m.liveID).wav"
            if !FileManager.default.createFile(atPath: path, contents: WAVFile.encode(mono16: recorded, sampleRate: 48_000)) {
                counters.error("cannot write \(path)")
            }
        }
        counters.update { c in
            c.liveStops += 1
            c.liveLost += ended.buffer.lost
            c.liveLate += ended.buffer.late
            c.livePackets += ended.frames
            c.liveOutOfOrder += ended.outOfOrder
            if c.liveLagHistogram.count < ended.lagHistogram.count {
                c.liveLagHistogram += Array(repeating: 0, count: ended.lagHistogram.count - c.liveLagHistogram.count)
            }
            for (ms, n) in ended.lagHistogram.enumerated() { c.liveLagHistogram[ms] += n }
            if c.livePlayoutLagHistogram.count < ended.playoutLagHistogram.count {
                c.livePlayoutLagHistogram += Array(repeating: 0, count: ended.playoutLagHistogram.count - c.livePlayoutLagHistogram.count)
            }
            for (ms, n) in ended.playoutLagHistogram.enumerated() { c.livePlayoutLagHistogram[ms] += n }
        }
    }

    // MARK: - Playing

    /// Plays from the cache at the planned times, whatever the link is doing.
    func playLoop() async {
        while !Task.isCancelled {
            let now = clusterNow().addingTimeInterval(-options.clockSkewSeconds)  // station time
            let due = lock.withLock { state.schedule.due(at: now, holds: state.media.holds, live: state.live?.level) }
            for id in due.started { await receipt(id, .started) }
            for id in due.completed { await receipt(id, .completed) }
            for id in due.failed { await receipt(id, .failed, reason: "media not available") }
            for id in due.preempted { await receipt(id, .interrupted, reason: "live") }
            for id in due.tooLate { await receipt(id, .failed, reason: "too late to start") }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    func receipt(_ airingID: Int64, _ kind: ReceiptMessage.Kind, reason: String? = nil) async {
        let r = ReceiptMessage(receiptID: UUID().uuidString, airingID: airingID, kind: kind, at: clusterNow(), reason: reason)
        lock.withLock { state.receipts.append(r) }
        counters.update {
            switch kind {
            case .started: $0.airingsStarted += 1
            case .completed: $0.airingsCompleted += 1
            case .interrupted: $0.airingsInterrupted += 1
            case .failed: $0.airingsFailed += 1
            }
        }
        await flushOutbox()
    }

    /// Sends every unacknowledged receipt, oldest first.
    func flushOutbox() async {
        let (out, pending) = lock.withLock { (state.link.outbound, state.receipts.pending) }
        guard let out else { return }
        for r in pending where !lost() {
            do { try await send(r, on: out) } catch { return }
            counters.update { $0.receiptsSent += 1 }
        }
    }

    /// Receipts lost on the way are sent again until acknowledged.
    func resendLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(10))
            await flushOutbox()
        }
    }

    var pendingReceipts: Int { lock.withLock { state.receipts.pending.count } }

    func lost() -> Bool { options.lossPercent > 0 && Double.random(in: 0..<100) < options.lossPercent }

    func clusterNow() -> Date { Date().addingTimeInterval(options.clockSkewSeconds) }
}
