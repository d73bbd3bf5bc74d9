import Foundation

/// Writes RIFF/WAVE bytes in any sample format, so tests can feed the decoder
/// every layout a phone or an editor produces, and malformed ones on purpose.
public enum WAVWriter {
    public enum Format: Sendable, CaseIterable, CustomStringConvertible {
        case pcm8, pcm16, pcm24, pcm32, float32, float64

        var tag: UInt16 { self == .float32 || self == .float64 ? 3 : 1 }
        public var bits: Int {
            switch self {
            case .pcm8: 8
            case .pcm16: 16
            case .pcm24: 24
            case .pcm32, .float32: 32
            case .float64: 64
            }
        }
        public var description: String { "\(tag == 3 ? "float" : "pcm")\(bits)" }
    }

    /// Interleaves `channels` (each the same length) into a WAV file.
    public static func make(channels: [[Float]], sampleRate: Int, format: Format, extensible: Bool = false) -> Data {
        let channelCount = channels.count
        let frames = channels.first?.count ?? 0
        let width = format.bits / 8
        var body = Data(capacity: frames * channelCount * width)
        for i in 0..<frames {
            for c in 0..<channelCount {
                let s = max(-1, min(1, channels[c][i]))
                switch format {
                case .pcm8: body.append(UInt8(clamping: Int((s * 127).rounded()) + 128))
                case .pcm16: body.appendLE(UInt16(bitPattern: Int16((s * 32767).rounded())))
                case .pcm24:
                    let v = Int32((s * 8_388_607).rounded())
                    body.append(UInt8(truncatingIfNeeded: v))
                    body.append(UInt8(truncatingIfNeeded: v >> 8))
                    body.append(UInt8(truncatingIfNeeded: v >> 16))
                case .pcm32: body.appendLE(UInt32(bitPattern: Int32((Double(s) * 2_147_483_647).rounded())))
                case .float32: body.appendLE(s.bitPattern)
                case .float64: body.appendLE(Double(s).bitPattern)
                }
            }
        }
        return header(
            channels: channelCount, sampleRate: sampleRate, formatTag: format.tag, bits: format.bits,
            dataBytes: body.count, extensible: extensible) + body
    }

    /// A header with arbitrary fields, for malformed-input tests.
    public static func header(
        channels: Int, sampleRate: Int, formatTag: UInt16, bits: Int, dataBytes: Int,
        extensible: Bool = false, declaredDataBytes: Int? = nil
    ) -> Data {
        var d = Data()
        let fmtSize = extensible ? 40 : 16
        let blockAlign = channels * bits / 8
        d.append(contentsOf: Array("RIFF".utf8))
        d.appendLE(UInt32(4 + 8 + fmtSize + 8 + dataBytes))
        d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("fmt ".utf8))
        d.appendLE(UInt32(fmtSize))
        d.appendLE(extensible ? UInt16(0xFFFE) : formatTag)
        d.appendLE(UInt16(channels))
        d.appendLE(UInt32(sampleRate))
        d.appendLE(UInt32(sampleRate * blockAlign))
        d.appendLE(UInt16(blockAlign))
        d.appendLE(UInt16(bits))
        if extensible {
            d.appendLE(UInt16(22))
            d.appendLE(UInt16(bits))
            d.appendLE(UInt32(0))
            d.appendLE(formatTag)
            d.append(contentsOf: [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71])
        }
        d.append(contentsOf: Array("data".utf8))
        d.appendLE(UInt32(declaredDataBytes ?? dataBytes))
        return d
    }
}

extension Data {
    mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }
}
