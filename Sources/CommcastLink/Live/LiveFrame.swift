/// One 20 ms Opus packet of a live broadcast, as a binary WebSocket frame
/// (docs/protocol.md, "Live audio frames"):
///
/// | bytes | field |
/// | --- | --- |
/// | 0 | version, 1 |
/// | 1–3 | zero |
/// | 4–7 | stream (from `live_start`), big-endian |
/// | 8–11 | sequence, big-endian, +1 per frame |
/// | 12–19 | capture time, microseconds since 1970 (station clock), big-endian |
/// | 20… | one Opus packet |
public struct LiveFrame: Sendable, Equatable {
    public static let headerSize = 20
    public static let version: UInt8 = 1
    /// Largest Opus packet the station sends (RFC 6716 allows 1275 bytes per frame).
    public static let maxPacketBytes = 1275

    public var stream: UInt32
    public var sequence: UInt32
    public var captureMicroseconds: UInt64
    public var packet: [UInt8]

    public init(stream: UInt32, sequence: UInt32, captureMicroseconds: UInt64, packet: [UInt8]) {
        self.stream = stream
        self.sequence = sequence
        self.captureMicroseconds = captureMicroseconds
        self.packet = packet
    }

    /// The header bytes for a frame; the packet follows them.
    public static func header(stream: UInt32, sequence: UInt32, captureMicroseconds: UInt64) -> [UInt8] {
        var bytes: [UInt8] = [version, 0, 0, 0]
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: stream >> UInt32(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: sequence >> UInt32(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: captureMicroseconds >> UInt64(shift))) }
        return bytes
    }

    public var bytes: [UInt8] { Self.header(stream: stream, sequence: sequence, captureMicroseconds: captureMicroseconds) + packet }

    /// Parses a binary frame; the error names what is wrong.
    public init(parsing bytes: some Collection<UInt8>) throws(ErrorMessage) {
        let b = Array(bytes)
        guard b.count > Self.headerSize else {
            throw ErrorMessage(code: "malformed", message: "live frame: got \(b.count) bytes, expected a 20-byte header and an Opus packet")
        }
        guard b[0] == Self.version else {
            throw ErrorMessage(code: "malformed", message: "live frame: version: got \(b[0]), expected 1")
        }
        guard b.count - Self.headerSize <= Self.maxPacketBytes else {
            throw ErrorMessage(
                code: "malformed", message: "live frame: packet: got \(b.count - Self.headerSize) bytes, expected at most \(Self.maxPacketBytes)")
        }
        func int(_ from: Int, _ count: Int) -> UInt64 { b[from..<from + count].reduce(0) { $0 << 8 | UInt64($1) } }
        stream = UInt32(int(4, 4))
        sequence = UInt32(int(8, 4))
        captureMicroseconds = int(12, 8)
        packet = Array(b[Self.headerSize...])
    }
}
