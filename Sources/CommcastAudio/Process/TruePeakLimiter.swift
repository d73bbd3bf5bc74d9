import Foundation

/// A look-ahead limiter that keeps the *true* (inter-sample) peak of a whole
/// signal under a ceiling, so gain can bring quiet speech up to the loudness
/// target without clipping on the poles.
///
/// Offline, over a buffer held in memory: the gain envelope is computed from the
/// future as well as the past, so it starts to fall `lookAhead` samples before a
/// peak and reaches the needed reduction exactly at it (a minimum filter over the
/// look-ahead window, then a box average of the same length, which can never rise
/// above the reduction any sample in its window needs). Release is a one-pole
/// recovery, so speech is not pumped between syllables.
///
/// The true peak is estimated by 4× oversampling, as ITU-R BS.1770 does, with a
/// windowed-sinc interpolator; a small error there is what `margin` in the ingest
/// pipeline and the check on the decoded Opus are for.
public struct TruePeakLimiter: Sendable {
    /// The highest true peak allowed out, as a linear amplitude.
    public var ceiling: Float
    /// Samples the gain starts to fall before a peak (5 ms at 48 kHz).
    public var lookAhead: Int
    /// Time constant of the gain's recovery, in samples (10 ms at 48 kHz).
    public var releaseSamples: Double

    public init(ceilingDBTP: Double, sampleRate: Int = 48_000, lookAheadSeconds: Double = 0.005, releaseSeconds: Double = 0.01) {
        self.ceiling = Float(pow(10, ceilingDBTP / 20))
        self.lookAhead = max(1, Int(lookAheadSeconds * Double(sampleRate)))
        self.releaseSamples = max(1, releaseSeconds * Double(sampleRate))
    }

    /// What the limiter did, for an operator reading why a file sounds as it does.
    public struct Reduction: Sendable, Equatable {
        /// The deepest gain reduction, in dB (0 when nothing was limited).
        public var maximumDB: Double
        /// Share of the samples whose gain was reduced by more than 0.1 dB.
        public var fraction: Double
    }

    /// A gain per sample, and how deep it went.
    public struct Envelope: Sendable {
        /// Multiplies the signal sample for sample; 1 where nothing is limited.
        public var gains: [Float]
        public var reduction: Reduction
    }

    /// The gain to multiply `signal · gain` by, sample for sample, so that its
    /// true peak stays at or under the ceiling.
    public func envelope(for signal: [Float], gain: Float) -> Envelope {
        envelope(truePeaks: Self.truePeaks(of: signal), gain: gain)
    }

    /// The same from the signal's `truePeaks(of:)`, which do not depend on the
    /// gain: a search over gains computes them once.
    public func envelope(truePeaks: [Float], gain: Float) -> Envelope {
        var gains = needs(truePeaks, scale: abs(gain))
        smooth(&gains)
        return Envelope(gains: gains, reduction: Self.reduction(of: gains))
    }

    /// The gain each sample needs on its own to bring `truePeaks · scale` under the ceiling.
    func needs(_ truePeaks: [Float], scale: Float) -> [Float] {
        truePeaks.map { peak in
            let scaled = peak * scale
            return scaled > ceiling ? ceiling / scaled : 1
        }
    }

    /// Each sample's true peak: the highest magnitude from it up to the next, on a 4× grid.
    public static func truePeaks(of signal: [Float]) -> [Float] {
        signal.withUnsafeBufferPointer { x in (0..<x.count).map { truePeak(x, at: $0) } }
    }

    /// How deep `gains` goes, and how much of it is below 0.1 dB.
    public static func reduction(of gains: [Float]) -> Reduction {
        guard !gains.isEmpty else { return Reduction(maximumDB: 0, fraction: 0) }
        var deepest: Float = 1
        var reduced = 0
        for g in gains {
            deepest = min(deepest, g)
            if g < 0.9886 { reduced += 1 }  // 0.1 dB
        }
        return Reduction(maximumDB: -20 * log10(Double(deepest)), fraction: Double(reduced) / Double(gains.count))
    }

    /// The gain that brings every sample of `signal` whose true peak is over the
    /// ceiling down to it, held for `holdSamples` either side and then smoothed
    /// like `envelope`; 1 elsewhere. Used on decoded Opus to find the few places
    /// where the codec pushed a peak back up: the cause may sit anywhere in the
    /// codec's frame (an onset smears back into the silence before it), so the
    /// dip covers a frame either side, not just the peak.
    public func dips(under signal: [Float], holdSamples: Int = 960) -> [Float] {
        var gains = needs(Self.truePeaks(of: signal), scale: 1)
        if holdSamples > 0 {
            Self.forwardMinimum(&gains, window: holdSamples + 1)
            gains.reverse()
            Self.forwardMinimum(&gains, window: 2 * holdSamples + 1)
            gains.reverse()
        }
        smooth(&gains)
        return gains
    }

    /// Turns each sample's own need into a gain that starts to fall `lookAhead`
    /// samples early, reaches every need in time and recovers slowly.
    func smooth(_ gains: inout [Float]) {
        let count = gains.count
        // Look ahead: each sample takes the smallest need of the next `lookAhead`.
        Self.forwardMinimum(&gains, window: lookAhead + 1)
        // Release: the gain falls at once but recovers slowly.
        let recovery = Float(1 - exp(-1 / releaseSamples))
        var level: Float = 1
        for n in 0..<count {
            let wanted = gains[n]
            level = wanted < level ? wanted : level + (wanted - level) * recovery
            // Snap the last thousandth of a dB, so untouched audio is exactly untouched.
            if wanted - level < 1e-4 { level = wanted }
            gains[n] = level
        }
        // Attack: a box average over the same window makes the fall smooth and
        // still reaches every sample's need in time (all values it averages at a
        // peak are at or under that peak's need).
        Self.trailingAverage(&gains, window: lookAhead + 1)
    }

    /// Half-width of the interpolation kernel, in input samples.
    static let taps = 8

    /// Kernel weights for the three points between two samples (¼, ½, ¾),
    /// a Hann-windowed sinc: `kernel[phase][k]` weighs sample `n - taps + 1 + k`.
    static let kernel: [[Float]] = (1...3).map { phase in
        let offset = Double(phase) / 4
        return (0..<(2 * taps)).map { k in
            let t = Double(k - taps + 1) - offset
            let sinc = t == 0 ? 1 : sin(Double.pi * t) / (Double.pi * t)
            let window = 0.5 + 0.5 * cos(Double.pi * t / Double(taps))
            return Float(sinc * window)
        }
    }

    /// The highest magnitude of the signal from sample `n` up to (not including)
    /// sample `n + 1`, on a 4× grid.
    @inline(__always)
    static func truePeak(_ x: UnsafeBufferPointer<Float>, at n: Int) -> Float {
        var peak = abs(x[n])
        let first = n - taps + 1
        if first >= 0, first + 2 * taps <= x.count {
            for phase in kernel {
                var sum: Float = 0
                for k in 0..<(2 * taps) { sum += phase[k] * x[first + k] }
                peak = max(peak, abs(sum))
            }
        } else {
            // Near the ends: samples outside the buffer are silence.
            for phase in kernel {
                var sum: Float = 0
                for k in 0..<(2 * taps) {
                    let i = first + k
                    if i >= 0, i < x.count { sum += phase[k] * x[i] }
                }
                peak = max(peak, abs(sum))
            }
        }
        return peak
    }

    /// `values[n] = min(values[n ..< n + window])`, in place (a monotonic queue).
    static func forwardMinimum(_ values: inout [Float], window: Int) {
        let count = values.count
        var queue = [(index: Int, value: Float)]()
        queue.reserveCapacity(window)
        var head = 0
        // Walk backwards so that each sample's window is already in the queue.
        for n in stride(from: count - 1, through: 0, by: -1) {
            let v = values[n]
            while queue.count > head, queue[queue.count - 1].value >= v { queue.removeLast() }
            queue.append((n, v))
            while queue[head].index >= n + window { head += 1 }
            values[n] = queue[head].value
            if head > 4 * window {
                queue.removeFirst(head)
                head = 0
            }
        }
    }

    /// `values[n] = mean(values[n - window + 1 ... n])`, with ones before the start.
    static func trailingAverage(_ values: inout [Float], window: Int) {
        var ring = [Float](repeating: 1, count: window)
        var sum = Double(window)
        var belowOne = 0  // exact 1 where the whole window is 1, not a rounding of it
        for n in values.indices {
            let slot = n % window
            if ring[slot] < 1 { belowOne -= 1 }
            if values[n] < 1 { belowOne += 1 }
            sum += Double(values[n]) - Double(ring[slot])
            ring[slot] = values[n]
            values[n] = belowOne == 0 ? 1 : Float(sum / Double(window))
        }
    }
}
