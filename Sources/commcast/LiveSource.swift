import CommcastAudio
import CommcastCapture
import CommcastCore
import Foundation
import NIOCore

/// Where `commcast live` takes its audio, delivered as 20 ms blocks of 48 kHz mono
/// s16le at the pace of real time: a file is not sent faster than it plays, so the
/// clusters hear it as it would have sounded from the microphone.
struct LiveSource {
    struct Problem: Error { var message: String }

    static let blockSamples = 960

    let kind: String
    /// Returns the next block of samples, or nil at the end; may block (a microphone, a pipe).
    let next: @Sendable () throws -> [Int16]?

    static func microphone(_ device: String) throws -> LiveSource {
        let capture: MicrophoneCapture
        do { capture = try MicrophoneCapture(device: device) } catch { throw Problem(message: error.description) }
        let box = UncheckedBox(capture)
        return LiveSource(kind: "microphone") {
            let samples = try box.value.read(frames: blockSamples)
            return samples.isEmpty ? nil : samples
        }
    }

    static func file(_ path: String) throws -> LiveSource {
        let pcm: [Int16]
        do { pcm = try decode(path) } catch { throw Problem(message: "--file \(path): \(error)") }
        let position = LockedCounter()
        return LiveSource(kind: "file") {
            let start = position.advance(by: blockSamples)
            guard start < pcm.count else { return nil }
            return Array(pcm[start..<min(pcm.count, start + blockSamples)])
        }
    }

    /// The whole file as 48 kHz mono s16: WAV directly, anything else through ffmpeg.
    static func decode(_ path: String) throws(IngestError) -> [Int16] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .fileNotFound(path: path) }
        let wav = try FFmpegTranscoder().wavFile(data, of: URL(fileURLWithPath: path), maxSeconds: 6 * 3600)
        var samples = wav.monoSamples(from: 0, count: wav.frameCount)
        if wav.sampleRate != 48_000 {
            let resampler = try Resampler(inputRate: wav.sampleRate, outputRate: 48_000)
            samples = try resampler.process(samples) + resampler.flush()
        }
        return samples.map { Int16(max(-1, min(1, $0)) * 32767) }
    }

    /// WAV (48 kHz 16-bit, mono or stereo) or raw 48 kHz mono s16le. The first half
    /// second is read and judged before the broadcast starts: bytes that are not audio
    /// in that format would air as full-scale noise on every loudspeaker.
    static func stdin() throws -> LiveSource {
        let reader = StdinPCMReader()
        var head: [[Int16]] = []
        while head.count < 25, let block = try reader.next(samples: blockSamples) { head.append(block) }
        if let problem = PCMPlausibility.problem(head.flatMap { $0 }) {
            throw Problem(message: "stdin: \(problem); nothing was broadcast (convert with: ffmpeg -i IN -ar 48000 -ac 1 -f s16le -)")
        }
        let buffered = UncheckedBox(head)
        return LiveSource(kind: "stdin") {
            if !buffered.value.isEmpty { return buffered.value.removeFirst() }
            return try reader.next(samples: blockSamples)
        }
    }

    /// The blocks as request body parts, paced to real time.
    func chunks() -> AsyncThrowingStream<ByteBuffer, any Error> {
        let next = self.next
        return AsyncThrowingStream { continuation in
            let thread = Thread {
                let start = DispatchTime.now().uptimeNanoseconds
                var sent: UInt64 = 0
                do {
                    while let block = try next() {
                        var buffer = ByteBuffer()
                        buffer.reserveCapacity(block.count * 2)
                        for s in block { buffer.writeInteger(s, endianness: .little) }
                        // Never ahead of the clock: a block is due when its audio would have been captured.
                        let due = start + sent * 1_000_000_000 / 48_000
                        let now = DispatchTime.now().uptimeNanoseconds
                        if due > now { usleep(UInt32((due - now) / 1000)) }
                        sent += UInt64(block.count)
                        if case .terminated = continuation.yield(buffer) { return }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            thread.start()
        }
    }
}

/// Reads PCM from stdin, skipping a WAV header if there is one.
final class StdinPCMReader: @unchecked Sendable {
    private var started = false
    private var stereo = false
    private var pending = Data()

    func next(samples: Int) throws -> [Int16]? {
        if !started {
            started = true
            try readHeaderIfWAV()
        }
        let bytesPerSample = stereo ? 4 : 2
        while pending.count < samples * bytesPerSample {
            let more = FileHandle.standardInput.availableData
            if more.isEmpty { break }
            pending.append(more)
        }
        let usable = min(pending.count, samples * bytesPerSample) / bytesPerSample * bytesPerSample
        guard usable > 0 else { return nil }
        let chunk = pending.prefix(usable)
        pending.removeFirst(usable)
        let values = chunk.withUnsafeBytes { raw in
            (0..<usable / 2).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
        }
        guard stereo else { return values }
        return stride(from: 0, to: values.count, by: 2).map { Int16((Int32(values[$0]) + Int32(values[$0 + 1])) / 2) }
    }

    private func readHeaderIfWAV() throws {
        while pending.count < 12 {
            let more = FileHandle.standardInput.availableData
            if more.isEmpty { return }
            pending.append(more)
        }
        guard pending.prefix(4) == Data("RIFF".utf8), pending[pending.startIndex + 8..<pending.startIndex + 12] == Data("WAVE".utf8) else { return }
        var offset = 12
        while true {
            while pending.count < offset + 8 {
                let more = FileHandle.standardInput.availableData
                if more.isEmpty { throw LiveSource.Problem(message: "stdin: the WAV header ends early") }
                pending.append(more)
            }
            let bytes = [UInt8](pending)
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16 | Int(bytes[offset + 7]) << 24
            if id == "data" {
                pending.removeFirst(offset + 8)
                return
            }
            while pending.count < offset + 8 + size {
                let more = FileHandle.standardInput.availableData
                if more.isEmpty { throw LiveSource.Problem(message: "stdin: the WAV header ends early") }
                pending.append(more)
            }
            if id == "fmt " {
                let f = [UInt8](pending)[offset + 8..<offset + 8 + size]
                let base = f.startIndex
                let format = Int(f[base]) | Int(f[base + 1]) << 8
                let channels = Int(f[base + 2]) | Int(f[base + 3]) << 8
                let rate = Int(f[base + 4]) | Int(f[base + 5]) << 8 | Int(f[base + 6]) << 16 | Int(f[base + 7]) << 24
                let bits = Int(f[base + 14]) | Int(f[base + 15]) << 8
                guard format == 1, bits == 16, rate == 48_000, channels == 1 || channels == 2 else {
                    throw LiveSource.Problem(
                        message:
                            "stdin: WAV is \(rate) Hz, \(bits)-bit, \(channels) channels (format \(format)); expected 48000 Hz 16-bit PCM, mono or stereo (convert with: ffmpeg -i IN -ar 48000 -ac 1 -f wav -)"
                    )
                }
                stereo = channels == 2
            }
            offset += 8 + size + (size & 1)
        }
    }
}

/// A position shared with the reading thread.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func advance(by n: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        let v = value
        value += n
        return v
    }
}

/// Hands a non-Sendable object to the one thread that uses it.
final class UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
