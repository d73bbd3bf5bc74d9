import CommcastAudio
import Foundation
import Testing

/// The limiter keeps the true peak under its ceiling and leaves the rest alone.
@Suite("True-peak limiter")
struct TruePeakLimiterTests {
    /// A quiet 300 Hz tone with three full-scale clicks: the kind of signal where
    /// a plain gain would have to stay low for three samples' sake.
    static func tonesWithClicks() -> (signal: [Float], clicks: [Int]) {
        var signal = (0..<48_000).map { Float(0.1 * sin(2 * Double.pi * 300 * Double($0) / 48_000)) }
        let clicks = [9_000, 24_000, 40_000]
        for c in clicks {
            for k in 0..<24 { signal[c + k] += Float(0.9 * sin(Double.pi * Double(k) / 24)) }
        }
        return (signal, clicks)
    }

    @Test("after gain, the true peak (libebur128) is at or under the ceiling")
    func keepsTheCeiling() throws {
        let (signal, _) = Self.tonesWithClicks()
        for ceiling in [-1.0, -3.0, -6.0] {
            let gain: Float = 4  // +12 dB: the clicks would reach +11 dBTP
            let envelope = TruePeakLimiter(ceilingDBTP: ceiling).envelope(for: signal, gain: gain)
            let limited = zip(signal, envelope.gains).map { $0 * gain * $1 }
            let (_, peak) = try LoudnessMeter.measure(limited)
            #expect(peak <= ceiling + 0.05, "ceiling \(ceiling) dBTP, measured \(peak)")
            #expect(envelope.reduction.maximumDB > 10, "the clicks needed more than 10 dB off")
        }
    }

    @Test("only the samples near a peak are turned down")
    func leavesTheRestAlone() {
        let (signal, clicks) = Self.tonesWithClicks()
        let limiter = TruePeakLimiter(ceilingDBTP: -1)
        let envelope = limiter.envelope(for: signal, gain: 4)
        // The tone alone peaks at 0.4 (-8 dBFS): far from the clicks it passes untouched.
        let farAway = (0..<signal.count).filter { n in clicks.allSatisfy { abs(n - $0) > 6_000 } }
        #expect(farAway.allSatisfy { envelope.gains[$0] == 1 })
        #expect(envelope.reduction.fraction < 0.2, "limited \(envelope.reduction.fraction) of the samples")
        // The gain starts to fall before each click: look-ahead, not a clip.
        for c in clicks { #expect(envelope.gains[c - limiter.lookAhead / 2] < 1) }
    }

    @Test("the gain never goes above 1 and changes smoothly")
    func smoothEnvelope() {
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<20_000).map { _ in Float.random(in: -1...1, using: &generator) }
        let envelope = TruePeakLimiter(ceilingDBTP: -6).envelope(for: noise, gain: 1).gains
        #expect(envelope.allSatisfy { $0 > 0 && $0 <= 1 })
        // A box average over the look-ahead window: no step bigger than 1/241 of full scale.
        let steps = zip(envelope, envelope.dropFirst()).map { abs($0 - $1) }
        #expect(steps.max()! <= 1.0 / 241 + 1e-5)
    }

    @Test("dips fall only where a signal is over the ceiling")
    func dips() {
        var decoded = [Float](repeating: 0.2, count: 10_000)
        decoded[3_000] = 1.0
        let dips = TruePeakLimiter(ceilingDBTP: -3).dips(under: decoded)
        #expect(dips[3_000] <= Float(pow(10, -3.0 / 20)) + 1e-4)
        #expect(dips[1_000] == 1 && dips[9_500] == 1)
    }
}
