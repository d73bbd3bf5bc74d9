import CommcastCore
import Foundation

/// How urgent a live broadcast is. A relay ranks lowest: every live broadcast an
/// operator starts interrupts it (docs/protocol.md, "Live broadcasts").
public enum LiveLevel: String, Codable, Sendable, CaseIterable, Comparable {
    case relay, priority, emergency

    var rank: Int {
        switch self {
        case .relay: 0
        case .priority: 1
        case .emergency: 2
        }
    }

    public static func < (a: LiveLevel, b: LiveLevel) -> Bool { a.rank < b.rank }

    /// Whether live audio at this level stops a scheduled airing of `airingLevel`.
    /// Emergency stops everything, priority stops normal and priority airings, a
    /// relay waits for any airing to end.
    public func interrupts(airingLevel: BulletinLevel) -> Bool {
        switch self {
        case .emergency: true
        case .priority: airingLevel != .emergency
        case .relay: false
        }
    }
}

/// `live_start`: audio follows in binary frames until `live_stop`.
public struct LiveStartMessage: Codable, Sendable, Equatable {
    public var type = "live_start"
    /// Names the broadcast; every binary frame carries its `stream` number.
    public var liveID: String
    public var stream: UInt32
    public var level: LiveLevel
    public var codec = "opus"
    public var sampleRate = 48_000
    public var channels = 1
    public var frameMS = 20
    /// How long the cluster buffers before it plays, and so how late a frame may be.
    public var jitterMS: Int
    /// The sequence number of the next frame the station will send.
    public var nextSequence: UInt32
    /// Volume to play at for the broadcast (the cluster's own volume returns after it); nil: leave it.
    public var volume: Int?
    enum CodingKeys: String, CodingKey {
        case type, stream, level, codec, channels, volume
        case liveID = "live_id"
        case sampleRate = "sample_rate"
        case frameMS = "frame_ms"
        case jitterMS = "jitter_ms"
        case nextSequence = "next_sequence"
    }
    public init(liveID: String, stream: UInt32, level: LiveLevel, jitterMS: Int, nextSequence: UInt32, volume: Int?) {
        self.liveID = liveID
        self.stream = stream
        self.level = level
        self.jitterMS = jitterMS
        self.nextSequence = nextSequence
        self.volume = volume
    }
}

/// `live_stop`: the broadcast ended; the cluster plays what it buffered, then returns to its schedule.
public struct LiveStopMessage: Codable, Sendable, Equatable {
    public var type = "live_stop"
    public var liveID: String
    /// Why: `stopped`, `end of source`, `source silent`, `replaced`, `slot ended`, …
    public var reason: String
    /// The sequence number after the last frame sent.
    public var endSequence: UInt32
    enum CodingKeys: String, CodingKey {
        case type, reason
        case liveID = "live_id"
        case endSequence = "end_sequence"
    }
    public init(liveID: String, reason: String, endSequence: UInt32) {
        self.liveID = liveID
        self.reason = reason
        self.endSequence = endSequence
    }
}
