import CommcastCore
import Foundation
import Testing

/// Random bytes read as PCM are refused; sound of any ordinary kind is not.
@Suite("PCM plausibility")
struct PCMPlausibilityTests {
    func tone(_ hertz: Double, level: Double = 0.5, seconds: Double = 0.5) -> [Int16] {
        (0..<Int(48_000 * seconds)).map { Int16(level * 32_767 * sin(2 * Double.pi * hertz * Double($0) / 48_000)) }
    }

    @Test("random bytes, and a WAV read with the wrong byte order, are named as noise")
    func noise() {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<24_000).map { _ in Int16.random(in: .min ... .max, using: &generator) }
        #expect(PCMPlausibility.problem(random)?.contains("full-scale noise") == true)
        let byteSwapped = tone(440).map { $0.byteSwapped }
        #expect(PCMPlausibility.problem(byteSwapped) != nil)
    }

    @Test("speech-like tones, a whistle, quiet hiss and silence pass", arguments: [120.0, 440.0, 3_000.0, 7_000.0])
    func sound(_ hertz: Double) {
        #expect(PCMPlausibility.problem(tone(hertz)) == nil)
    }

    @Test("silence, quiet noise and a short start are not judged as noise")
    func quietOrShort() {
        #expect(PCMPlausibility.problem([Int16](repeating: 0, count: 24_000)) == nil)
        let hiss = (0..<24_000).map { _ in Int16.random(in: -300...300) }
        #expect(PCMPlausibility.problem(hiss) == nil, "a quiet room's noise is still audio")
        #expect(PCMPlausibility.problem((0..<1_000).map { _ in Int16.random(in: .min ... .max) }) == nil)
    }
}
