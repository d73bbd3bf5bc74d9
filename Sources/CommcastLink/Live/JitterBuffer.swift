/// The cluster's side of live audio: frames arrive over 4G out of step, and are
/// played at a steady 20 ms pace `jitter` after the first one arrived
/// (docs/protocol.md, "Live audio frames"). Pure: the caller passes the time.
///
/// A frame is *late* if it arrives after its play time (the cluster has already
/// concealed it), *lost* if it never arrived by then, a *duplicate* if it was seen.
public struct JitterBuffer: Sendable {
    /// What the cluster should do for one 20 ms slot.
    public enum Slot: Sendable, Equatable {
        case play(sequence: UInt32, packet: [UInt8])
        /// Nothing arrived in time: conceal (Opus PLC) or play silence.
        case conceal(sequence: UInt32)
    }

    public let frameMicroseconds: Int64
    public let jitterMicroseconds: Int64
    public private(set) var late = 0
    public private(set) var lost = 0
    public private(set) var duplicates = 0
    public private(set) var played = 0
    /// Time (µs) the first frame will play, once one arrived.
    public private(set) var firstPlayAt: Int64?

    var firstSequence: UInt32 = 0
    var nextToPlay: UInt32 = 0
    var waiting: [UInt32: [UInt8]] = [:]

    public init(jitterMilliseconds: Int, frameMilliseconds: Int = 20) {
        jitterMicroseconds = Int64(jitterMilliseconds) * 1000
        frameMicroseconds = Int64(frameMilliseconds) * 1000
    }

    /// When slot `sequence` plays.
    public func playTime(of sequence: UInt32) -> Int64? {
        firstPlayAt.map { $0 + Int64(sequence &- firstSequence) * frameMicroseconds }
    }

    /// The sequence whose slot plays at `time` (µs), once the first frame arrived.
    public func sequence(playingAt time: Int64) -> UInt32? {
        firstPlayAt.map { firstSequence &+ UInt32(truncatingIfNeeded: max(0, (time - $0 + frameMicroseconds - 1) / frameMicroseconds)) }
    }

    /// The sequence of the next slot to play.
    public var nextSequence: UInt32 { nextToPlay }

    /// Takes a frame that arrived at `now` (µs).
    public mutating func insert(sequence: UInt32, packet: [UInt8], now: Int64) {
        if firstPlayAt == nil {
            firstPlayAt = now + jitterMicroseconds
            firstSequence = sequence
            nextToPlay = sequence
        }
        if Int32(bitPattern: sequence &- nextToPlay) < 0 {
            // Its slot has passed: counted as lost then, late now.
            late += 1
            lost -= 1
            return
        }
        if waiting[sequence] != nil {
            duplicates += 1
            return
        }
        waiting[sequence] = packet
    }

    /// The slots whose play time has come by `now`, in order.
    public mutating func due(now: Int64) -> [Slot] {
        var slots: [Slot] = []
        while let at = playTime(of: nextToPlay), at <= now { slots.append(takeNext()) }
        return slots
    }

    /// The slots still owed up to (not including) `endSequence`, whatever the time:
    /// at `live_stop` the cluster plays out what it holds.
    public mutating func drain(until endSequence: UInt32) -> [Slot] {
        var slots: [Slot] = []
        guard firstPlayAt != nil else { return slots }
        while Int32(bitPattern: endSequence &- nextToPlay) > 0 { slots.append(takeNext()) }
        return slots
    }

    /// The next slot: its frame if it came, a concealment if not.
    mutating func takeNext() -> Slot {
        defer { nextToPlay &+= 1 }
        if let packet = waiting.removeValue(forKey: nextToPlay) {
            played += 1
            return .play(sequence: nextToPlay, packet: packet)
        }
        lost += 1
        return .conceal(sequence: nextToPlay)
    }
}
