import CommcastAudio
import CommcastControlAPI
import CommcastCore
import CommcastLink
import Foundation
import NIOConcurrencyHelpers

/// One live broadcast fed from a phone's browser (docs/live.md, "From a phone"):
/// the frames its WebSocket brings, through the station's jitter buffer, decoded
/// to samples and fed every 20 ms into the broadcast — the same packetiser,
/// preemption, receipts and stream as `commcast live`.
///
/// The phone may lose its connection: the broadcast goes on (silence) for `grace`
/// and the next connection carries on in it, without a second `live_start` to the
/// clusters; past the grace it ends, with the reason given to the clusters and the
/// audit. Dead air is never held longer than that.
public final class PhoneUplink: Sendable {
    /// The `[live]` settings an uplink needs.
    public struct Settings: Sendable {
        /// The station's jitter buffer for the phone's frames.
        public var jitterMilliseconds: Int
        /// How long the phone's audio may stop (a lost connection, a stalled one)
        /// before the broadcast ends: the longest dead air it can leave.
        public var grace: Duration

        public init(jitterMilliseconds: Int, grace: Duration) {
            self.jitterMilliseconds = jitterMilliseconds
            self.grace = grace
        }
    }

    struct State {
        var playout: UplinkPlayout
        var counts = PhoneUplinkCounts()
        /// The connection feeding the broadcast now, if any.
        var connection: Int?
        var connections = 0
        /// When the phone last sent a frame (or a connection opened, or the broadcast started).
        var lastFrame: Date
        var ended = false
    }

    /// The broadcast this uplink feeds.
    public let liveID: String
    /// Who started it: only they may feed it.
    public let operatorName: String
    let settings: Settings
    let state: NIOLockedValueBox<State>

    init(liveID: String, operatorName: String, settings: Settings, now: Date) {
        self.liveID = liveID
        self.operatorName = operatorName
        self.settings = settings
        state = NIOLockedValueBox(
            State(playout: UplinkPlayout(jitterMilliseconds: settings.jitterMilliseconds), lastFrame: now))
    }

    /// What the station did with the phone's frames so far.
    public var counts: PhoneUplinkCounts {
        state.withLockedValue { s in
            var c = s.counts
            c.played = s.playout.played
            c.late = s.playout.late + s.playout.early
            c.concealed = s.playout.concealed
            return c
        }
    }

    /// A phone connection opens: it feeds the broadcast from now on, and one still
    /// open before it no longer does (a reloaded page, a second tab).
    /// - Returns: the connection's number, for `receive` and `closed`; nil once the broadcast ended.
    func opened(now: Date) -> Int? {
        state.withLockedValue { s in
            guard !s.ended else { return nil }
            s.connections += 1
            if s.connections > 1 { s.counts.reconnects += 1 }
            s.connection = s.connections
            s.lastFrame = now
            s.playout.reconnected()
            return s.connections
        }
    }

    /// Whether `connection` is the one feeding the broadcast.
    func isCurrent(_ connection: Int) -> Bool { state.withLockedValue { $0.connection == connection && !$0.ended } }

    /// A phone connection closed; the grace period runs from its last frame.
    func closed(_ connection: Int) {
        state.withLockedValue { s in
            if s.connection == connection { s.connection = nil }
        }
    }

    /// Takes one binary message from `connection`.
    /// - Throws: `PhoneUplinkError` naming what is wrong with it.
    func receive(_ bytes: some Collection<UInt8>, from connection: Int, now: Date) throws(PhoneUplinkError) {
        let message = try PhoneUplinkMessage(parsing: bytes)
        let micros = Int64(now.timeIntervalSince1970 * 1_000_000)
        let plausible = UInt64(max(0, micros - 10_000_000))...UInt64(micros)
        state.withLockedValue { s in
            guard s.connection == connection, !s.ended else { return }
            s.lastFrame = now
            s.counts.bytes += Self.webSocketFrameBytes(payload: bytes.count)
            s.counts.format = message.format == .opus ? "opus" : "pcm16k"
            for frame in message.frames {
                // A capture time from a phone whose clock the page could not set is
                // not believed: the frame is stamped when it arrived.
                let capture = frame.captureMicroseconds.flatMap { plausible.contains($0) ? $0 : nil }
                s.playout.insert(
                    sequence: frame.sequence, captureMicroseconds: capture, payload: [message.format.rawValue] + frame.payload, now: micros)
            }
        }
    }

    /// Bytes a browser's WebSocket frame of `payload` bytes takes on the wire: two,
    /// the extended length, and the 4-byte mask every client frame carries (RFC 6455, 5.2).
    static func webSocketFrameBytes(payload: Int) -> Int {
        payload + 2 + 4 + (payload < 126 ? 0 : payload <= 0xFFFF ? 2 : 8)
    }

    /// Why the broadcast must end now, if it must: no audio from the phone for
    /// longer than the grace. A page that captures sends frames all the time, even
    /// of silence, so a connection that brings none is as lost as a closed one
    /// (4G can leave a connection open that no longer carries anything).
    func endReason(now: Date) -> String? {
        state.withLockedValue { s in
            guard now.timeIntervalSince(s.lastFrame) > settings.grace.seconds else { return nil }
            let grace = Int(settings.grace.seconds)
            if s.connections == 0 { return "the phone did not connect within \(grace) s" }
            return s.connection == nil
                ? "the phone's connection was lost for more than \(grace) s" : "no audio from the phone for more than \(grace) s"
        }
    }

    /// The slots due by `now`; empty until the first frame arrived.
    func due(now: Date) -> [UplinkPlayout.Slot] {
        state.withLockedValue { $0.playout.due(now: Int64(now.timeIntervalSince1970 * 1_000_000)) }
    }

    /// Stops taking frames: the broadcast is over.
    func finish() { state.withLockedValue { $0.ended = true } }

    /// Whether the broadcast is over for the uplink.
    var isFinished: Bool { state.withLockedValue { $0.ended } }
}

extension Duration {
    /// Seconds, with the fraction.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
