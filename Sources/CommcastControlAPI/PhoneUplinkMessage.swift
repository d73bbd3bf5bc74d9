import Foundation

/// One binary message of a phone's live audio on the console's WebSocket
/// (`/v1/live/ID/uplink`, docs/live.md, "The phone's uplink"): one or more
/// consecutive 20 ms frames of the microphone.
///
/// | bytes | field |
/// | --- | --- |
/// | 0 | format: 1 = Opus (48 kHz mono, WebCodecs), 2 = PCM s16le 16 kHz mono |
/// | 1 | frames in the message, 1 to 10 |
/// | 2–5 | sequence of the first frame, big-endian, +1 per 20 ms of capture |
/// | 6–13 | capture time of the first frame, µs since 1970 on the station's clock, big-endian; 0 if unknown |
/// | 14… | Opus: each frame a 2-byte big-endian length and the packet (1–1275 bytes); PCM: 640 bytes each |
public struct PhoneUplinkMessage: Sendable, Equatable {
    /// How the frames are coded.
    public enum Format: UInt8, Sendable {
        /// One Opus packet of 20 ms per frame (what WebCodecs makes).
        case opus = 1
        /// 320 samples, s16 little-endian, 16 kHz mono per frame (the fallback).
        case pcm16k = 2
    }

    /// One 20 ms frame.
    public struct Frame: Sendable, Equatable {
        public var sequence: UInt32
        /// µs since 1970, station clock; nil when the phone did not say.
        public var captureMicroseconds: UInt64?
        public var payload: [UInt8]

        public init(sequence: UInt32, captureMicroseconds: UInt64?, payload: [UInt8]) {
            self.sequence = sequence
            self.captureMicroseconds = captureMicroseconds
            self.payload = payload
        }
    }

    public static let headerSize = 14
    public static let maxFrames = 10
    public static let maxOpusPacketBytes = 1275
    public static let pcmFrameBytes = 640
    public static let frameMicroseconds: UInt64 = 20_000

    public var format: Format
    public var frames: [Frame]

    public init(format: Format, frames: [Frame]) {
        self.format = format
        self.frames = frames
    }

    /// The message's bytes: what the console page sends (and the tests).
    public var bytes: [UInt8] {
        var b: [UInt8] = [format.rawValue, UInt8(frames.count)]
        let first = frames.first
        let sequence = first?.sequence ?? 0
        let capture = first?.captureMicroseconds ?? 0
        for shift in stride(from: 24, through: 0, by: -8) { b.append(UInt8(truncatingIfNeeded: sequence >> UInt32(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { b.append(UInt8(truncatingIfNeeded: capture >> UInt64(shift))) }
        for frame in frames {
            if format == .opus {
                b.append(UInt8(frame.payload.count >> 8))
                b.append(UInt8(frame.payload.count & 0xFF))
            }
            b += frame.payload
        }
        return b
    }

    /// Parses a message; the error names the field, what came and what was expected.
    public init(parsing bytes: some Collection<UInt8>) throws(PhoneUplinkError) {
        let b = Array(bytes)
        guard b.count >= Self.headerSize else {
            throw .malformed("message: got \(b.count) bytes, expected a \(Self.headerSize)-byte header and at least one frame")
        }
        guard let format = Format(rawValue: b[0]) else {
            throw .malformed("format: got \(b[0]), expected 1 (Opus) or 2 (PCM 16 kHz)")
        }
        let count = Int(b[1])
        guard (1...Self.maxFrames).contains(count) else {
            throw .malformed("frames: got \(count), expected 1 to \(Self.maxFrames)")
        }
        func int(_ from: Int, _ width: Int) -> UInt64 { b[from..<from + width].reduce(0) { $0 << 8 | UInt64($1) } }
        let first = UInt32(int(2, 4))
        let capture = int(6, 8)
        var frames: [Frame] = []
        var at = Self.headerSize
        for i in 0..<count {
            let length: Int
            if format == .opus {
                guard at + 2 <= b.count else { throw .malformed("frame \(i + 1): the message ends before its length") }
                length = Int(int(at, 2))
                at += 2
                guard (1...Self.maxOpusPacketBytes).contains(length) else {
                    throw .malformed("frame \(i + 1): length: got \(length), expected 1 to \(Self.maxOpusPacketBytes) bytes")
                }
            } else {
                length = Self.pcmFrameBytes
            }
            guard at + length <= b.count else {
                throw .malformed("frame \(i + 1): got \(b.count - at) bytes, expected \(length)")
            }
            frames.append(
                Frame(
                    sequence: first &+ UInt32(i), captureMicroseconds: capture == 0 ? nil : capture + UInt64(i) * Self.frameMicroseconds,
                    payload: Array(b[at..<at + length])))
            at += length
        }
        guard at == b.count else { throw .malformed("message: \(b.count - at) bytes after the last of its \(count) frames") }
        self.format = format
        self.frames = frames
    }
}

/// Why a phone's uplink message was refused.
public enum PhoneUplinkError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let what): "uplink: \(what)"
        }
    }
}

/// A text message on the phone's uplink, either way (JSON with a `type`).
public struct PhoneUplinkNotice: Sendable, Codable, Equatable {
    /// `clock` (the page asks the station's time, the station answers), `status`
    /// (every half second while on air), `ended` (the broadcast is over: `reason`),
    /// `replaced` (another connection of the same broadcast took over from this one).
    public var type: String
    /// `clock`: the page's time when it asked, ms since 1970, echoed back.
    public var sent: Double?
    /// `clock`: the station's time when it answered, ms since 1970.
    public var station: Double?
    /// `status`, `ended`: the broadcast.
    public var live: LiveBroadcastStatus?
    /// `status`: what the station did with the phone's frames.
    public var uplink: PhoneUplinkCounts?
    /// `ended`: why.
    public var reason: String?

    public init(
        type: String, sent: Double? = nil, station: Double? = nil, live: LiveBroadcastStatus? = nil, uplink: PhoneUplinkCounts? = nil,
        reason: String? = nil
    ) {
        self.type = type
        self.sent = sent
        self.station = station
        self.live = live
        self.uplink = uplink
        self.reason = reason
    }
}

/// What a phone broadcast's uplink carried, as the station counted it.
public struct PhoneUplinkCounts: Sendable, Codable, Equatable {
    /// Frames that arrived and played.
    public var played = 0
    /// Frames that arrived after their time (dropped: the broadcast had moved on).
    public var late = 0
    /// 20 ms slots with nothing from the phone: concealed, then silence.
    public var concealed = 0
    /// Times the phone's connection came back within the grace period.
    public var reconnects = 0
    /// Bytes of the WebSocket messages received (headers included).
    public var bytes = 0
    /// The format of the last message: `opus` or `pcm16k`.
    public var format = ""

    public init() {}
}
