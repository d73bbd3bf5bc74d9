import CALSA

/// Reads 48 kHz mono s16 audio from an ALSA capture device (a USB microphone,
/// `default`, or in tests a `file`/`null` PCM from an asoundrc).
///
/// ALSA converts whatever the card does (`plug` in the default device), so the
/// caller always gets the station's live format.
public final class MicrophoneCapture {
    /// Why the microphone could not be used, with ALSA's own words.
    public struct Failure: Error, CustomStringConvertible {
        public var device: String
        public var step: String
        public var reason: String
        public var description: String { "microphone \(device): \(step): \(reason)" }
    }

    public let device: String
    private var pcm: OpaquePointer?

    /// Opens `device` for capture at 48 kHz, mono, s16le, in blocks of about 20 ms.
    public init(device: String) throws(Failure) {
        self.device = device
        var handle: OpaquePointer?
        try Self.check(snd_pcm_open(&handle, device, SND_PCM_STREAM_CAPTURE, 0), device, "open (is the device name right? see `arecord -L`)")
        pcm = handle
        try Self.check(
            snd_pcm_set_params(handle, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED, 1, 48_000, 1, 100_000),
            device, "set 48 kHz mono s16le")
    }

    deinit { if let pcm { snd_pcm_close(pcm) } }

    /// Reads `frames` samples, blocking until they are there; recovers from an overrun once.
    public func read(frames: Int) throws(Failure) -> [Int16] {
        var samples = [Int16](repeating: 0, count: frames)
        var filled = 0
        while filled < frames {
            let got = samples.withUnsafeMutableBufferPointer { buffer in
                snd_pcm_readi(pcm, buffer.baseAddress! + filled, snd_pcm_uframes_t(frames - filled))
            }
            if got < 0 {
                // An overrun (the reader was late) or a suspend: ALSA can restart the stream.
                try Self.check(snd_pcm_recover(pcm, Int32(got), 1), device, "read")
                continue
            }
            if got == 0 { break }
            filled += Int(got)
        }
        return Array(samples[0..<filled])
    }

    static func check(_ status: Int32, _ device: String, _ step: String) throws(Failure) {
        if status < 0 { throw Failure(device: device, step: step, reason: String(cString: snd_strerror(status))) }
    }
}
