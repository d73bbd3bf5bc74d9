import CEbur128
import Foundation

/// EBU R128 integrated loudness and true peak of a 48 kHz mono signal, via libebur128.
public final class LoudnessMeter {
    private let state: UnsafeMutablePointer<ebur128_state>

    /// Creates a meter for mono audio at `sampleRate`; without `truePeak` it
    /// measures loudness only, which is several times cheaper.
    public init(sampleRate: Int = 48_000, truePeak: Bool = true) throws(IngestError) {
        let mode = Int32(EBUR128_MODE_I.rawValue | (truePeak ? EBUR128_MODE_TRUE_PEAK.rawValue : 0))
        guard let state = ebur128_init(1, UInt(sampleRate), mode) else {
            throw .loudnessMeterFailed("ebur128_init returned NULL")
        }
        self.state = state
    }

    deinit {
        var s: UnsafeMutablePointer<ebur128_state>? = state
        ebur128_destroy(&s)
    }

    /// Feeds samples.
    public func add(_ samples: [Float]) throws(IngestError) {
        guard !samples.isEmpty else { return }
        let rc = samples.withUnsafeBufferPointer { ebur128_add_frames_float(state, $0.baseAddress, $0.count) }
        guard rc == Int32(EBUR128_SUCCESS.rawValue) else { throw .loudnessMeterFailed("add_frames returned \(rc)") }
    }

    /// Integrated loudness in LUFS; `-infinity` for silence or audio shorter than one gating block.
    public func integratedLoudness() -> Double {
        var lufs: Double = 0
        guard ebur128_loudness_global(state, &lufs) == Int32(EBUR128_SUCCESS.rawValue) else { return -.infinity }
        return lufs
    }

    /// True peak in dBTP (4× oversampled, as R128 specifies); `-infinity` for silence.
    public func truePeakDBTP() -> Double {
        var peak: Double = 0
        guard ebur128_true_peak(state, 0, &peak) == Int32(EBUR128_SUCCESS.rawValue), peak > 0 else { return -.infinity }
        return 20 * log10(peak)
    }

    /// Convenience: measures a whole buffer at once.
    public static func measure(_ samples: [Float], sampleRate: Int = 48_000) throws(IngestError) -> (lufs: Double, truePeakDBTP: Double) {
        let meter = try LoudnessMeter(sampleRate: sampleRate)
        try meter.add(samples)
        return (meter.integratedLoudness(), meter.truePeakDBTP())
    }
}
