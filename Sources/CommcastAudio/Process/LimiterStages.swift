import Foundation

extension TruePeakLimiter {
    /// The gain each sample needs on its own to bring `truePeak · scale` under the ceiling.
    struct Needs: SampleStage {
        let ceiling: Float
        let scale: Float

        mutating func process(_ input: [Float], into output: inout [Float]) {
            for peak in input {
                let scaled = peak * scale
                output.append(scaled > ceiling ? ceiling / scaled : 1)
            }
        }

        mutating func finish(into output: inout [Float]) {}
    }

    /// The gain falls at once but recovers slowly (a one-pole release), then a box
    /// average over the look-ahead window makes each fall smooth: every value it
    /// averages at a peak is at or under that peak's need, so the need is still met.
    struct Release: SampleStage {
        let recovery: Float
        let window: Int
        private var level: Float = 1
        private var ring: [Float]
        private var sum: Double
        private var belowOne = 0  // exact 1 where the whole window is 1, not a rounding of it
        private var slot = 0

        init(releaseSamples: Double, window: Int) {
            recovery = Float(1 - exp(-1 / releaseSamples))
            self.window = window
            ring = [Float](repeating: 1, count: window)
            sum = Double(window)
        }

        mutating func process(_ input: [Float], into output: inout [Float]) {
            for wanted in input {
                level = wanted < level ? wanted : level + (wanted - level) * recovery
                // Snap the last thousandth of a dB, so untouched audio is exactly untouched.
                if wanted - level < 1e-4 { level = wanted }
                if ring[slot] < 1 { belowOne -= 1 }
                if level < 1 { belowOne += 1 }
                sum += Double(level) - Double(ring[slot])
                ring[slot] = level
                slot = slot + 1 == window ? 0 : slot + 1
                output.append(belowOne == 0 ? 1 : Float(sum / Double(window)))
            }
        }

        mutating func finish(into output: inout [Float]) {}
    }

    /// Turns each sample's own need into a gain that starts to fall `lookAhead`
    /// samples early, reaches every need in time and recovers slowly.
    func smoothing() -> ChainedStage<LookAheadMinimum, Release> {
        LookAheadMinimum(window: lookAhead + 1).then(Release(releaseSamples: releaseSamples, window: lookAhead + 1))
    }

    /// From a signal's true peaks to the gain that keeps `signal · gain` under the ceiling.
    func envelopeStage(gain: Float) -> ChainedStage<Needs, ChainedStage<LookAheadMinimum, Release>> {
        Needs(ceiling: ceiling, scale: abs(gain)).then(smoothing())
    }

    /// From a decoded signal to the dips that bring its true peaks under the
    /// ceiling, held `holdSamples` around each (see `dips(under:holdSamples:)`).
    func dipsStage(holdSamples: Int) -> some SampleStage {
        TruePeakScanner()
            .then(Needs(ceiling: ceiling, scale: 1))
            .then(LookAheadMinimum(window: holdSamples + 1))
            .then(TrailingMinimum(window: 2 * holdSamples + 1))
            .then(smoothing())
    }
}

/// How deep a gain envelope goes and how much of it is reduced, counted as it streams past.
struct ReductionCounter {
    private var deepest: Float = 1
    private var reduced = 0
    private var total = 0

    mutating func add(_ gains: [Float]) {
        for g in gains {
            deepest = min(deepest, g)
            if g < 0.9886 { reduced += 1 }  // 0.1 dB
        }
        total += gains.count
    }

    var reduction: TruePeakLimiter.Reduction {
        guard total > 0 else { return .init(maximumDB: 0, fraction: 0) }
        return .init(maximumDB: -20 * log10(Double(deepest)), fraction: Double(reduced) / Double(total))
    }
}
