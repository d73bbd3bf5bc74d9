import CommcastAudio
import CommcastControlAPI
import CommcastLink
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The station's one live broadcast at a time (docs/live.md): encodes the source
/// once into 20 ms Opus packets and writes the same bytes to every targeted link
/// and every Ogg stream listener.
///
/// Each packet becomes one `ByteBuffer` shared by all channels (no copy per
/// cluster), and the writes are handed to each event loop as one task per packet,
/// not one per channel.
public final class LiveBroadcaster: Sendable {
    /// What an operator (or a relay) asks for.
    public struct Request: Sendable {
        public var level: LiveLevel
        public var clusterIDs: Set<String>
        /// The zones and clusters as the operator named them, for the audit.
        public var targets: [String]
        public var source: String
        public var title: String
        public var operatorName: String

        public init(level: LiveLevel, clusterIDs: Set<String>, targets: [String], source: String, title: String, operatorName: String) {
            self.level = level
            self.clusterIDs = clusterIDs
            self.targets = targets
            self.source = source
            self.title = title
            self.operatorName = operatorName
        }
    }

    public typealias Snapshot = LiveBroadcastStatus

    /// Why a broadcast could not start.
    public enum Refusal: Error, Sendable {
        /// One runs at the same or a higher level.
        case busy(Snapshot)
    }

    /// The `[live]` settings the broadcaster needs.
    public struct Settings: Sendable {
        /// The jitter buffer each cluster is asked to keep.
        public var jitterMilliseconds: Int
        /// The volume clusters play an emergency at, nil to leave theirs.
        public var emergencyVolume: Int?
        /// Opus bits per second.
        public var bitrate: Int
        /// 20 ms frames gathered into one write to each connection.
        public var framesPerWrite: Int

        public init(jitterMilliseconds: Int, emergencyVolume: Int?, bitrate: Int, framesPerWrite: Int) {
            self.jitterMilliseconds = jitterMilliseconds
            self.emergencyVolume = emergencyVolume
            self.bitrate = bitrate
            self.framesPerWrite = framesPerWrite
        }
    }

    /// Everything about the running broadcast; only touched under `state`'s lock.
    final class Broadcast: @unchecked Sendable {
        var snapshot: Snapshot
        let request: Request
        let token: String
        /// Encodes once, numbers and frames the packets for every listener.
        var packetiser: LivePacketiser
        /// When the source last sent audio, on the station clock.
        var lastAudio: Date
        /// Each targeted cluster's link, by cluster id, and the same as fan-out groups.
        var memberChannels: [String: any Channel] = [:]
        var members = LiveSinkGroups()
        var listeners = OggListenerGroups()
        var peak: Int16 = 0
        var peakSince: Date

        init(snapshot: Snapshot, request: Request, token: String, packetiser: LivePacketiser, now: Date) {
            self.snapshot = snapshot
            self.request = request
            self.token = token
            self.packetiser = packetiser
            lastAudio = now
            peakSince = now
        }

        func startMessage(settings: Settings) -> String {
            LinkCodec.encode(
                LiveStartMessage(
                    liveID: snapshot.liveId, stream: packetiser.stream, level: request.level, jitterMS: settings.jitterMilliseconds,
                    nextSequence: packetiser.nextBatchSequence, volume: request.level == .emergency ? settings.emergencyVolume : nil))
        }
    }

    struct State {
        var current: Broadcast?
        var last: Snapshot?
        var streamCounter: UInt32 = UInt32.random(in: 1...1_000_000)
    }

    let state = NIOLockedValueBox(State())
    let settings: Settings
    let logger: Logger

    public init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// The broadcast running now, or the last one if none runs.
    public var current: Snapshot? { state.withLockedValue { $0.current.map(Self.snapshot) ?? $0.last } }

    /// Whether any broadcast is on air.
    public var isOnAir: Bool { state.withLockedValue { $0.current != nil } }

    /// Whether `liveID` is the running broadcast.
    public func isRunning(_ liveID: String) -> Bool { state.withLockedValue { $0.current?.snapshot.liveId == liveID } }

    /// Starts a broadcast to the clusters in `request` that are connected now, and to
    /// the others as they connect. A higher level replaces a running broadcast, which
    /// ends with reason `replaced`; the same or a lower level is refused.
    public func start(_ request: Request, registry: LinkRegistry, now: Date) throws -> (started: Snapshot, replaced: Snapshot?) {
        let encoder = try LiveOpusEncoder(bitrate: settings.bitrate)
        let liveID = "live-" + UUID().uuidString.lowercased().prefix(8)
        let token = LinkAuthentication.makeNonce()
        let (broadcast, replaced): (Broadcast, Broadcast?) = try state.withLockedValue { s in
            if let running = s.current, running.request.level >= request.level {
                throw Refusal.busy(Self.snapshot(running))
            }
            s.streamCounter &+= 1
            let snapshot = Snapshot(
                liveId: liveID, level: request.level.rawValue, source: request.source, title: request.title,
                operatorName: request.operatorName, startedAt: now, targeted: request.clusterIDs.count,
                streamPath: "/v1/live/\(liveID).ogg?token=\(token)")
            let packetiser = LivePacketiser(
                stream: s.streamCounter, framesPerWrite: settings.framesPerWrite, encoder: encoder,
                muxer: OggOpusStreamMuxer(serialNumber: Int32(bitPattern: s.streamCounter), title: request.title))
            let broadcast = Broadcast(snapshot: snapshot, request: request, token: token, packetiser: packetiser, now: now)
            let old = s.current
            s.current = broadcast
            return (broadcast, old)
        }
        let replacedSnapshot = replaced.map {
            finish($0, reason: "replaced by \(request.level == .emergency ? "an emergency" : "a priority") broadcast", now: now)
        }
        // Members join after the broadcast is visible, so a link that opens meanwhile
        // is added by `linkOpened` or here, never missed.
        for (id, session) in registry.sessions where request.clusterIDs.contains(id) {
            join(id, channel: session.outgoing.channel, to: broadcast)
        }
        LinkMetrics.liveStarted(level: request.level.rawValue)
        logger.notice(
            "live broadcast started",
            metadata: [
                "live_id": "\(liveID)", "level": "\(request.level.rawValue)", "source": "\(request.source)",
                "operator": "\(request.operatorName)", "targeted": "\(request.clusterIDs.count)",
            ])
        return (state.withLockedValue { _ in Self.snapshot(broadcast) }, replacedSnapshot)
    }

    /// A cluster's link opened: if the broadcast targets it, it joins at the next packet.
    func linkOpened(_ clusterID: String, channel: any Channel) {
        guard let broadcast = state.withLockedValue({ $0.current }), broadcast.request.clusterIDs.contains(clusterID) else { return }
        join(clusterID, channel: channel, to: broadcast)
    }

    /// A cluster's link closed.
    func linkClosed(_ clusterID: String, channel: any Channel) {
        state.withLockedValue { s in
            guard let b = s.current, let member = b.memberChannels[clusterID], member === channel else { return }
            b.memberChannels[clusterID] = nil
            b.members.remove(channel)
        }
    }

    private func join(_ clusterID: String, channel: any Channel, to broadcast: Broadcast) {
        // `live_start` is queued on the channel under the lock, so no packet can
        // overtake it: packets are queued under the same lock.
        state.withLockedValue { s in
            guard s.current === broadcast else { return }
            LinkOutlet(channel: channel).yield(.text(broadcast.startMessage(settings: settings)))
            if let old = broadcast.memberChannels.updateValue(channel, forKey: clusterID) { broadcast.members.remove(old) }
            broadcast.members.insert(.link(channel))
        }
    }

    /// Adds an Ogg stream listener; false if `liveID`/`token` do not name the running broadcast.
    func addListener(liveID: String, token: String, channel: any Channel, writeHeaders: (ByteBuffer) -> Void) -> Bool {
        state.withLockedValue { s in
            guard let b = s.current, b.snapshot.liveId == liveID, LinkAuthentication.constantTimeEquals(b.token, token) else { return false }
            writeHeaders(channel.allocator.buffer(bytes: b.packetiser.headerPages))
            b.listeners.insert(.listener(channel), firstPage: b.packetiser.nextBatchPageSequence)
            return true
        }
    }

    func removeListener(_ channel: any Channel) {
        state.withLockedValue { s in s.current?.listeners.remove(channel) }
    }

    /// Feeds source audio (48 kHz mono s16); false if `liveID` is no longer running.
    /// `capturedAt` stamps the packets (a phone's capture time, on the station's
    /// clock); by default the audio was captured `now`.
    public func audio(_ liveID: String, samples: [Int16], capturedAt: Date? = nil, now: Date) throws -> Bool {
        try state.withLockedValue { s in
            guard let b = s.current, b.snapshot.liveId == liveID else { return false }
            b.lastAudio = now
            for sample in samples { b.peak = max(b.peak, sample == .min ? .max : abs(sample)) }
            if now.timeIntervalSince(b.peakSince) > 1 {
                b.snapshot.inputPeakDbfs = b.peak == 0 ? -96 : max(-96, 20 * log10(Double(b.peak) / 32767))
                b.peak = 0
                b.peakSince = b.lastAudio
            }
            let before = b.packetiser.nextSequence
            for batch in try b.packetiser.take(samples, captureMicroseconds: UInt64((capturedAt ?? now).timeIntervalSince1970 * 1_000_000)) {
                b.members.fanOut(batch.frames)
                b.listeners.fanOut(batch.pages)
            }
            let frames = Int(b.packetiser.nextSequence &- before)
            b.snapshot.packets += frames
            LinkMetrics.liveFrames(frames, members: b.members.count)
            return true
        }
    }

    /// Marks the source of `liveID` alive without audio: a source that paces itself
    /// (a phone's uplink) decides when it is silent, not `stopIfSourceSilent`.
    public func touch(_ liveID: String, now: Date) {
        state.withLockedValue { s in
            if let b = s.current, b.snapshot.liveId == liveID { b.lastAudio = now }
        }
    }

    /// A whole binary WebSocket frame (RFC 6455 section 5.2: FIN, opcode 2, unmasked
    /// from the server), made once and written as is to every link. The length takes
    /// 7 bits, or 126 and 16 bits, or 127 and 64 bits.
    static func webSocketFrame(_ payload: [UInt8]) -> ByteBuffer {
        var frame = ByteBufferAllocator().buffer(capacity: payload.count + 10)
        frame.writeInteger(UInt8(0x82))
        if payload.count < 126 {
            frame.writeInteger(UInt8(payload.count))
        } else if payload.count <= Int(UInt16.max) {
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(payload.count))
        } else {
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(payload.count))
        }
        frame.writeBytes(payload)
        return frame
    }

    /// Ends `liveID` if it is the running broadcast.
    @discardableResult
    public func stop(_ liveID: String?, reason: String, now: Date) -> Snapshot? {
        let broadcast = state.withLockedValue { s -> Broadcast? in
            guard let b = s.current, liveID == nil || b.snapshot.liveId == liveID else { return nil }
            s.current = nil
            return b
        }
        guard let broadcast else { return nil }
        return finish(broadcast, reason: reason, now: now)
    }

    /// Ends the broadcast if its source has been silent (sent nothing) for `timeout`.
    public func stopIfSourceSilent(timeout: Duration, now: Date) -> Snapshot? {
        let limit = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let stale = state.withLockedValue { s -> Broadcast? in
            guard let b = s.current, now.timeIntervalSince(b.lastAudio) > limit else { return nil }
            s.current = nil
            return b
        }
        return stale.map { finish($0, reason: "source silent", now: now) }
    }

    @discardableResult
    private func finish(_ broadcast: Broadcast, reason: String, now: Date) -> Snapshot {
        let snapshot = state.withLockedValue { s -> Snapshot in
            if let rest = broadcast.packetiser.flush() {
                broadcast.members.fanOut(rest.frames)
                broadcast.listeners.fanOut(rest.pages)
            }
            let stop = LinkCodec.encode(
                LiveStopMessage(liveID: broadcast.snapshot.liveId, reason: reason, endSequence: broadcast.packetiser.nextSequence))
            for channel in broadcast.members.channels { LinkOutlet(channel: channel).yield(.text(stop)) }
            let end = ByteBufferAllocator().buffer(bytes: broadcast.packetiser.endOfStream())
            // The listeners' last page goes the way the others went, then the connection closes:
            // an HTTP/1.0 body without a length ends there.
            var listeners = broadcast.listeners
            listeners.fanOut(end)
            for listener in listeners.channels {
                listener.eventLoop.execute { listener.close(promise: nil) }
            }
            var snapshot = Self.snapshot(broadcast)
            snapshot.endedAt = now
            snapshot.endReason = reason
            s.last = snapshot
            return snapshot
        }
        logger.notice(
            "live broadcast ended",
            metadata: [
                "live_id": "\(snapshot.liveId)", "reason": "\(reason)", "packets": "\(snapshot.packets)",
            ])
        return snapshot
    }

    static func snapshot(_ b: Broadcast) -> Snapshot {
        var s = b.snapshot
        s.receiving = b.members.count
        s.listeners = b.listeners.count
        return s
    }
}
