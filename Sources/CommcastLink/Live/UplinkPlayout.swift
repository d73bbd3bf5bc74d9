/// The station's jitter buffer for a phone's live audio (docs/live.md, "The phone's
/// uplink"): the phone's 20 ms frames come over 4G in bursts and stalls, and leave
/// here at a steady 20 ms pace `jitter` after they arrived, so the clusters get one
/// frame every 20 ms whatever the phone's link does. Pure: the caller passes the time.
///
/// Latency stays bounded: a frame whose slot has passed is dropped (`late`), and
/// a slot with no frame is concealed, so a stall costs the words said during it
/// rather than adding its length to every word after it. Each new connection of
/// the phone (a reconnect, a reloaded page) is placed `jitter` after its first
/// frame arrives on the same timeline, whatever its sequence numbers say, so the
/// clusters see one continuous broadcast.
public struct UplinkPlayout: Sendable {
    /// What to play for one 20 ms slot.
    public enum Slot: Sendable, Equatable {
        /// The phone's frame, with its capture time (µs since 1970) if it gave one.
        case frame(payload: [UInt8], captureMicroseconds: UInt64?)
        /// Nothing came in time: conceal (Opus packet-loss concealment, then silence).
        case conceal
    }

    /// Frames further ahead of the slot playing than this are dropped: a phone
    /// cannot make the station hold more than this much audio.
    public static let maxAheadFrames: UInt32 = 500

    var buffer: JitterBuffer
    /// Added to the phone's sequence numbers of the current connection.
    var offset: UInt32 = 0
    var anchored = false
    var captures: [UInt32: UInt64] = [:]
    public private(set) var early = 0

    public init(jitterMilliseconds: Int) {
        buffer = JitterBuffer(jitterMilliseconds: jitterMilliseconds)
    }

    /// Whether a frame has arrived yet: until then there is nothing to play.
    public var started: Bool { buffer.firstPlayAt != nil }
    /// Frames that played.
    public var played: Int { buffer.played }
    /// Frames that came after their slot had passed.
    public var late: Int { buffer.late }
    /// Slots concealed: nothing came for them in time (a frame late for its slot
    /// counts here until it comes, then in `late`).
    public var concealed: Int { buffer.lost + buffer.late }

    /// The phone connected again: its next frame is placed anew.
    public mutating func reconnected() { anchored = false }

    /// Takes frame `sequence` (the phone's numbering) that arrived at `now` (µs).
    public mutating func insert(sequence: UInt32, captureMicroseconds: UInt64?, payload: [UInt8], now: Int64) {
        if !anchored {
            anchored = true
            if let slot = buffer.sequence(playingAt: now + buffer.jitterMicroseconds) {
                offset = max(slot, buffer.nextSequence) &- sequence
            } else {
                offset = 0
            }
        }
        let placed = sequence &+ offset
        if started, Int32(bitPattern: placed &- buffer.nextSequence) > Int32(Self.maxAheadFrames) {
            early += 1
            return
        }
        let lateBefore = buffer.late
        buffer.insert(sequence: placed, packet: payload, now: now)
        if buffer.late == lateBefore, let captureMicroseconds { captures[placed] = captureMicroseconds }
    }

    /// The slots whose time has come by `now` (µs), in order.
    public mutating func due(now: Int64) -> [Slot] {
        buffer.due(now: now).map { slot in
            switch slot {
            case .play(let sequence, let packet):
                return .frame(payload: packet, captureMicroseconds: captures.removeValue(forKey: sequence))
            case .conceal(let sequence):
                captures[sequence] = nil
                return .conceal
            }
        }
    }
}
