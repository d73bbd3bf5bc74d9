import Foundation

/// Objective comparisons between a reference and a decoded signal.
public enum AudioMetrics {
    /// The highest normalised cross-correlation over lags within ±`maxLag` samples.
    /// Codecs and resamplers each add a small, fixed delay; this finds it.
    public static func bestCorrelation(_ a: [Float], _ b: [Float], maxLag: Int = 64) -> (correlation: Double, lag: Int) {
        var best = (correlation: -1.0, lag: 0)
        for lag in -maxLag...maxLag {
            let c = correlation(a, b, lag: lag)
            if c > best.correlation { best = (c, lag) }
        }
        return best
    }

    /// Normalised correlation of `a[i]` with `b[i + lag]` over their overlap.
    public static func correlation(_ a: [Float], _ b: [Float], lag: Int) -> Double {
        let start = max(0, -lag)
        let end = min(a.count, b.count - lag)
        guard end - start > 1 else { return 0 }
        var sab = 0.0
        var saa = 0.0
        var sbb = 0.0
        var sa = 0.0
        var sb = 0.0
        let n = Double(end - start)
        for i in start..<end {
            let x = Double(a[i])
            let y = Double(b[i + lag])
            sab += x * y
            saa += x * x
            sbb += y * y
            sa += x
            sb += y
        }
        let cov = sab - sa * sb / n
        let va = saa - sa * sa / n
        let vb = sbb - sb * sb / n
        guard va > 0, vb > 0 else { return 0 }
        return cov / (va * vb).squareRoot()
    }

    /// Correlation of 10 ms RMS envelopes: does the loudness contour match?
    public static func envelopeCorrelation(_ a: [Float], _ b: [Float], sampleRate: Int = 48_000) -> Double {
        let block = sampleRate / 100
        func envelope(_ s: [Float]) -> [Float] {
            stride(from: 0, to: s.count - block, by: block).map { start in
                var sum: Float = 0
                for i in start..<start + block { sum += s[i] * s[i] }
                return (sum / Float(block)).squareRoot()
            }
        }
        let ea = envelope(a)
        let eb = envelope(b)
        let n = min(ea.count, eb.count)
        return correlation(Array(ea.prefix(n)), Array(eb.prefix(n)), lag: 0)
    }
}
