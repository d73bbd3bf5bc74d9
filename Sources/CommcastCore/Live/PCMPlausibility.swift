import Foundation

/// Whether samples said to be 48 kHz mono 16-bit PCM look like sound at all. Bytes of
/// another kind read as such — random data, a compressed file, big-endian or 8-bit
/// audio — come out as full-scale noise: loud, and crossing zero about every other
/// sample, where speech and music cross far less often. Such a source is refused
/// before it reaches every loudspeaker of a commune.
public enum PCMPlausibility {
    /// Below this many samples (0.1 s) nothing is judged.
    public static let minimumSamples = 4_800

    /// Why `samples` do not look like audio, or nil when they may be.
    public static func problem(_ samples: [Int16]) -> String? {
        guard samples.count >= minimumSamples else { return nil }
        var crossings = 0
        var energy = 0.0
        var previous = samples[0]
        for s in samples {
            if (s < 0) != (previous < 0) { crossings += 1 }
            previous = s
            let x = Double(s) / 32_768
            energy += x * x
        }
        let crossingRate = Double(crossings) / Double(samples.count - 1)
        let level = 10 * log10(max(energy / Double(samples.count), 1e-12))
        // Speech crosses zero on 1–20 % of samples at 48 kHz, and a loud whistle stays
        // under about 30 %; noise that loud is not a microphone's.
        guard crossingRate > 0.35, level > -12 else { return nil }
        return String(
            format: "it is full-scale noise (%.0f %% of samples cross zero, %.1f dBFS), expected 48 kHz mono 16-bit little-endian PCM",
            crossingRate * 100, level)
    }
}
