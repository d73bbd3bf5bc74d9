import Foundation

/// A look-ahead limiter that keeps the *true* (inter-sample) peak of a whole
/// signal under a ceiling, so gain can bring quiet speech up to the loudness
/// target without clipping on the poles.
///
/// The gain envelope is computed from the future as well as the past (over a
/// stream, its stages hold back what they need: `LimiterStages`), so it starts
/// to fall `lookAhead` samples before a peak and reaches the needed reduction
/// exactly at it (a minimum filter over the look-ahead window, then a box average
/// of the same length, which can never rise above the reduction any sample in its
/// window needs). Release is a one-pole
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
        let gains = envelopeStage(gain: gain).run(truePeaks)
        return Envelope(gains: gains, reduction: Self.reduction(of: gains))
    }

    /// Each sample's true peak: the highest magnitude from it up to the next, on a 4× grid.
    public static func truePeaks(of signal: [Float]) -> [Float] {
        TruePeakScanner().run(signal)
    }

    /// How deep `gains` goes, and how much of it is below 0.1 dB.
    public static func reduction(of gains: [Float]) -> Reduction {
        var counter = ReductionCounter()
        counter.add(gains)
        return counter.reduction
    }

    /// The gain that brings every sample of `signal` whose true peak is over the
    /// ceiling down to it, held for `holdSamples` around it (twice as long before
    /// as after) and then smoothed like `envelope`; 1 elsewhere. Used on decoded
    /// Opus to find the few places where the codec pushed a peak back up: the
    /// cause may sit anywhere in the codec's frame (an onset smears back into the
    /// silence before it), so the dip covers a frame either side, not just the peak.
    public func dips(under signal: [Float], holdSamples: Int = 960) -> [Float] {
        dipsStage(holdSamples: holdSamples).run(signal)
    }
}
