import COpusFile
import Foundation

/// Audio decoded from an Ogg Opus file.
public struct DecodedOpus: Sendable {
    /// Interleaved float samples at 48 kHz, pre-skip and end trimming applied.
    public var samples: [Float]
    /// Channel count from OpusHead.
    public var channels: Int
    /// Pre-skip from OpusHead, in 48 kHz samples.
    public var preSkip: Int
    /// Original input rate recorded in OpusHead (informational).
    public var inputSampleRate: Int
    /// OpusTags comments, upper-cased keys; a repeated key keeps its first value.
    public var tags: [String: String]
    /// Frames (samples per channel).
    public var frameCount: Int { channels == 0 ? 0 : samples.count / channels }
    /// Seconds of audio.
    public var duration: Double { Double(frameCount) / 48_000 }
}

/// Decodes Ogg Opus with opusfile (the reference library for the container).
public enum OggOpusDecoder {
    /// Decodes a whole file held in memory.
    public static func decode(_ data: Data) throws(IngestError) -> DecodedOpus {
        guard !data.isEmpty else { throw .decoderFailed("empty input") }
        let result: Result<DecodedOpus, IngestError> = data.withUnsafeBytes { raw in
            var error: Int32 = 0
            guard let file = op_open_memory(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &error) else {
                return .failure(.decoderFailed("not a valid Ogg Opus stream (\(describe(error)))"))
            }
            defer { op_free(file) }
            guard let head = op_head(file, -1) else { return .failure(.decoderFailed("missing OpusHead")) }
            let channels = Int(head.pointee.channel_count)
            var tags: [String: String] = [:]
            if let t = op_tags(file, -1) {
                for i in 0..<Int(t.pointee.comments) {
                    guard let c = t.pointee.user_comments[i] else { continue }
                    let entry = String(cString: c)
                    guard let eq = entry.firstIndex(of: "=") else { continue }
                    let key = entry[..<eq].uppercased()
                    if tags[key] == nil { tags[key] = String(entry[entry.index(after: eq)...]) }
                }
            }
            var samples: [Float] = []
            let total = op_pcm_total(file, -1)
            if total > 0 { samples.reserveCapacity(Int(total) * channels) }
            var buffer = [Float](repeating: 0, count: 5760 * max(channels, 1))
            while true {
                let n = buffer.withUnsafeMutableBufferPointer { op_read_float(file, $0.baseAddress, Int32($0.count), nil) }
                if n == 0 { break }
                if n < 0 { return .failure(.decoderFailed("corrupt stream at sample \(samples.count / max(channels, 1)) (\(describe(n)))")) }
                samples.append(contentsOf: buffer[0..<Int(n) * channels])
            }
            return .success(
                DecodedOpus(
                    samples: samples, channels: channels, preSkip: Int(head.pointee.pre_skip),
                    inputSampleRate: Int(head.pointee.input_sample_rate), tags: tags))
        }
        return try result.get()
    }

    /// Decodes a file on disk block by block, without holding it: `each` gets the
    /// interleaved samples of each block in order. Returns the channel count.
    @discardableResult
    public static func decode(file url: URL, each: ([Float]) throws(IngestError) -> Void) throws(IngestError) -> Int {
        var error: Int32 = 0
        guard let file = op_open_file(url.path, &error) else {
            throw .decoderFailed("\(url.lastPathComponent): not a valid Ogg Opus stream (\(describe(error)))")
        }
        defer { op_free(file) }
        guard let head = op_head(file, -1) else { throw .decoderFailed("missing OpusHead") }
        let channels = Int(head.pointee.channel_count)
        var buffer = [Float](repeating: 0, count: 5760 * max(channels, 1))
        var block: [Float] = []
        var decoded = 0
        while true {
            let n = buffer.withUnsafeMutableBufferPointer { op_read_float(file, $0.baseAddress, Int32($0.count), nil) }
            if n < 0 { throw .decoderFailed("corrupt stream at sample \(decoded) (\(describe(n)))") }
            decoded += Int(n)
            block.append(contentsOf: buffer[0..<Int(n) * channels])
            // Blocks of about 1.4 s: few calls, little memory.
            if n == 0 || block.count >= 65_536 {
                if !block.isEmpty { try each(block) }
                block.removeAll(keepingCapacity: true)
            }
            if n == 0 { break }
        }
        return channels
    }

    private static func describe(_ code: Int32) -> String {
        switch code {
        case OP_ENOTFORMAT: "not Ogg Opus"
        case OP_EBADHEADER: "bad header"
        case OP_EVERSION: "unsupported version"
        case OP_EBADPACKET: "bad packet"
        case OP_EBADLINK: "bad link"
        case OP_EBADTIMESTAMP: "bad timestamp"
        case OP_EREAD: "read error"
        case OP_EFAULT: "internal fault"
        case OP_EIMPL: "unimplemented feature"
        case OP_HOLE: "hole in data"
        default: "error \(code)"
        }
    }
}
