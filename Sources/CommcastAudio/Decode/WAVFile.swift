import CommcastCore
import Foundation

/// A parsed RIFF/WAVE file whose samples are read on demand, downmixed to mono.
///
/// Written by hand rather than through a library because WAV parsing is small
/// and the errors must say precisely what is wrong with an operator's file
/// (truncated, zero channels, unsupported format), which generic readers do not.
public struct WAVFile: Sendable {
    /// How samples are stored.
    public enum SampleFormat: Sendable, Equatable, CustomStringConvertible {
        case unsignedInt8, signedInt16, signedInt24, signedInt32, float32, float64

        /// Bytes per sample.
        public var byteWidth: Int {
            switch self {
            case .unsignedInt8: 1
            case .signedInt16: 2
            case .signedInt24: 3
            case .signedInt32, .float32: 4
            case .float64: 8
            }
        }

        public var description: String {
            switch self {
            case .unsignedInt8: "8-bit PCM"
            case .signedInt16: "16-bit PCM"
            case .signedInt24: "24-bit PCM"
            case .signedInt32: "32-bit PCM"
            case .float32: "32-bit float"
            case .float64: "64-bit float"
            }
        }
    }

    /// Frames per second.
    public let sampleRate: Int
    /// Interleaved channels per frame.
    public let channels: Int
    /// Sample encoding.
    public let format: SampleFormat
    /// Frames in the data chunk.
    public let frameCount: Int

    private let source: Source
    private let dataOffset: Int

    /// Where the bytes are: in memory, or read from an open file as needed.
    private enum Source: Sendable {
        case memory(Data)
        case file(ReadOnlyFile)
    }

    /// Seconds of audio.
    public var duration: Double { Double(frameCount) / Double(sampleRate) }

    /// Whether `data` starts like a RIFF/WAVE file.
    public static func looksLikeWAV(_ data: Data) -> Bool {
        data.count >= 12 && data.prefix(4).elementsEqual("RIFF".utf8)
            && data.dropFirst(8).prefix(4).elementsEqual("WAVE".utf8)
    }

    /// Parses the header and locates the samples; no sample is converted yet.
    public init(data: Data) throws(IngestError) {
        guard !data.isEmpty else { throw .emptyInput }
        // Re-base so integer offsets index from 0 whatever slice we were given.
        let bytes = data.startIndex == 0 ? data : Data(data)
        try self.init(source: .memory(bytes), size: bytes.count) { offset, count in
            bytes[offset..<min(bytes.count, offset + count)]
        }
    }

    /// Opens a WAV file on disk and parses its header; samples are read from the
    /// file as they are asked for, so a long recording is never held in memory.
    public init(file url: URL) throws(IngestError) {
        let file = try ReadOnlyFile(url)
        guard file.size > 0 else { throw .emptyInput }
        try self.init(source: .file(file), size: file.size) { offset, count in file.read(at: offset, count: count) }
    }

    private init(source: Source, size: Int, read: (Int, Int) -> Data) throws(IngestError) {
        let header = read(0, 12)
        guard Self.looksLikeWAV(header) else { throw .malformedWAV(reason: "missing RIFF/WAVE header") }
        var cursor = 12
        var fmt: (tag: Int, channels: Int, rate: Int, blockAlign: Int, bits: Int)?
        var dataRange: Range<Int>?

        while cursor + 8 <= size {
            let chunk = Data(read(cursor, 8))
            let id = String(decoding: chunk[0..<4], as: UTF8.self)
            let size32 = Int(chunk.readLE32(at: 4))
            let body = cursor + 8
            let available = size - body
            if id == "data" {
                if size32 > available {
                    // 0xFFFFFFFF (and 0) mark a streamed WAV whose length was never filled in.
                    guard size32 == 0xFFFF_FFFF else { throw .truncated(declaredBytes: size32, availableBytes: available) }
                    dataRange = body..<size
                } else {
                    dataRange = body..<body + size32
                }
                if fmt != nil { break }
            } else if id == "fmt " {
                guard size32 >= 16, available >= 16 else {
                    throw .malformedWAV(reason: "fmt chunk is \(min(size32, available)) bytes, expected at least 16")
                }
                let bytes = Data(read(body, 40))
                var tag = Int(bytes.readLE16(at: 0))
                let channels = Int(bytes.readLE16(at: 2))
                let rate = Int(bytes.readLE32(at: 4))
                let blockAlign = Int(bytes.readLE16(at: 12))
                let bits = Int(bytes.readLE16(at: 14))
                if tag == 0xFFFE {
                    guard size32 >= 40, available >= 40 else {
                        throw .malformedWAV(reason: "WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes")
                    }
                    tag = Int(bytes.readLE16(at: 24))
                }
                fmt = (tag, channels, rate, blockAlign, bits)
            }
            cursor = body + size32 + (size32 & 1)
        }

        guard let fmt else { throw .malformedWAV(reason: "no fmt chunk before the end of the file") }
        guard fmt.channels > 0 else { throw .zeroChannels }
        guard fmt.channels <= IngestLimits.maxChannels else { throw .tooManyChannels(fmt.channels) }
        guard IngestLimits.sampleRateRange.contains(fmt.rate) else { throw .unsupportedSampleRate(fmt.rate) }
        let format: SampleFormat
        switch (fmt.tag, fmt.bits) {
        case (1, 8): format = .unsignedInt8
        case (1, 16): format = .signedInt16
        case (1, 24): format = .signedInt24
        case (1, 32): format = .signedInt32
        case (3, 32): format = .float32
        case (3, 64): format = .float64
        default: throw .unsupportedSampleFormat(formatTag: fmt.tag, bitsPerSample: fmt.bits)
        }
        let frameBytes = format.byteWidth * fmt.channels
        guard fmt.blockAlign == frameBytes else {
            throw .malformedWAV(reason: "block align is \(fmt.blockAlign) bytes, expected \(frameBytes) for \(fmt.channels) channel(s) of \(format)")
        }
        guard let dataRange else { throw .malformedWAV(reason: "no data chunk") }
        let frames = dataRange.count / frameBytes
        guard frames > 0 else { throw .noAudio }

        self.source = source
        self.dataOffset = dataRange.lowerBound
        self.sampleRate = fmt.rate
        self.channels = fmt.channels
        self.format = format
        self.frameCount = frames
    }

    /// Reads `count` frames starting at `start`, averaging all channels into one.
    public func monoSamples(from start: Int, count: Int) -> [Float] {
        let count = max(0, min(count, frameCount - start))
        let frameBytes = format.byteWidth * channels
        switch source {
        case .memory(let bytes):
            return bytes.withUnsafeBytes { raw in
                mono(raw.baseAddress!.advanced(by: dataOffset + start * frameBytes), frames: count)
            }
        case .file(let file):
            // A short read (the file shrank under us) leaves silence, not garbage.
            var block = file.read(at: dataOffset + start * frameBytes, count: count * frameBytes)
            if block.count < count * frameBytes { block.append(Data(count: count * frameBytes - block.count)) }
            return block.withUnsafeBytes { raw in mono(raw.baseAddress!, frames: count) }
        }
    }

    /// Converts `frames` interleaved frames at `base` to mono floats.
    private func mono(_ base: UnsafeRawPointer, frames count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        let channels = self.channels
        let width = format.byteWidth
        let frameBytes = width * channels
        let scale = 1 / Float(channels)
        let format = self.format
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<count {
                let frame = base.advanced(by: i * frameBytes)
                var sum: Float = 0
                for c in 0..<channels {
                    sum += Self.sample(at: frame.advanced(by: c * width), format: format)
                }
                dst[i] = channels == 1 ? sum : sum * scale
            }
        }
        return out
    }

    @inline(__always)
    private static func sample(at p: UnsafeRawPointer, format: SampleFormat) -> Float {
        switch format {
        case .unsignedInt8:
            return (Float(p.load(as: UInt8.self)) - 128) / 128
        case .signedInt16:
            return Float(Int16(littleEndian: p.loadUnaligned(as: Int16.self))) / 32768
        case .signedInt24:
            let b0 = Int32(p.load(fromByteOffset: 0, as: UInt8.self))
            let b1 = Int32(p.load(fromByteOffset: 1, as: UInt8.self))
            let b2 = Int32(p.load(fromByteOffset: 2, as: Int8.self))
            return Float(b2 << 16 | b1 << 8 | b0) / 8_388_608
        case .signedInt32:
            return Float(Int32(littleEndian: p.loadUnaligned(as: Int32.self))) / 2_147_483_648
        case .float32:
            return Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
        case .float64:
            return Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))))
        }
    }
}

extension Data {
    /// Reads a little-endian UInt16 at a 0-based offset of a re-based `Data`.
    func readLE16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    /// Reads a little-endian UInt32 at a 0-based offset of a re-based `Data`.
    func readLE32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16 | UInt32(self[offset + 3]) << 24
    }
}

extension WAVFile {
    /// A 16-bit PCM mono WAV file of `samples`: what the simulator keeps of a live
    /// broadcast for a test to measure.
    public static func encode(mono16 samples: [Int16], sampleRate: Int) -> Data {
        var data = Data(capacity: 44 + samples.count * 2)
        func le<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8))
        le(UInt32(36 + samples.count * 2))
        data.append(contentsOf: Array("WAVEfmt ".utf8))
        le(UInt32(16))
        le(UInt16(1))  // PCM
        le(UInt16(1))  // mono
        le(UInt32(sampleRate))
        le(UInt32(sampleRate * 2))
        le(UInt16(2))
        le(UInt16(16))
        data.append(contentsOf: Array("data".utf8))
        le(UInt32(samples.count * 2))
        samples.withUnsafeBufferPointer { p in
            for s in p { le(s) }
        }
        return data
    }
}
