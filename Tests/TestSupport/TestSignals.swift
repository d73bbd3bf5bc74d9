import Foundation

/// Deterministic test signals.
public enum TestSignals {
    /// A speech-like signal: a gliding 110–220 Hz voice with harmonics, shaped by a
    /// 4 Hz syllable envelope, with pauses. Low crest factor, so loudness
    /// normalisation reaches its target without hitting the peak ceiling.
    public static func speechLike(seconds: Double, sampleRate: Int, amplitude: Float = 0.3) -> [Float] {
        let n = Int(seconds * Double(sampleRate))
        var out = [Float](repeating: 0, count: n)
        var phase = 0.0
        for i in 0..<n {
            let t = Double(i) / Double(sampleRate)
            let f0 = 150 + 40 * sin(2 * .pi * 0.7 * t)
            phase += 2 * .pi * f0 / Double(sampleRate)
            var v = 0.0
            for h in 1...8 { v += sin(Double(h) * phase) / Double(h) }
            let syllable = max(0, sin(2 * .pi * 4 * t))
            let pause = (Int(t * 1.5) % 4 == 3) ? 0.05 : 1.0
            out[i] = Float(v * syllable * pause * 0.5) * amplitude
        }
        return out
    }
}
